// calibration_test.cc: tolerances and trial counts from A/A trials of known spread.
#include "loadgate/calibration.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "loadgate/error.h"

namespace loadgate {
namespace {

// `n` trials whose p99 is 2 ms x a log-normal factor of spread `sigma`; p50 exact.
std::vector<Summary> trials(int n, double sigma, uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0, sigma);
  std::vector<Summary> out;
  for (int i = 0; i < n; ++i) {
    Summary s;
    s.latency.p50 = 1'000'000;
    s.latency.p99 = static_cast<int64_t>(2e6 * std::exp(z(rng)));
    out.push_back(s);
  }
  return out;
}

TEST(Calibration, SpreadAndToleranceFollowTheNoise) {
  struct Row {
    double sigma;
    int trials;  // a side, chosen for a 10 % tolerance
  };
  // tolerance(k) = z(1 - 0.05 / 2) x 1.023 x sigma x sqrt(2 / k) <= 10 %, z = 1.96 (two figures):
  // k >= 2 x (20.05 sigma)^2.
  for (const Row& row : {Row{0.02, 3}, Row{0.08, 6}, Row{0.12, 12}}) {
    CalibrationOptions o;
    o.figures = {"p50", "p99"};
    const Calibration c = calibrate(trials(400, row.sigma), o);
    ASSERT_EQ(c.figures.size(), 2u);
    EXPECT_EQ(c.figures[0].spread, 0);                       // p50 exact
    EXPECT_DOUBLE_EQ(c.figures[0].tolerance, 0.01);          // the floor
    EXPECT_NEAR(c.figures[1].spread, row.sigma, row.sigma * 0.12) << row.sigma;
    EXPECT_NEAR(c.trials, row.trials, 1) << row.sigma;
    EXPECT_TRUE(c.reached);
    EXPECT_LE(c.figures[1].tolerance, 0.10);
  }
}

TEST(Calibration, NoisyRunnerNeedsMoreThanAllowed) {
  CalibrationOptions o;
  o.figures = {"p99"};
  o.max_trials = 10;
  const Calibration c = calibrate(trials(50, 0.4), o);
  EXPECT_FALSE(c.reached);
  EXPECT_EQ(c.trials, 10);
  EXPECT_GT(c.figures[0].tolerance, 0.2);
  EXPECT_NE(calibration_table(c).find("were not reached"), std::string::npos);
}

TEST(Calibration, OneWildTrialDoesNotInflateTheSpread) {
  std::vector<Summary> t = trials(20, 0.03);
  t[7].latency.p99 *= 5;  // a stall of the machine
  CalibrationOptions o;
  o.figures = {"p99"};
  EXPECT_LT(calibrate(t, o).figures[0].spread, 0.06);
}

TEST(Calibration, FewerThanThreeTrialsIsAnInputError) {
  EXPECT_THROW(calibrate(trials(2, 0.05)), InputError);
}

}  // namespace
}  // namespace loadgate
