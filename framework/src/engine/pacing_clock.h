// pacing_clock.h (internal): the alarm an attacker thread paces its hits by: once at an instant,
// or every period from an instant.
//
// An Asio timer re-arms the reactor's timerfd twice per wake-up (when it is set, and after it
// fired); this clock re-arms once when it goes off once, and never while it runs periodically
// (the kernel re-arms it as it fires): a thread that wakes every tick pays for the wake-up and
// one read(2). Measured with ci/bench-http's runs, interleaved (nginx on CPU 0, the generator on
// CPU 1): with -precision=250us at 30,000 req/s the periodic alarm took 49, 60, 49 % of the
// core against 53, 83, 51 % for an alarm set per wake-up; at 10,000 req/s with -precision=1ms
// 16, 30, 20 % against 20, 31, 22 %. The wake-ups themselves, not the system calls that set
// them, are most of what pacing costs (the issue #25 notes).
#pragma once

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <cstdint>
#include <functional>

namespace loadgate::engine {

/// PacingClock calls its handler on its io_context's thread when the alarm goes off.
class PacingClock {
 public:
  /// `on_alarm` runs at each alarm. Throws std::system_error when the kernel has no timerfd.
  PacingClock(asio::io_context& io, std::function<void()> on_alarm);
  ~PacingClock();
  PacingClock(const PacingClock&) = delete;
  PacingClock& operator=(const PacingClock&) = delete;

  /// The alarm goes off at `at_ns` (steady clock, ns) and, when `period_ns` > 0, every
  /// `period_ns` after it, until set again or stopped. Alarms missed while the thread was busy
  /// collapse into one. Costs a system call only when it changes what is set: a periodic alarm
  /// asked for again at its own next alarm, with the same period, is left as it is.
  void set(int64_t at_ns, int64_t period_ns);
  /// No more alarms.
  void stop();
  /// The period of the alarm set (ns); 0 when it goes off once or is not set.
  int64_t period() const { return armed_ ? period_ : 0; }
  /// When the alarm goes off next, after `now_ns` (steady ns); INT64_MAX when none is set.
  int64_t next(int64_t now_ns) const;
  /// The timerfd: readable when an alarm went off (a thread may wait on it alone).
  int fd() const { return raw_fd_; }
  /// Alarm settings that cost a system call so far (tests check that a running periodic alarm costs none).
  uint64_t sets() const { return sets_; }

 private:
  void wait();
  asio::posix::stream_descriptor fd_;
  int raw_fd_;  // fd_'s (Asio 1.22's native_handle() is not const)
  std::function<void()> on_alarm_;
  int64_t at_ = 0;      // steady ns of the alarm set (the first, when periodic)
  int64_t period_ = 0;  // ns; 0 = once
  bool armed_ = false;  // an alarm is set and has not gone off (one-shot) or runs (periodic)
  bool waiting_ = false;  // an async_wait is pending on fd_
  uint64_t sets_ = 0;
};

}  // namespace loadgate::engine
