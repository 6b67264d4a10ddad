// suite_integration_test.cc: a perf test end to end against the embedded API (a child
// process): one that passes, one that fails as it should on a deliberately slow endpoint.
#include <gtest/gtest-spi.h>

#include <fstream>
#include <sstream>

#include "loadgate/error.h"
#include "loadgate/gtest.h"
#include "loadgate/report.h"
#include "kit/slurp.h"

namespace loadgate {
namespace {

using loadgate::testing::slurp;

const ScenarioRun& run_of(const std::string& key) {
  static std::map<std::string, ScenarioRun>* runs = new std::map<std::string, ScenarioRun>();
  auto it = runs->find(key);
  if (it == runs->end()) {
    const Scenario& s = scenario(key);
    it = runs->emplace(key, attack(targets_file(s.targets), s)).first;
  }
  return it->second;
}


TEST(Suite, PassesAgainstTheEmbeddedApi) {
  const ScenarioRun& run = run_of("api.quick");
  PERF_EXPECT_BASELINE(run);
  PERF_EXPECT_BASELINE(run, "api.quick");
  EXPECT_TRUE(run.verdict.pass());
  EXPECT_EQ(run.metrics.summarize().requests, 40u);
  const std::string text = slurp(reports_dir() + "/api.quick.txt");
  EXPECT_NE(text.find("Verdict: PASS"), std::string::npos) << text;
  const std::string json = slurp(reports_dir() + "/api.quick.json");
  EXPECT_NE(json.find("\"verdict\":{\"pass\":true"), std::string::npos) << json;
}

TEST(Suite, FailsAsItShouldAgainstASlowEndpoint) {
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_BASELINE(run_of("api.slow"), "api.slow"),
                          "PERF_EXPECT_BASELINE(run_of(\"api.slow\"), \"api.slow\") failed: 1 of 6 checks\n");
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_BASELINE(run_of("api.slow")),
                          "PERF_EXPECT_BASELINE(run_of(\"api.slow\")) failed: 1 of 6 checks\n");
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_BASELINE(run_of("api.slow"), "api.slow"),
                          "limit < 500.00ms  (" LOADGATE_TEST_DIR
                          "/data/baselines/api.json: scenarios.slow.thresholds.p99)");
  const Summary s = run_of("api.slow").metrics.summarize();
  EXPECT_GE(s.latency.p99, 600'000'000);
  EXPECT_NE(slurp(reports_dir() + "/api.slow.txt").find("Verdict: FAIL"), std::string::npos);
}

TEST(Suite, NamingAnotherScenarioThanTheRunsFails) {
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_BASELINE(run_of("api.quick"), "api.slow"),
                          "PERF_EXPECT_BASELINE(run_of(\"api.quick\"), \"api.slow\"): the run is of scenario "
                          "api.quick, not api.slow");
}

TEST(Suite, DurationScaleShortensScenarios) {
  setenv("LOADGATE_DURATION_SCALE", "0.5", 1);
  const AttackOptions o = attack_options(scenario("api.quick"));
  unsetenv("LOADGATE_DURATION_SCALE");
  EXPECT_EQ(o.load.duration, std::chrono::seconds(1));
  setenv("LOADGATE_DURATION_SCALE", "0.01", 1);
  EXPECT_EQ(attack_options(scenario("api.quick")).load.duration, std::chrono::seconds(1)) << "floor of 1 s";
  setenv("LOADGATE_DURATION_SCALE", "fast", 1);
  EXPECT_THROW(attack_options(scenario("api.quick")), InputError);
  unsetenv("LOADGATE_DURATION_SCALE");
}

}  // namespace
}  // namespace loadgate

