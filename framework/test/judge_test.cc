// judge_test.cc: outcomes of comparisons decided with statistics (judge.h), case by case.
#include "loadgate/judge.h"

#include <gtest/gtest.h>

#include "loadgate/error.h"

namespace loadgate {
namespace {

// A side of trials whose p99 (ms) and throughput (/s) are given, p50 fixed at 1 ms.
Side trials(const std::vector<double>& p99_ms, double throughput = 100) {
  Side s;
  s.name = "side";
  for (double v : p99_ms) s.trials.push_back(Figures{"t", {{"p50", 1e6}, {"p99", v * 1e6}, {"throughput", throughput}}});
  return s;
}

// Ten values around `center`, ±2 % in a fixed pattern (the noise between trials).
std::vector<double> around(double center) {
  std::vector<double> out;
  for (int i = 0; i < 10; ++i) out.push_back(center * (1 + 0.004 * ((i * 7) % 11 - 5)));
  return out;
}

struct Case {
  const char* name;
  Side old_side, new_side;
  Outcome p99;
};

TEST(Judge, OutcomesOverTrials) {
  const std::vector<Case> cases = {
      {"+15 % on every trial", trials(around(2.6)), trials(around(2.6 * 1.15)), Outcome::kRegression},
      {"-15 % on every trial", trials(around(2.6)), trials(around(2.6 / 1.15)), Outcome::kImprovement},
      {"the same trials", trials(around(2.6)), trials(around(2.6)), Outcome::kNoChange},
      {"+3 %: significant, within tolerance", trials(around(2.6)), trials(around(2.6 * 1.03)), Outcome::kNoChange},
      {"three trials of wide spread", trials({2.0, 2.6, 3.2}), trials({2.2, 2.9, 3.5}), Outcome::kInconclusive},
  };
  for (const Case& c : cases) {
    const std::vector<Judgement> js = judge(c.old_side, c.new_side, JudgeOptions{0.1, {}, 0.05, {"p99"}});
    ASSERT_EQ(js.size(), 1u) << c.name;
    EXPECT_EQ(outcome_name(js[0].outcome), std::string(outcome_name(c.p99))) << c.name << ": " << js[0].evidence();
  }
}

TEST(Judge, EvidenceSaysChangeIntervalPAndTolerance) {
  const std::vector<Judgement> js = judge(trials(around(2.6)), trials(around(2.6 * 1.15)), JudgeOptions{0.1, {}, 0.05, {"p99"}});
  ASSERT_EQ(js.size(), 1u);
  const Judgement& j = js[0];
  EXPECT_NEAR(j.change, 0.15, 0.01);
  EXPECT_TRUE(j.interval_known);
  EXPECT_LT(j.change_low, 0.15);
  EXPECT_GT(j.change_high, 0.15);
  EXPECT_LT(j.p, 0.001);  // ten trials a side, no overlap: exact p = 2 / C(20, 10)
  EXPECT_EQ(j.method, "Mann-Whitney U, 10 and 10 trials");
  EXPECT_EQ(j.evidence().substr(0, 9), "p99 +15.0");
  EXPECT_NE(j.evidence().find("p = 1.1e-05, tolerance 10 %"), std::string::npos) << j.evidence();
}

TEST(Judge, DirectionFollowsTheFigure) {
  // Throughput down 20 % is a regression; latency down is not.
  const Side a = trials(around(2.6), 100), b = trials(around(2.0), 80);
  std::vector<double> tp_old, tp_new;
  Side a2 = a, b2 = b;
  for (size_t i = 0; i < a2.trials.size(); ++i) {
    a2.trials[i].values["throughput"] = 100 * (1 + 0.001 * static_cast<double>(i));
    b2.trials[i].values["throughput"] = 80 * (1 + 0.001 * static_cast<double>(i));
  }
  const auto js = judge(a2, b2, JudgeOptions{0.1, {}, 0.05, {"p99", "throughput"}});
  ASSERT_EQ(js.size(), 2u);
  EXPECT_EQ(js[0].outcome, Outcome::kImprovement);
  EXPECT_EQ(js[1].outcome, Outcome::kRegression);
  EXPECT_EQ(overall(js), Outcome::kRegression);
}

TEST(Judge, OneRunASideUsesTheirIntervals) {
  auto one = [](double p99_ms, double half_width) {
    Side s = trials({p99_ms});
    s.intervals["p99"] = Interval{p99_ms * 1e6, (p99_ms - half_width) * 1e6, (p99_ms + half_width) * 1e6, true};
    return s;
  };
  const JudgeOptions o{0.1, {}, 0.05, {"p99"}};
  EXPECT_EQ(judge(one(2.6, 0.05), one(3.0, 0.05), o)[0].outcome, Outcome::kRegression);
  EXPECT_EQ(judge(one(2.6, 0.05), one(2.61, 0.05), o)[0].outcome, Outcome::kNoChange);
  EXPECT_EQ(judge(one(2.6, 0.8), one(3.0, 0.8), o)[0].outcome, Outcome::kInconclusive);
  // No interval at all: nothing to bound the noise with.
  EXPECT_EQ(judge(trials({2.6}), trials({3.0}), o)[0].outcome, Outcome::kInconclusive);
}

TEST(Judge, OverallPrecedence) {
  auto with = [](std::vector<Outcome> os) {
    std::vector<Judgement> js;
    for (Outcome o : os) js.push_back(Judgement{"p99", 0, 0, 0, 0, 0, false, 1, 0.1, o, ""});
    return overall(js);
  };
  EXPECT_EQ(with({Outcome::kNoChange, Outcome::kInconclusive, Outcome::kRegression}), Outcome::kRegression);
  EXPECT_EQ(with({Outcome::kImprovement, Outcome::kInconclusive}), Outcome::kInconclusive);
  EXPECT_EQ(with({Outcome::kImprovement, Outcome::kNoChange}), Outcome::kImprovement);
  EXPECT_EQ(with({Outcome::kNoChange}), Outcome::kNoChange);
  EXPECT_EQ(with({}), Outcome::kInconclusive);
}

TEST(Judge, UnknownFigureIsAnInputError) {
  EXPECT_THROW(judge(trials({1, 2}), trials({1, 2}), JudgeOptions{0.1, {}, 0.05, {"p98"}}), InputError);
}

}  // namespace
}  // namespace loadgate
