// checkout_perf.cc: a perf test of the API the shop depends on. By default it runs against
// loadgate's embedded API; LOADGATE_API_URL=http://staging:8080 points it at a deployment.
#include <loadgate/gtest.h>

using namespace std::chrono_literals;

TEST(Checkout, Smoke) {
  auto run = loadgate::attack(loadgate::targets_file("targets/api.txt"), loadgate::scenario("api.smoke"));
  PERF_EXPECT_BASELINE(run);
  PERF_EXPECT_P99_LT(run, 250ms);
}
