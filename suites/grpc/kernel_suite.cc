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

TEST(Kernel, Light) { PERF_EXPECT_BASELINE(run("kernel.light")); }

TEST(Kernel, Heavy) {
  auto r = run("kernel.heavy");
  PERF_EXPECT_BASELINE(r);
  PERF_EXPECT_P99_LT(r, 100ms);  // the seed's line
}

TEST(Kernel, Stress) { PERF_EXPECT_BASELINE(run("kernel.stress")); }

TEST(Kernel, Breakpoint) {
  const auto b = loadgate::breakpoint(loadgate::GrpcOptions{}, loadgate::scenario("kernel.breakpoint"));
  PERF_EXPECT_BASELINE(b, "kernel.breakpoint");
}

}  // namespace
