// fuzz_ready.cc: a baseline's process block (command, env, ready probe with a user regex,
// timeouts, log limit), as `loadgate run` reads it from a process file.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <unistd.h>

#include "loadgate/baseline.h"
#include "loadgate/error.h"
#include "loadgate/process.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // The READY spec alone, as CMake's loadgate_add_perf_test(... READY ...) gives it.
  if (auto probe = loadgate::parse_ready(text)) {
    if (!loadgate::parse_ready(probe->spec())) __builtin_trap();  // what it prints, it reads back
  }
  static const std::string path = "/tmp/fuzz_ready." + std::to_string(getpid()) + ".json";
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
    try {
      (void)loadgate::load_process_file(path);
    } catch (const loadgate::InputError&) {
    }
  }
  return 0;
}
