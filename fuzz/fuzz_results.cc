// fuzz_results.cc: results files in every encoding (binary, JSON, CSV, Vegeta's JSON and gob), read into
// Metrics and reported: a corrupt file is an error or a warning, never a crash.
#include <cstdio>
#include <sstream>

#include "loadgate/metrics.h"
#include "loadgate/report.h"
#include "loadgate/results_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::FILE* f = fmemopen(const_cast<uint8_t*>(data), size, "rb");
  if (!f) return 0;
  // Metrics cost a megabyte of histograms each: made once, reused (their figures only grow).
  static loadgate::Metrics* m = new loadgate::Metrics();
  loadgate::ResultReader reader(f, "fuzz.bin");
  reader.on_sample = [&](const loadgate::Sample& s) { m->add_sample(s); };
  reader.on_end = [&](const loadgate::RunEnd& e) { m->add_generator(e.generator); };
  loadgate::Result r;
  uint64_t n = 0;
  while (reader.next(r)) m->add(r), ++n;
  std::fclose(f);
  if (n > 0) {
    std::ostringstream out;
    loadgate::write_json_report(out, *m);
  }
  return 0;
}
