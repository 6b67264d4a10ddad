// pacing_clock_test.cc: the pacing alarm against its own settings: never early, periodic without
// a system call per alarm, once means once, stopped means silent.
#include "engine/pacing_clock.h"

#include <gtest/gtest.h>

#include <asio/steady_timer.hpp>
#include <vector>

#include "loadgate/duration.h"

namespace loadgate::engine {
namespace {

constexpr int64_t kMs = 1'000'000;

// Runs `io` until it stops or `limit` passes (a guard against a clock that never goes off).
void run_for(asio::io_context& io, std::chrono::milliseconds limit) {
  asio::steady_timer guard(io, limit);
  guard.async_wait([&io](const asio::error_code& ec) {
    if (!ec) io.stop();
  });
  io.run();
}

TEST(PacingClock, PeriodicAlarmsAreNeverEarlyAndCostOneSetting) {
  asio::io_context io;
  std::vector<int64_t> alarms;
  PacingClock* self = nullptr;
  PacingClock clock(io, [&] {
    alarms.push_back(steady_now_ns());
    // Asked again for its own next alarm with the same period: left as it is.
    self->set(self->next(alarms.back()), kMs);
    if (alarms.size() == 5) io.stop();
  });
  self = &clock;
  const int64_t first = steady_now_ns() + 2 * kMs;
  clock.set(first, kMs);
  run_for(io, std::chrono::seconds(10));
  ASSERT_EQ(alarms.size(), 5u);
  // Missed alarms collapse into one, so alarm k comes no sooner than the k-th period.
  for (size_t k = 0; k < alarms.size(); ++k) EXPECT_GE(alarms[k], first + static_cast<int64_t>(k) * kMs) << k;
  EXPECT_EQ(clock.sets(), 1u) << "a running periodic alarm costs no system call to keep";
  EXPECT_EQ(clock.period(), kMs);
}

TEST(PacingClock, AnAlarmOnceGoesOffOnce) {
  asio::io_context io;
  int alarms = 0;
  int64_t at = 0;
  PacingClock clock(io, [&] {
    ++alarms;
    at = steady_now_ns();
  });
  const int64_t when = steady_now_ns() + 2 * kMs;
  clock.set(when, 0);
  run_for(io, std::chrono::milliseconds(50));
  EXPECT_EQ(alarms, 1);
  EXPECT_GE(at, when);
  EXPECT_EQ(clock.next(steady_now_ns()), INT64_MAX) << "nothing set after it went off";
}

TEST(PacingClock, AStoppedClockIsSilentAndCanBeSetAgain) {
  asio::io_context io;
  int alarms = 0;
  PacingClock clock(io, [&] { ++alarms; });
  clock.set(steady_now_ns() + 5 * kMs, kMs);
  clock.stop();
  run_for(io, std::chrono::milliseconds(30));
  EXPECT_EQ(alarms, 0);
  io.restart();
  clock.set(steady_now_ns() + kMs, 0);
  run_for(io, std::chrono::milliseconds(30));
  EXPECT_EQ(alarms, 1);
}

}  // namespace
}  // namespace loadgate::engine
