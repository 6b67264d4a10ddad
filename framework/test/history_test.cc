// history_test.cc: change points of a history file per scenario and figure, and the gate on
// the latest runs (history.h).
#include "loadgate/history.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "loadgate/error.h"

namespace loadgate {
namespace {

// Writes a history of `n` runs of `scenario` whose p99 is 2.6 ms times `factor(i)` times 5 %
// Gaussian noise, with a ±5 % interval each; returns the path.
std::string write_history(const std::string& name, int n, double (*factor)(int), uint64_t seed) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream out(path);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(1, 0.05);
  for (int i = 0; i < n; ++i) {
    const double p99 = 2.6e6 * factor(i) * noise(rng);
    out << "{\"time\":\"t" << i << "\",\"scenario\":\"api.heavy\",\"commit\":\"c" << i << "\",\"pass\":true,"
        << "\"figures\":{\"p99\":" << p99 << ",\"success\":1,\"throughput\":100},"
        << "\"intervals\":{\"p99\":[" << p99 * 0.95 << "," << p99 * 1.05 << "]}}\n";
  }
  return path;
}

TEST(History, ShiftFoundAtItsRunWithCommitAndSize) {
  const std::string path = write_history("shift.jsonl", 40, [](int i) { return i >= 25 ? 1.2 : 1.0; }, 7);
  const auto trends = read_trends(path, "", TrendOptions{{"p99"}, 0.05, {}});
  ASSERT_EQ(trends.size(), 1u);
  const Trend& t = trends[0];
  EXPECT_EQ(t.runs.size(), 40u);
  ASSERT_EQ(t.changes.size(), 1u) << trends_table(trends);
  EXPECT_NEAR(static_cast<double>(t.changes[0].index), 25, 1);
  EXPECT_NEAR(t.changes[0].change, 0.2, 0.06);
  EXPECT_TRUE(t.changes[0].regression);
  EXPECT_NE(trends_table(trends).find("commit c2"), std::string::npos) << trends_table(trends);
  // 15 runs ago: not new for a gate on the last 5, new for one on the last 20.
  EXPECT_TRUE(recent_regressions(trends, 5).empty());
  EXPECT_EQ(recent_regressions(trends, 20).size(), 1u);
}

TEST(History, FlatHistoriesHaveNoChangePoint) {
  int flagged = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const std::string path = write_history("flat.jsonl", 60, [](int) { return 1.0; }, seed);
    flagged += read_trends(path, "api.heavy", TrendOptions{{"p99"}, 0.05, {}})[0].changes.empty() ? 0 : 1;
  }
  EXPECT_LE(flagged, 1);  // alpha 1 %: at most one of 20 by chance
}

TEST(History, ImprovementThenRegressionOnlyTheLastCountsForTheGate) {
  const std::string path = write_history("both.jsonl", 45, [](int i) { return i < 15 ? 1.0 : i < 40 ? 0.8 : 1.0; }, 3);
  const auto trends = read_trends(path, "", TrendOptions{{"p99"}, 0.05, {}});
  ASSERT_EQ(trends[0].changes.size(), 2u) << trends_table(trends);
  EXPECT_TRUE(trends[0].changes[0].improvement);
  EXPECT_TRUE(trends[0].changes[1].regression);
  EXPECT_EQ(recent_regressions(trends, 5).size(), 1u);
}

TEST(History, TrendPageMarksTheChange) {
  const std::string path = write_history("page.jsonl", 30, [](int i) { return i >= 20 ? 1.3 : 1.0; }, 5);
  std::ostringstream page;
  write_trends_html(page, read_trends(path, "", TrendOptions{{"p99"}, 0.05, {}}), "History");
  EXPECT_NE(page.str().find("<svg"), std::string::npos);
  EXPECT_NE(page.str().find("95 % interval"), std::string::npos);
  EXPECT_NE(page.str().find("regression"), std::string::npos);
}

TEST(History, MalformedLineNamesFileAndLine) {
  const std::string path = ::testing::TempDir() + "bad.jsonl";
  std::ofstream(path) << "{\"scenario\":\"a\",\"figures\":{\"p99\":1}}\n{not json\n";
  try {
    read_trends(path, "", {});
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.jsonl:2"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace loadgate
