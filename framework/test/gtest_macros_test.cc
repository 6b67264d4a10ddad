// gtest_macros_test.cc: the failure text of every PERF_* macro, and its success.
#include <gtest/gtest-spi.h>

#include <fstream>

#include "loadgate/gtest.h"
#include "kit/results.h"

using namespace std::chrono_literals;

namespace loadgate {
namespace {

// 1000 synthetic results: p50 3.12 ms, p99 5.01 ms, success 90 %, 100 failures (see test_results.h).
const AttackRun& synthetic_run() {
  static const AttackRun* run = [] {
    auto* r = new AttackRun();
    for (const Result& x : testing::synthetic_results(1000)) r->metrics.add(x);
    return r;
  }();
  return *run;
}

// A run of nothing but refused connections: an unreachable service.
const AttackRun& unreachable_run() {
  static const AttackRun* run = [] {
    auto* r = new AttackRun();
    Result x;
    x.scheduled_ns = 1'000'000'000;
    x.latency_ns = 200'000;
    x.error_kind = ErrorKind::kConnect;
    x.error = intern("connect 127.0.0.1:1: Connection refused");
    for (int i = 0; i < 10; ++i, x.scheduled_ns += 100'000'000) r->metrics.add(x);
    return r;
  }();
  return *run;
}

const AttackRun& empty_run() {
  static const AttackRun run;
  return run;
}

const char* kContext =
    "context: 1000 requests at 100.12/s, success 90.00%, p50 3.12ms, p99 5.01ms, late 11, "
    "top error: 500 Internal Server Error (x80)";

TEST(PerfMacros, PassingChecksDoNotFail) {
  const AttackRun& run = synthetic_run();
  PERF_EXPECT_P50_LT(run, 4ms);
  PERF_EXPECT_P90_LT(run, 5ms);
  PERF_EXPECT_P95_LT(run, 5ms);
  PERF_EXPECT_P99_LT(run, 6ms);
  PERF_EXPECT_P999_LT(run, 6ms);
  PERF_EXPECT_MAX_LT(run, 6ms);
  PERF_EXPECT_SUCCESS_AT_LEAST(run, 0.9);
  PERF_EXPECT_THROUGHPUT_AT_LEAST(run, 90.0);
  PERF_EXPECT_ERRORS_AT_MOST(run, 100u);
  PERF_ASSERT_P99_LT(run, 6ms);
}

TEST(PerfMacros, LatencyFailureNamesMeasuredLimitAndContext) {
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_P99_LT(synthetic_run(), 4ms),
                          "PERF_EXPECT_P99_LT(synthetic_run(), 4ms) failed: 1 of 3 checks\n"
                          "FAIL  p99        measured 5.01ms  limit < 4.00ms\n");
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_P99_LT(synthetic_run(), 4ms), kContext);
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_P50_LT(synthetic_run(), 3ms), "FAIL  p50        measured 3.12ms  limit < 3.00ms");
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_P90_LT(synthetic_run(), 4ms), "FAIL  p90        measured 4.67ms  limit < 4.00ms");
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_P95_LT(synthetic_run(), 4ms), "FAIL  p95        measured 4.86ms  limit < 4.00ms");
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_P999_LT(synthetic_run(), 5ms),
                          "FAIL  p99.9      measured 5.05ms  limit < 5.00ms");
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_MAX_LT(synthetic_run(), 5ms), "FAIL  max        measured 5.05ms  limit < 5.00ms");
}

TEST(PerfMacros, AssertFormsAreFatal) {
  EXPECT_FATAL_FAILURE(PERF_ASSERT_P99_LT(synthetic_run(), 4ms), "PERF_ASSERT_P99_LT(synthetic_run(), 4ms) failed");
  EXPECT_FATAL_FAILURE(PERF_ASSERT_P50_LT(synthetic_run(), 1ms), "FAIL  p50");
  EXPECT_FATAL_FAILURE(PERF_ASSERT_SUCCESS_AT_LEAST(synthetic_run(), 0.95), "FAIL  success");
  EXPECT_FATAL_FAILURE(PERF_ASSERT_THROUGHPUT_AT_LEAST(synthetic_run(), 95.0), "FAIL  throughput");
  EXPECT_FATAL_FAILURE(PERF_ASSERT_ERRORS_AT_MOST(synthetic_run(), 5u), "FAIL  errors");
  EXPECT_FATAL_FAILURE(PERF_ASSERT_BASELINE(synthetic_run(), "demo.strict"),
                       "PERF_ASSERT_BASELINE(synthetic_run(), \"demo.strict\") failed");
}

TEST(PerfMacros, RatioAndCountFailures) {
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_SUCCESS_AT_LEAST(synthetic_run(), 0.95),
                          "FAIL  success    measured 90.00%  limit >= 95.00%\n");
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_THROUGHPUT_AT_LEAST(synthetic_run(), 95.0),
                          "FAIL  throughput  measured 90.07/s  limit >= 95.00/s\n");
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_ERRORS_AT_MOST(synthetic_run(), 5u),
                          "FAIL  errors     measured 100   limit <= 5\n");
}