namespace loadgate {
namespace {

TEST(Soak, FailsOnTheWindowWhereTheServiceDegrades) {
  const Verdict& v = run_of("api.window").verdict;
  ASSERT_GE(v.checks.size(), 2u);
  EXPECT_EQ(v.checks[0].name, "p95");
  EXPECT_TRUE(v.checks[0].pass) << "the whole run's p95 looks fine: " << v.table();
  // Windows are aligned to whole seconds, so a 10 s run spans 10 or 11 of them: the slow
  // 0.3 s lands in the last one or two, and the worst of them breaks.
  EXPECT_TRUE(v.checks[1].name == "p95 in window 9s..10s" || v.checks[1].name == "p95 in window 10s..11s") << v.table();
  EXPECT_FALSE(v.checks[1].pass);
  EXPECT_FALSE(v.pass());
}

TEST(Soak, SustainedBreachAbortsTheRun) {
  const AttackRun& run = run_of("api.collapse");
  EXPECT_TRUE(run.interrupted);
  EXPECT_LT(run.elapsed, std::chrono::seconds(10)) << "20 s planned, stopped after the collapse";
  EXPECT_EQ(run.abort_reason.rfind("aborted after 2 consecutive breached windows of 1s (last: p99 ", 0), 0u)
      << run.abort_reason;
  EXPECT_NE(slurp(reports_dir() + "/api.collapse.txt").find("aborted after 2 consecutive"), std::string::npos);
}

TEST(Breakpoint, FindsAKnownCapacityWithinTenPercent) {
  const Scenario& s = scenario("api.limited");
  const Breakpoint b = breakpoint(targets_file(s.targets), s);
  EXPECT_GE(b.capacity, 360) << breakpoint_text(b);
  EXPECT_LE(b.capacity, 440) << breakpoint_text(b);
  EXPECT_GT(b.broke_at, b.capacity);
  EXPECT_LE(b.broke_at, 1.1 * 400) << breakpoint_text(b);
  EXPECT_FALSE(b.why.empty());
  PERF_EXPECT_CAPACITY_AT_LEAST(b, 360.0);
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_CAPACITY_AT_LEAST(b, 1000.0),
                          "PERF_EXPECT_CAPACITY_AT_LEAST(b, 1000.0) failed: capacity");
  // Against its scenario: the capacity it expects (search.min_capacity), and nothing else.
  PERF_EXPECT_BASELINE(b, "api.limited");
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_BASELINE(b, "api.quick"), "api.quick is not a breakpoint scenario");
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_BASELINE(Breakpoint{}, "api.limited"), "failed: no rate held");
  // The one capacity verdict (the CLI's -min-capacity, a scenario's, the macros'): some rate held.
  EXPECT_TRUE(capacity_holds(b, 360.0));
  EXPECT_FALSE(capacity_holds(b, 1000.0));
  EXPECT_FALSE(capacity_holds(Breakpoint{}, 0.0)) << "nothing held is no capacity, whatever the minimum";
  EXPECT_NE(slurp(reports_dir() + "/api.limited.html").find("p99 by rate"), std::string::npos);
}

// A sharded search judges every shard's figures: without a directory to exchange them in, a
// shard would judge its half alone (twice the capacity), so it is an input error, said at once.
TEST(Breakpoint, AShardedSearchNeedsAnExchange) {
  setenv("LOADGATE_SHARD", "0/2", 1);
  setenv("LOADGATE_START_AT", "+5s", 1);
  const Scenario& s = scenario("api.limited");
  try {
    breakpoint(targets_file(s.targets), s);
    ADD_FAILURE() << "a sharded search without $LOADGATE_EXCHANGE ran";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("needs $LOADGATE_EXCHANGE"), std::string::npos) << e.what();
  }
  unsetenv("LOADGATE_SHARD");
  unsetenv("LOADGATE_START_AT");
}

}  // namespace
}  // namespace loadgate

int main(int argc, char** argv) {
  setenv("LOADGATE_BASELINES_DIR", LOADGATE_TEST_DIR "/data/baselines", 1);
  setenv("LOADGATE_REPORTS_DIR", LOADGATE_BINARY_DIR "/reports-test", 1);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
