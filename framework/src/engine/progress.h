// progress.h (internal): the one-line live status of a long run, on a terminal.
#pragma once

#include <cstdint>
#include <cstdio>

#include "loadgate/duration.h"

namespace loadgate::engine {

/// Progress prints "elapsed/total  results done per second (last interval)  success  p99  errors":
/// in place ('\r') each second on a terminal; otherwise as plain lines, each second for the
/// first ten seconds, then every ten. Past the planned total it says "draining". A null stream
/// prints nothing.
class Progress {
 public:
  /// `total` is the planned duration (0 = unknown).
  Progress(std::FILE* out, Nanos total);
  /// Reports the state at `elapsed`: results so far, failures so far, p99 so far (ns).
  void update(Nanos elapsed, uint64_t results, uint64_t failures, int64_t p99_ns);
  /// Ends the line.
  void finish();

 private:
  std::FILE* out_;
  Nanos total_;
  bool tty_;
  int64_t last_print_ns_ = 0;
  uint64_t last_results_ = 0;
  int64_t last_elapsed_ns_ = 0;
  bool printed_ = false;
};

}  // namespace loadgate::engine
