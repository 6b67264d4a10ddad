// fuzz_baseline.cc: baseline files, then every scenario's load and a verdict on no results.
#include <string>

#include "loadgate/baseline.h"
#include "loadgate/error.h"
#include "loadgate/gate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const loadgate::BaselineFile f = loadgate::parse_baseline(text, "fuzz.json");
    loadgate::Metrics empty;
    for (const auto& [name, s] : f.scenarios) {
      loadgate::scenario_load(s, 0.05);
      loadgate::evaluate(empty, s);
    }
  } catch (const loadgate::InputError&) {
  }
  return 0;
}
