// suite_integration_test.cc: a perf test end to end against the embedded API (a child
// process): one that passes, one that fails as it should on a deliberately slow endpoint.
#include <gtest/gtest-spi.h>

#include <fstream>
#include <sstream>

#include "loadgate/error.h"
#include "loadgate/gtest.h"

namespace loadgate {
namespace {

const AttackRun& run_of(const std::string& key) {
  static std::map<std::string, AttackRun>* runs = new std::map<std::string, AttackRun>();
  auto it = runs->find(key);
  if (it == runs->end()) {
    const Scenario& s = scenario(key);
    it = runs->emplace(key, attack(targets_file(s.targets), s)).first;
  }
  return it->second;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Suite, PassesAgainstTheEmbeddedApi) {
  const AttackRun& run = run_of("api.quick");
  PERF_EXPECT_BASELINE(run, "api.quick");
  EXPECT_EQ(run.metrics.summarize().requests, 40u);
  const std::string text = slurp(reports_dir() + "/api.quick.txt");
  EXPECT_NE(text.find("Verdict: PASS"), std::string::npos) << text;
  const std::string json = slurp(reports_dir() + "/api.quick.json");
  EXPECT_NE(json.find("\"pass\": true"), std::string::npos) << json;
}

TEST(Suite, FailsAsItShouldAgainstASlowEndpoint) {
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_BASELINE(run_of("api.slow"), "api.slow"),
                          "PERF_BASELINE(run_of(\"api.slow\"), \"api.slow\") failed: 1 of 4 checks\n");
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_BASELINE(run_of("api.slow"), "api.slow"),
                          "limit < 500.00ms  (" LOADGATE_TEST_DIR "/data/baselines/api.json: scenarios.slow.thresholds.p99)");
  const Summary s = run_of("api.slow").metrics.summarize();
  EXPECT_GE(s.latency.p99, 600'000'000);
  EXPECT_NE(slurp(reports_dir() + "/api.slow.txt").find("Verdict: FAIL"), std::string::npos);
}

TEST(Suite, DurationScaleShortensScenarios) {
  setenv("LOADGATE_DURATION_SCALE", "0.5", 1);
  const AttackOptions o = attack_options(scenario("api.quick"));
  unsetenv("LOADGATE_DURATION_SCALE");
  EXPECT_EQ(o.duration, std::chrono::seconds(1));
  setenv("LOADGATE_DURATION_SCALE", "0.01", 1);
  EXPECT_EQ(attack_options(scenario("api.quick")).duration, std::chrono::seconds(1)) << "floor of 1 s";
  setenv("LOADGATE_DURATION_SCALE", "fast", 1);
  EXPECT_THROW(attack_options(scenario("api.quick")), InputError);
  unsetenv("LOADGATE_DURATION_SCALE");
}

}  // namespace
}  // namespace loadgate

int main(int argc, char** argv) {
  setenv("LOADGATE_BASELINES_DIR", LOADGATE_TEST_DIR "/data/baselines", 1);
  setenv("LOADGATE_REPORTS_DIR", LOADGATE_BINARY_DIR "/reports-test", 1);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
