// log_tap.cc: LogTap: a pipe read on a thread, written to a file up to a limit, its end kept.
#include "log_tap.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "loadgate/error.h"

namespace loadgate::service {
namespace {

constexpr size_t kRecentBytes = 64 << 10;

// Writes all of `data` to `fd` (a full disk loses the rest: a log must never stop the service).
void write_all(int fd, const char* data, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    data += w;
    n -= static_cast<size_t>(w);
  }
}

// Appends `data` to `keep`, trimming its front to `cap` bytes once it holds twice that.
void keep_last(std::string& keep, const char* data, size_t n, size_t cap) {
  if (n >= cap) {
    keep.assign(data + n - cap, cap);
    return;
  }
  keep.append(data, n);
  if (keep.size() > 2 * cap) keep.erase(0, keep.size() - cap);
}

std::string mebibytes(uint64_t bytes) {
  char out[32];
  std::snprintf(out, sizeof out, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return out;
}

}  // namespace

LogTap::LogTap(const std::string& path, bool append, uint64_t limit) : limit_(limit) {
  file_fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0644);
  if (file_fd_ < 0) throw RunError("cannot write the service log " + path + ": " + std::strerror(errno));
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    ::close(file_fd_);
    throw RunError(std::string("cannot make a pipe for the service log: ") + std::strerror(errno));
  }
  read_fd_ = fds[0];
  write_fd_ = fds[1];
  thread_ = std::thread([this] { loop(); });
}

LogTap::~LogTap() { finish(); }

void LogTap::close_writer() {
  if (write_fd_ >= 0) ::close(write_fd_);
  write_fd_ = -1;
}

void LogTap::take(const char* data, size_t n) {
  total_ += n;
  keep_last(recent_, data, n, kRecentBytes);
  if (limit_ == 0 || written_ < limit_) {
    const size_t now = limit_ == 0 ? n : static_cast<size_t>(std::min<uint64_t>(n, limit_ - written_));
    write_all(file_fd_, data, now);
    written_ += now;
    data += now;
    n -= now;
  }
  if (n > 0) keep_last(tail_, data, n, kTailBytes);
}

void LogTap::loop() {
  constexpr int64_t kDrainAfterStop = 200'000'000;  // ns: writers that outlive the service are not waited for
  char buf[64 << 10];
  int64_t stopped_at = 0;
  for (;;) {
    if (stop_.load()) {
      const int64_t now = steady_now_ns();
      if (stopped_at == 0) stopped_at = now;
      if (now - stopped_at > kDrainAfterStop) return;
    }
    pollfd p{read_fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, 50);
    if (ready < 0 && errno != EINTR) return;
    if (ready <= 0) {
      if (stop_.load()) return;  // nothing left to read, and told to end
      continue;
    }
    busy_.store(true);
    const ssize_t n = ::read(read_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
      busy_.store(false);
      continue;
    }
    if (n <= 0) {
      busy_.store(false);
      return;  // every writer closed it
    }
    {
      std::lock_guard lock(mu_);
      take(buf, static_cast<size_t>(n));
    }
    busy_.store(false);
  }
}

void LogTap::settle(Nanos wait) {
  const auto until = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < until) {
    int queued = 0;
    if (read_fd_ < 0 || ::ioctl(read_fd_, FIONREAD, &queued) != 0 || (queued == 0 && !busy_.load())) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

std::string LogTap::recent() const {
  std::lock_guard lock(mu_);
  return recent_.size() > kRecentBytes ? recent_.substr(recent_.size() - kRecentBytes) : recent_;
}

void LogTap::finish() {
  if (finished_) return;
  finished_ = true;
  close_writer();
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  const uint64_t total = total_.load();
  if (limit_ > 0 && total > written_) {
    const std::string kept =
        tail_.size() > kTailBytes ? tail_.substr(tail_.size() - kTailBytes) : tail_;
    const std::string note = "\n[loadgate: the service wrote " + std::to_string(total) + " bytes; its log keeps the first " +
                             mebibytes(limit_) + " (the process's \"log_limit\") and the last " + mebibytes(kept.size()) +
                             ": " + std::to_string(total - written_ - kept.size()) + " bytes were cut here]\n";
    write_all(file_fd_, note.data(), note.size());
    write_all(file_fd_, kept.data(), kept.size());
  }
  ::close(read_fd_);
  ::close(file_fd_);
  read_fd_ = file_fd_ = -1;
}

}  // namespace loadgate::service
