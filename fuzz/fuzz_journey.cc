// fuzz_journey.cc: journey files (steps, extractions with user regexes, checks, think times).
#include <cstddef>
#include <cstdint>
#include <string>

#include "loadgate/error.h"
#include "loadgate/journey.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const loadgate::Journey j = loadgate::parse_journey(text, "fuzz/journey.json");
    if (j.steps.empty()) __builtin_trap();  // parse_journey() refuses a journey of no step
  } catch (const loadgate::InputError&) {
  }
  return 0;
}
