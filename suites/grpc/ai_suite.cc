// ai_suite.cc: the seed's AI-service scenarios against the embedded AI service (or
// $LOADGATE_AI_URL / $LOADGATE_GRPC_ADDR). Load and thresholds: baselines/ai.json.
#include <loadgate/gtest.h>

using namespace std::chrono_literals;

namespace {

loadgate::ScenarioRun run(const std::string& key) {
  return loadgate::attack(loadgate::GrpcOptions{}, loadgate::scenario(key));
}

TEST(Ai, Light) { PERF_EXPECT_BASELINE(run("ai.light")); }

TEST(Ai, Heavy) {
  auto r = run("ai.heavy");
  PERF_EXPECT_BASELINE(r);
  PERF_EXPECT_P99_LT(r, 2s);  // the seed's line: LLM latency
}

TEST(Ai, Stress) {
  auto r = run("ai.stress");
  PERF_EXPECT_BASELINE(r);
  PERF_EXPECT_SUCCESS_AT_LEAST(r, 0.8);  // the seed's critical line, applied to the AI service
}

TEST(Ai, Stream) {
  auto r = run("ai.stream");
  PERF_EXPECT_BASELINE(r);  // time to first token and whole answer
  EXPECT_EQ(r.metrics.primary(), loadgate::Kind::kGrpcStream);
}

TEST(Ai, Breakpoint) {
  const auto b = loadgate::breakpoint(loadgate::GrpcOptions{}, loadgate::scenario("ai.breakpoint"));
  PERF_EXPECT_BASELINE(b, "ai.breakpoint");
}

}  // namespace
