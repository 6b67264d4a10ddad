// progress.cc: progress line formatting.
#include "engine/progress.h"

#include <unistd.h>

#include <algorithm>
#include <string>

namespace loadgate::engine {

Progress::Progress(std::FILE* out, Nanos total) : out_(out), total_(total), tty_(out && isatty(fileno(out))) {}

void Progress::update(Nanos elapsed, uint64_t results, uint64_t failures, int64_t p99_ns) {
  if (!out_) return;
  const int64_t e = elapsed.count();
  // On a terminal, in place each second; in a log, a line each second for the first ten, then
  // every ten seconds.
  const int64_t every = tty_ || e < 10'000'000'000 ? 1'000'000'000 : 10'000'000'000;
  if (e - last_print_ns_ < every) return;
  const double secs = static_cast<double>(e - last_elapsed_ns_) / 1e9;
  const double rate = secs > 0 ? static_cast<double>(results - last_results_) / secs : 0;
  const double ok = results ? 100.0 * static_cast<double>(results - failures) / static_cast<double>(results) : 100.0;
  // After the schedule's end, in-flight requests drain: say so rather than run past the total.
  const bool draining = total_.count() > 0 && e > total_.count();
  std::string when = format_duration_short(Nanos(std::min(e, draining ? total_.count() : e) / 100'000'000 * 100'000'000), 1);
  if (total_.count() > 0) when += "/" + format_duration_short(total_, 1) + (draining ? " draining" : "");
  std::fprintf(out_, "%s%-23s %9.1f done/s  %6.2f%% ok  p99 %-10s %llu errors%s", tty_ ? "\r" : "", when.c_str(), rate,
               ok, format_duration_short(Nanos(p99_ns)).c_str(), static_cast<unsigned long long>(failures),
               tty_ ? "  " : "\n");
  std::fflush(out_);
  printed_ = true;
  last_print_ns_ = e;
  last_results_ = results;
  last_elapsed_ns_ = e;
}

void Progress::finish() {
  if (out_ && tty_ && printed_) std::fputc('\n', out_);
}

}  // namespace loadgate::engine
