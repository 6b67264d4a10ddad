// pacing_clock.cc: a timerfd on the thread's reactor.
#include "engine/pacing_clock.h"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace loadgate::engine {
namespace {

int open_timerfd() {
  const int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "timerfd_create");
  return fd;
}

timespec to_timespec(int64_t ns) { return timespec{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)}; }

}  // namespace

PacingClock::PacingClock(asio::io_context& io, std::function<void()> on_alarm)
    : fd_(io, open_timerfd()), raw_fd_(fd_.native_handle()), on_alarm_(std::move(on_alarm)) {}

PacingClock::~PacingClock() {
  asio::error_code ignored;
  fd_.close(ignored);
}

void PacingClock::set(int64_t at_ns, int64_t period_ns) {
  if (armed_ && period_ns > 0 && period_ == period_ns && at_ns >= at_ && (at_ns - at_) % period_ns == 0) return;
  // steady_clock is CLOCK_MONOTONIC on Linux: its nanoseconds are the timer's.
  itimerspec spec{};
  spec.it_value = to_timespec(at_ns > 0 ? at_ns : 1);
  spec.it_interval = to_timespec(period_ns);
  timerfd_settime(fd_.native_handle(), TFD_TIMER_ABSTIME, &spec, nullptr);
  ++sets_;
  at_ = at_ns;
  period_ = period_ns;
  armed_ = true;
  if (!waiting_) wait();
}

void PacingClock::stop() {
  if (!armed_) return;
  itimerspec off{};
  timerfd_settime(fd_.native_handle(), 0, &off, nullptr);
  ++sets_;
  armed_ = false;
}

int64_t PacingClock::next(int64_t now_ns) const {
  if (!armed_) return INT64_MAX;
  if (now_ns < at_ || period_ == 0) return at_;
  return at_ + ((now_ns - at_) / period_ + 1) * period_;
}

void PacingClock::wait() {
  waiting_ = true;
  fd_.async_wait(asio::posix::stream_descriptor::wait_read, [this](const asio::error_code& ec) {
    waiting_ = false;
    if (ec) return;  // closed
    uint64_t expirations = 0;
    const ssize_t n = ::read(fd_.native_handle(), &expirations, sizeof expirations);
    if (n != static_cast<ssize_t>(sizeof expirations)) {  // spurious: nothing expired yet
      if (armed_) wait();
      return;
    }
    if (period_ == 0) armed_ = false;
    if (armed_) wait();  // before the handler: it may set the alarm again (set() waits only once)
    on_alarm_();
  });
}

}  // namespace loadgate::engine
