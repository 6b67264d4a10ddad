// gtest.h (gtest layer): PERF_EXPECT_* / PERF_ASSERT_* for GoogleTest. The only loadgate header that
// includes GoogleTest.
//
//   #include <loadgate/gtest.h>
//   using namespace std::chrono_literals;
//   TEST(Api, Heavy) {
//     auto run = loadgate::attack(loadgate::targets_file("targets/api.txt"), loadgate::scenario("api.heavy"));
//     PERF_ASSERT_BASELINE(run);              // every threshold of baselines/api.json "heavy"
//     PERF_EXPECT_P99_LT(run, 500ms);
//   }
//
// Each macro is one predicate-formatter, as GoogleTest's own EXPECT_PRED_FORMAT: on failure
// the message carries the macro, the check, the measured value, the limit, where the limit
// came from, and one line of context (requests, rate, success, p50/p99, top error). Every
// measured figure is recorded with RecordProperty, so it reaches the XML/JSON output even when
// the test passes.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "loadgate/attack.h"
#include "loadgate/gate.h"
#include "loadgate/scenario.h"

namespace loadgate::gtest {

/// The run a single-figure macro judges: an AttackRun, or a ScenarioRun with its service.
/// Whatever the figure, the run itself must be whole: a service that ended during it, a run cut
/// short (a signal, an abort) or a generator that fell behind fails every macro, each named.
struct RunOf {
  RunOf(const AttackRun& r) : run(r) {}  // NOLINT: implicit, as the macros take either
  RunOf(const ScenarioRun& r) : run(r), scenario_run(&r) {}  // NOLINT
  const AttackRun& run;                     ///< the figures
  const ScenarioRun* scenario_run = nullptr;  ///< its service and scenario, when it has them
};

/// Latency percentile `percentile` (0..100, 100 = max) of a run strictly below a limit
/// (corrected latency): PERF_*_P50_LT ... PERF_*_MAX_LT.
struct LatencyBelow {
  const char* macro;  ///< the macro's name, for the failure text
  double percentile;  ///< 0..100
  ::testing::AssertionResult operator()(const char* run_text, const char* limit_text, const RunOf& run,
                                        Nanos limit) const;
};

/// Any latency percentile below a limit: PERF_*_PERCENTILE_LT(run, 97.5, 10ms).
struct PercentileBelow {
  const char* macro;  ///< the macro's name, for the failure text
  ::testing::AssertionResult operator()(const char* run_text, const char* percentile_text, const char* limit_text,
                                        const RunOf& run, double percentile, Nanos limit) const;
};

/// Success ratio (0..1) at least.
struct SuccessAtLeast {
  const char* macro;  ///< the macro's name, for the failure text
  ::testing::AssertionResult operator()(const char* run_text, const char* ratio_text, const RunOf& run,
                                        double ratio) const;
};

/// Successful requests per second at least.
struct ThroughputAtLeast {
  const char* macro;  ///< the macro's name, for the failure text
  ::testing::AssertionResult operator()(const char* run_text, const char* rate_text, const RunOf& run,
                                        double per_second) const;
};

/// Failed results at most.
struct ErrorsAtMost {
  const char* macro;  ///< the macro's name, for the failure text
  ::testing::AssertionResult operator()(const char* run_text, const char* count_text, const RunOf& run,
                                        uint64_t count) const;
};

/// The capacity a breakpoint search found (per second) at least.
struct CapacityAtLeast {
  const char* macro;  ///< the macro's name, for the failure text
  ::testing::AssertionResult operator()(const char* b_text, const char* rate_text, const Breakpoint& b,
                                        double per_second) const;
};

/// Every threshold (and reference regression) of a baseline scenario.
struct MeetsBaseline {
  const char* macro;  ///< the macro's name, for the failure text
  /// The run's own scenario and verdict (from loadgate::attack(..., scenario(...))).
  ::testing::AssertionResult operator()(const char* run_text, const ScenarioRun& run) const;
  /// The same, and `key` must be the run's scenario ("api.heavy"): a mismatch fails.
  ::testing::AssertionResult operator()(const char* run_text, const char* key_text, const ScenarioRun& run,
                                        const std::string& key) const;
  /// A run made without a scenario, judged against the scenario `key`.
  ::testing::AssertionResult operator()(const char* run_text, const char* key_text, const AttackRun& run,
                                        const std::string& key) const;
  /// A capacity search against its breakpoint scenario `key`: capacity_holds() with the
  /// scenario's search.min_capacity.
  ::testing::AssertionResult operator()(const char* b_text, const char* key_text, const Breakpoint& b,
                                        const std::string& key) const;
};

/// No regression against the scenario's reference (reference_checks(): with statistics over
/// the run's trials or intervals when the reference has them). Fails, naming the evidence, on a
/// regression, and when the scenario has no reference to compare with.
struct NoRegression {
  const char* macro;  ///< the macro's name, for the failure text
  ::testing::AssertionResult operator()(const char* run_text, const ScenarioRun& run) const;
};

/// Records the run's figures as test properties (perf.requests, perf.p99_ms, ...).
void record_figures(const AttackRun& run);

}  // namespace loadgate::gtest

