// gtest.h: PERF_EXPECT_* / PERF_ASSERT_* for GoogleTest. The only loadgate header that
// includes GoogleTest.
//
//   #include <loadgate/gtest.h>
//   using namespace std::chrono_literals;
//   TEST(Api, Heavy) {
//     auto run = loadgate::attack(loadgate::targets_file("targets/api.txt"), loadgate::scenario("api.heavy"));
//     PERF_ASSERT_BASELINE(run, "api.heavy");   // every threshold of baselines/api.json "heavy"
//     PERF_EXPECT_P99_LT(run, 500ms);
//   }
//
// Each macro is one predicate-formatter, as GoogleTest's own EXPECT_PRED_FORMAT: on failure
// the message carries the check, the measured value, the limit, where the limit came from,
// and one line of context (requests, rate, success, p50/p99, top error). Every measured figure
// is recorded with RecordProperty, so it reaches the XML/JSON output even when the test passes.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "loadgate/attack.h"
#include "loadgate/gate.h"
#include "loadgate/scenario.h"

namespace loadgate::gtest {

/// Latency percentile (0..100) of `run` below `limit` (corrected latency).
::testing::AssertionResult LatencyBelow(const char* run_text, const char* limit_text, const char* macro,
                                        const AttackRun& run, Nanos limit, double percentile);

/// Predicate-formatters, one per macro.
::testing::AssertionResult P50Below(const char*, const char*, const AttackRun&, Nanos);
::testing::AssertionResult P90Below(const char*, const char*, const AttackRun&, Nanos);
::testing::AssertionResult P95Below(const char*, const char*, const AttackRun&, Nanos);
::testing::AssertionResult P99Below(const char*, const char*, const AttackRun&, Nanos);
::testing::AssertionResult P999Below(const char*, const char*, const AttackRun&, Nanos);
::testing::AssertionResult MaxBelow(const char*, const char*, const AttackRun&, Nanos);
::testing::AssertionResult SuccessAtLeast(const char*, const char*, const AttackRun&, double ratio);
::testing::AssertionResult ThroughputAtLeast(const char*, const char*, const AttackRun&, double per_second);
::testing::AssertionResult ErrorsAtMost(const char*, const char*, const AttackRun&, uint64_t count);
::testing::AssertionResult MeetsBaseline(const char*, const char*, const AttackRun&, const std::string& key);
::testing::AssertionResult CapacityAtLeast(const char*, const char*, const Breakpoint&, double per_second);

/// Records the run's figures as test properties (perf.requests, perf.p99_ms, ...).
void record_figures(const AttackRun& run);

}  // namespace loadgate::gtest

// Latency percentiles (corrected, from the scheduled send) strictly below a duration.
#define PERF_EXPECT_P50_LT(run, limit) EXPECT_PRED_FORMAT2(::loadgate::gtest::P50Below, run, limit)
#define PERF_ASSERT_P50_LT(run, limit) ASSERT_PRED_FORMAT2(::loadgate::gtest::P50Below, run, limit)
#define PERF_EXPECT_P90_LT(run, limit) EXPECT_PRED_FORMAT2(::loadgate::gtest::P90Below, run, limit)
#define PERF_ASSERT_P90_LT(run, limit) ASSERT_PRED_FORMAT2(::loadgate::gtest::P90Below, run, limit)
#define PERF_EXPECT_P95_LT(run, limit) EXPECT_PRED_FORMAT2(::loadgate::gtest::P95Below, run, limit)
#define PERF_ASSERT_P95_LT(run, limit) ASSERT_PRED_FORMAT2(::loadgate::gtest::P95Below, run, limit)
#define PERF_EXPECT_P99_LT(run, limit) EXPECT_PRED_FORMAT2(::loadgate::gtest::P99Below, run, limit)
#define PERF_ASSERT_P99_LT(run, limit) ASSERT_PRED_FORMAT2(::loadgate::gtest::P99Below, run, limit)
#define PERF_EXPECT_P999_LT(run, limit) EXPECT_PRED_FORMAT2(::loadgate::gtest::P999Below, run, limit)
#define PERF_ASSERT_P999_LT(run, limit) ASSERT_PRED_FORMAT2(::loadgate::gtest::P999Below, run, limit)
#define PERF_EXPECT_MAX_LT(run, limit) EXPECT_PRED_FORMAT2(::loadgate::gtest::MaxBelow, run, limit)
#define PERF_ASSERT_MAX_LT(run, limit) ASSERT_PRED_FORMAT2(::loadgate::gtest::MaxBelow, run, limit)
// Success ratio (0..1) at least; throughput (successful requests per second) at least;
// failed results at most.
#define PERF_EXPECT_SUCCESS_AT_LEAST(run, ratio) EXPECT_PRED_FORMAT2(::loadgate::gtest::SuccessAtLeast, run, ratio)
#define PERF_ASSERT_SUCCESS_AT_LEAST(run, ratio) ASSERT_PRED_FORMAT2(::loadgate::gtest::SuccessAtLeast, run, ratio)
#define PERF_EXPECT_THROUGHPUT_AT_LEAST(run, rps) EXPECT_PRED_FORMAT2(::loadgate::gtest::ThroughputAtLeast, run, rps)
#define PERF_ASSERT_THROUGHPUT_AT_LEAST(run, rps) ASSERT_PRED_FORMAT2(::loadgate::gtest::ThroughputAtLeast, run, rps)
#define PERF_EXPECT_ERRORS_AT_MOST(run, count) EXPECT_PRED_FORMAT2(::loadgate::gtest::ErrorsAtMost, run, count)
#define PERF_ASSERT_ERRORS_AT_MOST(run, count) ASSERT_PRED_FORMAT2(::loadgate::gtest::ErrorsAtMost, run, count)
// The capacity a breakpoint search found (requests per second) at least.
#define PERF_EXPECT_CAPACITY_AT_LEAST(breakpoint, rate) \
  EXPECT_PRED_FORMAT2(::loadgate::gtest::CapacityAtLeast, breakpoint, rate)
#define PERF_ASSERT_CAPACITY_AT_LEAST(breakpoint, rate) \
  ASSERT_PRED_FORMAT2(::loadgate::gtest::CapacityAtLeast, breakpoint, rate)
// Every threshold (and reference regression) declared by a baseline scenario, "service.name".
#define PERF_EXPECT_BASELINE(run, key) EXPECT_PRED_FORMAT2(::loadgate::gtest::MeetsBaseline, run, key)
#define PERF_ASSERT_BASELINE(run, key) ASSERT_PRED_FORMAT2(::loadgate::gtest::MeetsBaseline, run, key)
