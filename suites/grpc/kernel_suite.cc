// kernel_suite.cc: the seed's gRPC kernel scenarios against the embedded kernel service (or
// $LOADGATE_KERNEL_URL / $LOADGATE_GRPC_ADDR). Load and thresholds: baselines/kernel.json.
#include <loadgate/gtest.h>

using namespace std::chrono_literals;

namespace {

loadgate::ScenarioRun run(const std::string& key) {
  return loadgate::attack(loadgate::GrpcOptions{}, loadgate::scenario(key));
}

TEST(Kernel, Seed) {
  auto r = run("kernel.seed");
  PERF_EXPECT_BASELINE(r);
  EXPECT_EQ(r.metrics.summarize().requests, 1000u);  // -requests 1000 -workers 10
}

TEST(Kernel, Light) {
  auto r = run("kernel.light");
  PERF_EXPECT_BASELINE(r);
}

TEST(Kernel, Heavy) {
  auto r = run("kernel.heavy");
  PERF_EXPECT_BASELINE(r);
  PERF_EXPECT_P99_LT(r, 100ms);  // the seed's line
}

TEST(Kernel, Stress) {
  auto r = run("kernel.stress");
  PERF_EXPECT_BASELINE(r);
}

}  // namespace

namespace {

TEST(Kernel, Breakpoint) {
  const loadgate::Scenario& s = loadgate::scenario("kernel.breakpoint");
  const loadgate::Breakpoint b = loadgate::breakpoint(loadgate::GrpcOptions{}, s);
  PERF_EXPECT_CAPACITY_AT_LEAST(b, s.search->min_capacity);
}

}  // namespace
