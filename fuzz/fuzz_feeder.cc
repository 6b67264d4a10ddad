// fuzz_feeder.cc: feeder files, CSV or JSON lines (the first byte picks), and every row they
// give. Whatever loads has rows as wide as its columns.
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>

#include "loadgate/error.h"
#include "loadgate/feeder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string path = data[0] % 2 ? "fuzz/feed.jsonl" : "fuzz/feed.csv";
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    const loadgate::Feeder f = loadgate::parse_feeder(text, path, loadgate::FeedMode::kCircular);
    std::mt19937_64 rng(1);
    for (uint64_t seq = 0; seq < f.size() && seq < 64; ++seq) {
      const std::vector<std::string>* row = f.row(seq, rng);
      if (!row || row->size() != f.columns().size()) __builtin_trap();
    }
  } catch (const loadgate::InputError&) {
  }
  return 0;
}