// Latency percentiles (corrected, from the scheduled send) strictly below a duration.
#define LOADGATE_LATENCY_(kind, name, p, run, limit) \
  kind##_PRED_FORMAT2((::loadgate::gtest::LatencyBelow{"PERF_" #kind "_" name "_LT", p}), run, limit)
#define PERF_EXPECT_P50_LT(run, limit) LOADGATE_LATENCY_(EXPECT, "P50", 50, run, limit)
#define PERF_ASSERT_P50_LT(run, limit) LOADGATE_LATENCY_(ASSERT, "P50", 50, run, limit)
#define PERF_EXPECT_P90_LT(run, limit) LOADGATE_LATENCY_(EXPECT, "P90", 90, run, limit)
#define PERF_ASSERT_P90_LT(run, limit) LOADGATE_LATENCY_(ASSERT, "P90", 90, run, limit)
#define PERF_EXPECT_P95_LT(run, limit) LOADGATE_LATENCY_(EXPECT, "P95", 95, run, limit)
#define PERF_ASSERT_P95_LT(run, limit) LOADGATE_LATENCY_(ASSERT, "P95", 95, run, limit)
#define PERF_EXPECT_P99_LT(run, limit) LOADGATE_LATENCY_(EXPECT, "P99", 99, run, limit)
#define PERF_ASSERT_P99_LT(run, limit) LOADGATE_LATENCY_(ASSERT, "P99", 99, run, limit)
#define PERF_EXPECT_P999_LT(run, limit) LOADGATE_LATENCY_(EXPECT, "P999", 99.9, run, limit)
#define PERF_ASSERT_P999_LT(run, limit) LOADGATE_LATENCY_(ASSERT, "P999", 99.9, run, limit)
#define PERF_EXPECT_MAX_LT(run, limit) LOADGATE_LATENCY_(EXPECT, "MAX", 100, run, limit)
#define PERF_ASSERT_MAX_LT(run, limit) LOADGATE_LATENCY_(ASSERT, "MAX", 100, run, limit)
// Any percentile (0..100) strictly below a duration: PERF_EXPECT_PERCENTILE_LT(run, 97.5, 20ms).
#define PERF_EXPECT_PERCENTILE_LT(run, percentile, limit) \
  EXPECT_PRED_FORMAT3((::loadgate::gtest::PercentileBelow{"PERF_EXPECT_PERCENTILE_LT"}), run, percentile, limit)
#define PERF_ASSERT_PERCENTILE_LT(run, percentile, limit) \
  ASSERT_PRED_FORMAT3((::loadgate::gtest::PercentileBelow{"PERF_ASSERT_PERCENTILE_LT"}), run, percentile, limit)
// Success ratio (0..1) at least; throughput (successful requests per second) at least;
// failed results at most.
#define PERF_EXPECT_SUCCESS_AT_LEAST(run, ratio) \
  EXPECT_PRED_FORMAT2((::loadgate::gtest::SuccessAtLeast{"PERF_EXPECT_SUCCESS_AT_LEAST"}), run, ratio)
#define PERF_ASSERT_SUCCESS_AT_LEAST(run, ratio) \
  ASSERT_PRED_FORMAT2((::loadgate::gtest::SuccessAtLeast{"PERF_ASSERT_SUCCESS_AT_LEAST"}), run, ratio)
