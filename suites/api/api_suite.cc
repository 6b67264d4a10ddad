// api_suite.cc: the seed's API load tiers against the embedded API (or $LOADGATE_API_URL).
// Load and thresholds live in baselines/api.json; test names match its scenarios.
#include <loadgate/gtest.h>

using namespace std::chrono_literals;

namespace {

loadgate::ScenarioRun run_tier(const std::string& key) {
  return loadgate::attack(loadgate::targets_file("targets/api.txt"), loadgate::scenario(key));
}

TEST(Api, Light) {
  auto run = run_tier("api.light");
  PERF_EXPECT_BASELINE(run);
}

TEST(Api, Medium) {
  auto run = run_tier("api.medium");
  PERF_EXPECT_BASELINE(run);
  PERF_EXPECT_P99_LT(run, 1s);  // the seed's "acceptable" line, spelled out
}

TEST(Api, Heavy) {
  auto run = run_tier("api.heavy");
  PERF_EXPECT_BASELINE(run);
  PERF_EXPECT_P99_LT(run, 500ms);  // the seed's target
}

TEST(Api, Stress) {
  auto run = run_tier("api.stress");
  PERF_EXPECT_BASELINE(run);
  PERF_EXPECT_SUCCESS_AT_LEAST(run, 0.8);  // the seed's critical line
}

TEST(Api, Soak) {
  auto run = run_tier("api.soak");
  PERF_EXPECT_BASELINE(run);
}

}  // namespace

namespace {

TEST(Api, Breakpoint) {
  const loadgate::Scenario& s = loadgate::scenario("api.breakpoint");
  const loadgate::Breakpoint b = loadgate::breakpoint(loadgate::targets_file("targets/api.txt"), s);
  PERF_EXPECT_CAPACITY_AT_LEAST(b, s.search->min_capacity);
}

}  // namespace