// A newcomer's first hour (#31 item 4): a run that is not whole fails every single-figure
// macro, however good its figures, each naming what happened.
TEST(PerfMacros, ARunThatIsNotWholeFailsEveryMacro) {
  const auto fill = [](AttackRun& r) {
    for (const Result& x : testing::synthetic_results(1000)) r.metrics.add(x);
  };
  AttackRun interrupted, aborted, behind;
  ScenarioRun crashed;
  for (AttackRun* r : {&interrupted, &aborted, &behind, static_cast<AttackRun*>(&crashed)}) fill(*r);
  interrupted.interrupted = true;
  aborted.abort_reason = "error rate 60 % over the last 1000 results";
  GeneratorStats g;
  g.scheduled = 1000;
  g.late = 300;  // 30 % of the hits sent late by the generator itself
  behind.metrics.add_generator(g);
  ServiceStatus service;
  service.log = "reports/shop.heavy.service.log";
  service.failure = "service shop exited with signal 11 (SIGSEGV) 2.1 s into shop.heavy";
  service.last_lines = {"handling /checkout", "Segmentation fault"};
  crashed.service = service;
  Check dead;
  dead.name = "service";
  dead.measured = 1;
  dead.op = Check::Op::kAtMost;
  dead.unit = Unit::kCount;
  dead.source = service.failure;
  crashed.verdict.checks.push_back(dead);

  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_P99_LT(interrupted, 1s), "FAIL  interrupted");
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_THROUGHPUT_AT_LEAST(interrupted, 1.0), "FAIL  interrupted");
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_PERCENTILE_LT(aborted, 50, 1s), "FAIL  cut short");
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_ERRORS_AT_MOST(aborted, 1000u), "error rate 60 % over the last 1000 results");
  // A late generator is judged as in the baseline verdict: a failed figure names it; a figure
  // that passes with the generator's delay counted in it passes, the generator shown as "warn".
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_P99_LT(behind, 4ms), "FAIL  generator");
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_P99_LT(crashed, 1s), "FAIL  service");
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_THROUGHPUT_AT_LEAST(crashed, 1.0), "  | Segmentation fault");
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_SUCCESS_AT_LEAST(crashed, 0.5), "SIGSEGV");
  // The same figures of a whole run pass.
  PERF_EXPECT_P99_LT(synthetic_run(), 1s);
  PERF_EXPECT_THROUGHPUT_AT_LEAST(synthetic_run(), 1.0);
}

TEST(PerfMacros, UnreachableServiceFailsEvenWithoutThatThreshold) {
  // Every latency is tiny (refused at once): the latency check passes, the run does not.
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_P99_LT(unreachable_run(), 1s),
                          "FAIL  successes  measured 0         limit >= 1     (the service answered)");
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_P99_LT(unreachable_run(), 1s),
                          "top error: connect 127.0.0.1:1: Connection refused (x10)");
}

// The synthetic run's exact 97th percentile (ns).
Nanos synthetic_p97() { return Nanos(synthetic_run().metrics.group(Kind::kHttp)->total.latency.percentile(97)); }

TEST(PerfMacros, AnyPercentileIsCheckedExactly) {
  ASSERT_NE(synthetic_p97().count(), synthetic_run().metrics.summarize().latency.p95) << "p97 is not p95";
  PERF_EXPECT_PERCENTILE_LT(synthetic_run(), 97, synthetic_p97() + Nanos(1));
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_PERCENTILE_LT(synthetic_run(), 97, synthetic_p97()),
                          "PERF_EXPECT_PERCENTILE_LT(synthetic_run(), 97, synthetic_p97()) failed: 1 of 3 checks\n"
                          "FAIL  p97");
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_PERCENTILE_LT(synthetic_run(), 120, 1s), "the percentile must be in (0, 100]");
}

TEST(PerfMacros, EmptyRunFailsAsMeasuringNothing) {
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_P99_LT(empty_run(), 1s), "FAIL  requests   measured 0");
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_SUCCESS_AT_LEAST(empty_run(), 0.0), "(measured something)");
}

TEST(PerfMacros, BaselineChecksEveryThresholdWithItsSource) {
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_BASELINE(synthetic_run(), "demo.strict"),
                          "PERF_EXPECT_BASELINE(synthetic_run(), \"demo.strict\") failed: 2 of 6 checks\n");
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_BASELINE(synthetic_run(), "demo.strict"),
                          "FAIL  p99         measured 5.01ms   limit < 2.00ms    (" LOADGATE_TEST_DIR
                          "/data/baselines/demo.json: scenarios.strict.thresholds.p99)");
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_BASELINE(synthetic_run(), "demo.strict"),
                          "ok    p50         measured 3.12ms   limit < 10.00ms");
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_BASELINE(synthetic_run(), "demo.strict"),
                          "FAIL  success     measured 90.00%   limit >= 99.00%   (" LOADGATE_TEST_DIR
                          "/data/baselines/demo.json: scenarios.strict.thresholds.success)");
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_BASELINE(synthetic_run(), "demo.strict"), kContext);
  PERF_EXPECT_BASELINE(synthetic_run(), "demo.loose");
}

TEST(PerfMacros, BaselineRegressionAgainstReference) {
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_BASELINE(synthetic_run(), "demo.regressed"),
                          "FAIL  p99 regression         measured 5.01ms   limit <= 4.80ms");
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_BASELINE(synthetic_run(), "demo.regressed"),
                          "scenarios.regressed.reference.p99 4.00ms +20%, recorded 2026-11-01T00:00:00Z");
}

TEST(PerfMacros, BadBaselineKeyFailsWithTheFile) {
  EXPECT_NONFATAL_FAILURE(
      PERF_EXPECT_BASELINE(synthetic_run(), "demo.absent"),
      "bad baseline: " LOADGATE_TEST_DIR
      "/data/baselines/demo.json: scenarios.absent: no such scenario (known: loose, regressed, strict)");
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_BASELINE(synthetic_run(), "nofile.x"), "nofile.json: cannot read baseline file");
}

}  // namespace
}  // namespace loadgate

int main(int argc, char** argv) {
  setenv("LOADGATE_BASELINES_DIR", LOADGATE_TEST_DIR "/data/baselines", 1);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
