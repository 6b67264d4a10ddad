// shop_perf.cc: perf tests of the shop's own server, beside its unit tests. CMake starts
// shop_server for each run (loadgate_add_perf_test(... SERVICE shop_server ...)) on a free port,
// waits for GET /health, loads it, gates it against baselines/shop.json and stops it.
#include <loadgate/gtest.h>

using namespace std::chrono_literals;

TEST(Shop, Light) {
  auto run = loadgate::attack(loadgate::targets_file("targets/shop.txt"), loadgate::scenario("shop.light"));
  PERF_EXPECT_BASELINE(run);
  PERF_EXPECT_P99_LT(run, 100ms);
}

TEST(Shop, Heavy) {
  auto run = loadgate::attack(loadgate::targets_file("targets/shop.txt"), loadgate::scenario("shop.heavy"));
  PERF_EXPECT_BASELINE(run);
}