#define PERF_EXPECT_THROUGHPUT_AT_LEAST(run, rps) \
  EXPECT_PRED_FORMAT2((::loadgate::gtest::ThroughputAtLeast{"PERF_EXPECT_THROUGHPUT_AT_LEAST"}), run, rps)
#define PERF_ASSERT_THROUGHPUT_AT_LEAST(run, rps) \
  ASSERT_PRED_FORMAT2((::loadgate::gtest::ThroughputAtLeast{"PERF_ASSERT_THROUGHPUT_AT_LEAST"}), run, rps)
#define PERF_EXPECT_ERRORS_AT_MOST(run, count) \
  EXPECT_PRED_FORMAT2((::loadgate::gtest::ErrorsAtMost{"PERF_EXPECT_ERRORS_AT_MOST"}), run, count)
#define PERF_ASSERT_ERRORS_AT_MOST(run, count) \
  ASSERT_PRED_FORMAT2((::loadgate::gtest::ErrorsAtMost{"PERF_ASSERT_ERRORS_AT_MOST"}), run, count)
// The capacity a breakpoint search found (requests per second) at least.
#define PERF_EXPECT_CAPACITY_AT_LEAST(breakpoint, rate) \
  EXPECT_PRED_FORMAT2((::loadgate::gtest::CapacityAtLeast{"PERF_EXPECT_CAPACITY_AT_LEAST"}), breakpoint, rate)
#define PERF_ASSERT_CAPACITY_AT_LEAST(breakpoint, rate) \
  ASSERT_PRED_FORMAT2((::loadgate::gtest::CapacityAtLeast{"PERF_ASSERT_CAPACITY_AT_LEAST"}), breakpoint, rate)
// No regression against the scenario's reference, decided with statistics:
// PERF_EXPECT_NO_REGRESSION(run) fails with "p99 +14.8 % [+9.1 %, +20.3 %], p = 0.002, tolerance 10 %".
#define PERF_EXPECT_NO_REGRESSION(run) \
  EXPECT_PRED_FORMAT1((::loadgate::gtest::NoRegression{"PERF_EXPECT_NO_REGRESSION"}), run)
#define PERF_ASSERT_NO_REGRESSION(run) \
  ASSERT_PRED_FORMAT1((::loadgate::gtest::NoRegression{"PERF_ASSERT_NO_REGRESSION"}), run)
// Every threshold (and reference regression) of the run's baseline scenario:
// PERF_EXPECT_BASELINE(run), or PERF_EXPECT_BASELINE(run, "api.heavy") to name it (it must be
// the run's own scenario; a run made without one is judged against it).
#define LOADGATE_PICK_2_(a, b, name, ...) name
#define LOADGATE_BASELINE_1_(kind, run) \
  kind##_PRED_FORMAT1((::loadgate::gtest::MeetsBaseline{"PERF_" #kind "_BASELINE"}), run)
#define LOADGATE_BASELINE_2_(kind, run, key) \
  kind##_PRED_FORMAT2((::loadgate::gtest::MeetsBaseline{"PERF_" #kind "_BASELINE"}), run, key)
#define LOADGATE_EXPECT_BASELINE_1_(run) LOADGATE_BASELINE_1_(EXPECT, run)
#define LOADGATE_EXPECT_BASELINE_2_(run, key) LOADGATE_BASELINE_2_(EXPECT, run, key)
#define LOADGATE_ASSERT_BASELINE_1_(run) LOADGATE_BASELINE_1_(ASSERT, run)
#define LOADGATE_ASSERT_BASELINE_2_(run, key) LOADGATE_BASELINE_2_(ASSERT, run, key)
#define PERF_EXPECT_BASELINE(...) \
  LOADGATE_PICK_2_(__VA_ARGS__, LOADGATE_EXPECT_BASELINE_2_, LOADGATE_EXPECT_BASELINE_1_, )(__VA_ARGS__)
#define PERF_ASSERT_BASELINE(...) \
  LOADGATE_PICK_2_(__VA_ARGS__, LOADGATE_ASSERT_BASELINE_2_, LOADGATE_ASSERT_BASELINE_1_, )(__VA_ARGS__)
