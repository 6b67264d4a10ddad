// breakpoint_test.cc: the capacity search against a model service of known capacity.
#include "loadgate/breakpoint.h"

#include <gtest/gtest.h>

#include "loadgate/error.h"
#include "loadgate/report.h"
#include "kit/results.h"

#include <memory>

namespace loadgate {
namespace {

// A service that answers in 2 ms up to `capacity` per second and queues beyond: latency grows
// with the excess over the step (the queue's length divided by the capacity).
StepRunner model(double capacity, std::vector<double>* asked = nullptr) {
  return [capacity, asked](const StepPlan& plan) {
    const double rate = plan.rate;
    const Nanos d = plan.duration;
    if (asked) asked->push_back(rate);
    Metrics m;
    const double secs = static_cast<double>(d.count()) / 1e9;
    const auto n = static_cast<int64_t>(rate * secs);
    for (int64_t i = 0; i < n; ++i) {
      Result r;
      r.status = 200;
      r.scheduled_ns = 1'000'000'000'000 + static_cast<int64_t>(static_cast<double>(i) / rate * 1e9);
      const double t = static_cast<double>(i) / rate;  // seconds into the step
      const double queue = std::max(0.0, (rate - capacity) * t);
      r.latency_ns = 2'000'000 + static_cast<int64_t>(queue / capacity * 1e9);
      m.add(r);
    }
    return m;
  };
}

Objective p99_below(Nanos limit) {
  Objective o;
  o.p99 = limit;
  return o;
}

SearchOptions quick(double start, double max_rate) {
  SearchOptions s;
  s.start = start;
  s.max_rate = max_rate;
  s.step = std::chrono::seconds(2);
  s.cooldown = std::chrono::nanoseconds(1);
  return s;
}

TEST(Breakpoint, RisesThenBisectsToTheCapacity) {
  std::vector<double> asked;
  const Breakpoint b =
      find_breakpoint(model(1000, &asked), p99_below(std::chrono::milliseconds(50)), quick(100, 100000));
  // 100, 200, 400, 800 hold; 1600 breaks far past the objective (trusted at once); bisection
  // narrows to within 5 %, re-measuring the narrow breaks near the capacity.
  ASSERT_GE(asked.size(), 6u);
  EXPECT_EQ((std::vector<double>(asked.begin(), asked.begin() + 5)), (std::vector<double>{100, 200, 400, 800, 1600}));
  EXPECT_GT(b.steps[4].excess, 2);
  EXPECT_FALSE(b.steps[5].retry);
  for (size_t i = 1; i < b.steps.size(); ++i)
    if (b.steps[i].retry) {
      EXPECT_EQ(b.steps[i].rate, b.steps[i - 1].rate) << "a retry measures the same rate again";
      EXPECT_LT(b.steps[i - 1].excess, 2) << "only narrow breaks are re-measured";
    }
  EXPECT_GE(b.capacity, 950);
  EXPECT_LE(b.capacity, 1050);
  EXPECT_LE(b.broke_at, b.capacity * 1.05 + 1e-9);
  EXPECT_EQ(b.why.rfind("p99 ", 0), 0u) << b.why;
  EXPECT_FALSE(b.reached_max);
  EXPECT_EQ(b.steps.size(), asked.size());
}

TEST(Breakpoint, EveryRateIsReMeasuredOnceAtMost) {
  std::vector<double> asked;
  find_breakpoint(model(1000, &asked), p99_below(std::chrono::milliseconds(50)), quick(100, 100000));
  for (size_t i = 2; i < asked.size(); ++i)
    EXPECT_FALSE(asked[i] == asked[i - 1] && asked[i] == asked[i - 2]) << "rate " << asked[i] << " three times";
}

// The model, except that the step numbered `noisy` (0-based) breaks whatever its rate: one
// spike on a busy machine.
StepRunner noisy_model(double capacity, size_t noisy, std::vector<double>* asked) {
  auto inner = model(capacity);
  auto calls = std::make_shared<size_t>(0);
  return [inner, noisy, calls, asked](const StepPlan& plan) {
    asked->push_back(plan.rate);
    Metrics m = inner(plan);
    if ((*calls)++ == noisy) {
      const Result slow = testing::Hit().at(1'000'000'000'000).took(70'000'000);
      for (int i = 0; i < 100; ++i) m.add(slow);  // a p99 just past the 50 ms objective
    }
    return m;
  };
}

TEST(Breakpoint, OneNoisyBreakIsNotTrusted) {
  std::vector<double> asked;
  const Breakpoint b =
      find_breakpoint(noisy_model(1000, 1, &asked), p99_below(std::chrono::milliseconds(50)), quick(100, 100000));
  // 200 breaks once (the spike), holds when re-measured: the search goes on up.
  ASSERT_GE(asked.size(), 4u);
  EXPECT_EQ((std::vector<double>(asked.begin(), asked.begin() + 4)), (std::vector<double>{100, 200, 200, 400}));
  EXPECT_FALSE(b.steps[1].held);
  EXPECT_TRUE(b.steps[2].retry);
  EXPECT_TRUE(b.steps[2].held);
  EXPECT_GE(b.capacity, 950);
  EXPECT_LE(b.capacity, 1050);
  EXPECT_NE(breakpoint_text(b).find("held (re-measured: the break did not repeat)"), std::string::npos)
      << breakpoint_text(b);
  SearchOptions trusting = quick(100, 100000);
  trusting.confirm = false;
  std::vector<double> asked2;
  const Breakpoint b2 = find_breakpoint(noisy_model(1000, 1, &asked2), p99_below(std::chrono::milliseconds(50)), trusting);
  EXPECT_LT(b2.capacity, 200) << "without confirmation one spike decides the capacity";
}

TEST(Breakpoint, BoundedByTheMaximumRate) {
  std::vector<double> asked;
  const Breakpoint b = find_breakpoint(model(1e9, &asked), p99_below(std::chrono::milliseconds(50)), quick(100, 1000));
  EXPECT_TRUE(b.reached_max);
  EXPECT_DOUBLE_EQ(b.capacity, 1000);
  EXPECT_DOUBLE_EQ(asked.back(), 1000) << "the last rising step is the maximum itself";
  for (double r : asked) EXPECT_LE(r, 1000);
}

TEST(Breakpoint, BoundedByTheMaximumTime) {
  SearchOptions s = quick(100, 1e9);
  s.max_time = std::chrono::nanoseconds(1);  // no step fits
  const Breakpoint b = find_breakpoint(model(1000), p99_below(std::chrono::milliseconds(50)), s);
  EXPECT_TRUE(b.timed_out);
  EXPECT_TRUE(b.steps.empty());
  EXPECT_EQ(b.capacity, 0);
}

// Shards search on a plan (SearchOptions::settle): each step is asked for at a planned time,
// the search never sleeps, and the maximum time is judged on the plan, so that every shard
// takes the same steps whatever its clock says.
TEST(Breakpoint, PlannedStepsStartAtTheirPlannedTimes) {
  using std::chrono::seconds;
  SearchOptions s = quick(100, 1e9);
  s.settle = seconds(1);
  s.cooldown = seconds(60);  // a sleep this long would time the test out
  s.max_time = seconds(600);
  std::vector<StepPlan> plans;
  const StepRunner inner = model(1000);
  const StepRunner recorded = [&](const StepPlan& p) {
    plans.push_back(p);
    return inner(p);
  };
  const Breakpoint b = find_breakpoint(recorded, p99_below(std::chrono::milliseconds(50)), s);
  ASSERT_GE(plans.size(), 6u);
  // 100, 200, 400, 800 hold: 3 s apart (2 s step + 1 s settle); 1600 breaks, so the next
  // step comes a cooldown later.
  for (int k = 0; k < 5; ++k) {
    EXPECT_EQ(plans[k].index, k);
    EXPECT_EQ(plans[k].at, seconds(3 * k)) << "step " << k;
    EXPECT_EQ(plans[k].duration, seconds(2));
  }
  EXPECT_FALSE(b.steps[4].held);
  EXPECT_EQ(plans[5].at, seconds(15 + 60));
  EXPECT_GT(b.capacity, 900);

  s.max_time = seconds(10);  // steps at 0, 3 and 6 s end by 8 s; one at 9 s would end at 11
  plans.clear();
  const Breakpoint cut = find_breakpoint(recorded, p99_below(std::chrono::milliseconds(50)), s);
  EXPECT_EQ(plans.size(), 3u);
  EXPECT_TRUE(cut.timed_out);
}

TEST(Breakpoint, NothingHolds) {
  const Breakpoint b = find_breakpoint(model(1), p99_below(std::chrono::milliseconds(50)), quick(100, 1000));
  EXPECT_EQ(b.capacity, 0);
  EXPECT_GT(b.broke_at, 0);
}

TEST(Breakpoint, StepsAreJudgedOnSuccessLatencyAndKeepingUp) {
  Metrics m;
  Result r;
  r.scheduled_ns = 1'000'000'000;
  r.latency_ns = 1'000'000;
  r.status = 200;
  for (int i = 0; i < 90; ++i, r.scheduled_ns += 10'000'000) m.add(r);
  r.status = 500;
  r.error_kind = ErrorKind::kStatus;
  for (int i = 0; i < 10; ++i, r.scheduled_ns += 10'000'000) m.add(r);
  Objective o;
  o.success = 0.95;
  EXPECT_EQ(judge_step(100, m, o).why, "success 90.00% < 95.00%");
  o.success = 0.9;
  EXPECT_TRUE(judge_step(100, m, o).held);
  // 100 requests sent over 0.99 s (first to last send): 101/s, half of what was asked.
  EXPECT_EQ(judge_step(200, m, o).why, "sent 101.0/s of 200.0/s (0 dropped)");
}

TEST(Breakpoint, BadOptionsAreErrors) {
  SearchOptions s = quick(0, 10);
  EXPECT_THROW(find_breakpoint(model(10), {}, s), InputError);
  s = quick(10, 5);
  EXPECT_THROW(find_breakpoint(model(10), {}, s), InputError);
  s = quick(10, 100);
  s.growth = 1;
  EXPECT_THROW(find_breakpoint(model(10), {}, s), InputError);
}

}  // namespace
}  // namespace loadgate
