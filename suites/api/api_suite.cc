// api_suite.cc: the seed's API load tiers against the embedded API (or $LOADGATE_API_URL).
// Load and thresholds live in baselines/api.json; test names match its scenarios. Each tier is
// judged against its baseline, and against the seed's own line where it draws one.
#include <loadgate/gtest.h>

using namespace std::chrono_literals;

namespace {

loadgate::ScenarioRun run(const std::string& key) {
  return loadgate::attack(loadgate::targets_file("targets/api.txt"), loadgate::scenario(key));
}

TEST(Api, Light) { PERF_EXPECT_BASELINE(run("api.light")); }

TEST(Api, Medium) {
  auto r = run("api.medium");
  PERF_EXPECT_BASELINE(r);
  PERF_EXPECT_P99_LT(r, 1s);  // the seed's "acceptable" line, spelled out
}

TEST(Api, Heavy) {
  auto r = run("api.heavy");
  PERF_EXPECT_BASELINE(r);
  PERF_EXPECT_P99_LT(r, 500ms);  // the seed's target
}

TEST(Api, Stress) {
  auto r = run("api.stress");
  PERF_EXPECT_BASELINE(r);
  PERF_EXPECT_SUCCESS_AT_LEAST(r, 0.8);  // the seed's critical line
}

TEST(Api, Soak) { PERF_EXPECT_BASELINE(run("api.soak")); }

// The API's own access log (logs/api-access.log, made by logs/make-api-log.py) sent again with
// its recorded timing: bursts and quiet seconds as production had them, not a constant rate.
TEST(Api, Replay) { PERF_EXPECT_BASELINE(loadgate::replay(loadgate::scenario("api.replay"))); }

TEST(Api, Breakpoint) {
  const auto b = loadgate::breakpoint(loadgate::targets_file("targets/api.txt"), loadgate::scenario("api.breakpoint"));
  PERF_EXPECT_BASELINE(b, "api.breakpoint");
}

}  // namespace
