// log_tap.h: a service's output through a pipe into its log file, with a limit. A service that
// prints without end (a debug flag, `yes` beside itself) would otherwise fill the disk: one probe
// wrote 1.85 GB in a 5 s scenario. The first `limit` bytes go to the file as they come; past the
// limit only the last kTailBytes are kept, and when the tap ends they follow a line saying how
// much was cut, so that the file holds the start (where readiness and configuration show) and the
// end (where a crash shows).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "loadgate/duration.h"

namespace loadgate::service {

/// LogTap reads a pipe on a thread of its own and writes what comes into a file, up to a limit.
class LogTap {
 public:
  /// Bytes of the end of the output kept past the limit (1 MiB).
  static constexpr size_t kTailBytes = 1 << 20;
  /// Opens `path` (truncated, or appended to when `append`) and a pipe, and starts reading it.
  /// `limit`: bytes written to the file before the cut (0 = no limit). Throws RunError naming the
  /// file when it cannot be opened.
  LogTap(const std::string& path, bool append, uint64_t limit);
  LogTap(const LogTap&) = delete;
  LogTap& operator=(const LogTap&) = delete;
  /// finish()es.
  ~LogTap();

  /// The pipe's write end, for the child's stdout and stderr (close_writer() once it is forked).
  int writer() const { return write_fd_; }
  /// Closes this process's copy of the write end: the pipe ends when every writer has.
  void close_writer();
  /// Waits up to `wait` for the tap to have read what the pipe holds now (a service that just
  /// died: its last lines), so that a reader of the file or of recent() sees them.
  void settle(Nanos wait);
  /// The last bytes of the output (up to 64 KiB), written to the file or not.
  std::string recent() const;
  /// Stops reading once the pipe holds nothing more (writers that outlive the service are not
  /// waited for), and writes the cut note and the kept end when the limit was passed.
  /// Idempotent.
  void finish();
  /// Bytes the service wrote, all of them (counted past the limit too).
  uint64_t total() const { return total_.load(); }

 private:
  void loop();
  void take(const char* data, size_t n);  // under mu_

  int file_fd_ = -1;
  int read_fd_ = -1;
  int write_fd_ = -1;
  uint64_t limit_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> busy_{false};  // a read taken from the pipe, not yet written
  std::atomic<uint64_t> total_{0};
  mutable std::mutex mu_;
  uint64_t written_ = 0;  // to the file, before the cut
  std::string tail_;      // the last bytes past the limit (up to 2 x kTailBytes before a trim)
  std::string recent_;    // the last bytes, for recent() (up to 2 x 64 KiB before a trim)
  bool finished_ = false;
  std::thread thread_;
};

}  // namespace loadgate::service
