// fuzz_targets.cc: Vegeta's two targets formats. The first byte picks the format.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "loadgate/error.h"
#include "loadgate/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto format = data[0] % 2 ? loadgate::TargetsFormat::kJson : loadgate::TargetsFormat::kHttp;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    for (const loadgate::Target& t : loadgate::parse_targets(text, "fuzz/targets.txt", format)) {
      // Whatever parses must be safe to send: no header that could inject or smuggle.
      for (const loadgate::Header& h : t.headers)
        if (!loadgate::header_problem(h).empty()) __builtin_trap();
      if (!loadgate::framing_problem(t.headers, t.body).empty()) __builtin_trap();
    }
  } catch (const loadgate::InputError&) {
  }
  return 0;
}
