// capacity_test.cc: cost tables, the Need said before a run, fitting, and the cost file.
#include "loadgate/capacity.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "loadgate/load.h"

namespace loadgate {
namespace {

struct CostRow {
  double rate;
  double generator;
  double service;
};

TEST(Capacity, CostsAreReadOffTheTable) {
  const std::vector<CostPoint> t = {{1000, 0.1, 0.05}, {10000, 0.5, 0.3}, {20000, 0.7, 0.5}};
  for (const CostRow& row : {
           CostRow{0, 0, 0},            // nothing asked, nothing needed
           CostRow{500, 0.05, 0.025},   // below the first point: from zero
           CostRow{1000, 0.1, 0.05},    // on a point
           CostRow{5500, 0.3, 0.175},   // between points: linear
           CostRow{30000, 0.9, 0.7},    // past the last: the last segment's slope
       }) {
    const CostPoint c = cost_at(t, row.rate);
    EXPECT_NEAR(c.generator_cores, row.generator, 1e-9) << row.rate;
    EXPECT_NEAR(c.service_cores, row.service, 1e-9) << row.rate;
  }
}

class CapacityFile : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "cost_test.json";
    std::remove(path_.c_str());
    setenv("LOADGATE_COST_FILE", path_.c_str(), 1);
  }
  void TearDown() override {
    unsetenv("LOADGATE_COST_FILE");
    std::remove(path_.c_str());
  }
  std::string path_;
};

TEST_F(CapacityFile, TheNeedIsSaidInOneLine) {
  const Need n = estimate_need("ws", 100000, true);
  EXPECT_EQ(n.cores, cores());
  EXPECT_NEAR(n.generator_cores, 1.05, 1e-9) << "the reference machine's table at 100,000 msg/s";
  EXPECT_NEAR(n.service_cores, 0.9, 1e-9);
  EXPECT_EQ(n.line(), "100,000 msg/s needs about 1.1 cores of generator and 0.90 of service; " + std::to_string(cores()) +
                          " cores here, shared with the service");
  EXPECT_EQ(n.fits(), 1.95 <= kFitShare * cores());
  const Need alone = estimate_need("http", 1000, false);
  EXPECT_EQ(alone.line(), "1,000 req/s needs about 0.05 cores of generator; " + std::to_string(cores()) + " cores here");
  EXPECT_TRUE(alone.fits());
}

TEST_F(CapacityFile, FittingScalesTheRateToTheShare) {
  for (double share : {0.25, 0.5}) {
    const double f = fit_factor("ws", 100000, true, share);
    ASSERT_GT(f, 0);
    ASSERT_LT(f, 1);
    const Need fitted = estimate_need("ws", 100000 * f, true);
    EXPECT_NEAR(fitted.generator_cores + fitted.service_cores, share * cores(), 1e-3) << share;
  }
  EXPECT_EQ(fit_factor("ws", 100, true, 0.25), 1) << "a load that fits runs as written";
}

TEST_F(CapacityFile, RunsTeachTheTable) {
  record_cost("ws", 20000, 0.8, 0.6, std::chrono::seconds(5));
  std::vector<CostPoint> t = cost_table("ws");
  auto at20k = [&t] {
    for (const CostPoint& p : t)
      if (p.rate == 20000) return p;
    return CostPoint{};
  };
  EXPECT_DOUBLE_EQ(at20k().generator_cores, 0.8) << "the measured point replaces the reference one";
  EXPECT_DOUBLE_EQ(at20k().service_cores, 0.6);
  record_cost("ws", 21000, 0.4, 0.2, std::chrono::seconds(5));
  t = cost_table("ws");
  const auto p = std::find_if(t.begin(), t.end(), [](const CostPoint& c) { return c.rate == 21000; });
  ASSERT_NE(p, t.end());
  EXPECT_DOUBLE_EQ(p->generator_cores, 0.6) << "a run near a point moves it halfway";
  EXPECT_DOUBLE_EQ(p->service_cores, 0.4);
  record_cost("ws", 50000, 0.1, 0, std::chrono::seconds(1));
  t = cost_table("ws");
  EXPECT_TRUE(std::none_of(t.begin(), t.end(), [](const CostPoint& c) { return c.generator_cores == 0.1; }))
      << "runs under 2 s teach nothing";
  std::ofstream(path_) << "not json";
  EXPECT_FALSE(cost_table("ws").empty()) << "a broken file falls back to the reference table";
}

TEST(Capacity, PeakRateOfASchedule) {
  EXPECT_DOUBLE_EQ(peak_rate(*constant_pacer(250), std::chrono::seconds(10)), 250);
  EXPECT_NEAR(peak_rate(*parse_rate("10..500", std::chrono::seconds(60)).pacer, std::chrono::seconds(60)), 500, 1e-6);
}

}  // namespace
}  // namespace loadgate
