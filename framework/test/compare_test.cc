// compare_test.cc: figures of two runs, regressions by direction and tolerance, history files.
#include "loadgate/compare.h"

#include <gtest/gtest.h>

#include <fstream>

#include "loadgate/error.h"

namespace loadgate {
namespace {

Figures run(double p99_ms, double success, double throughput) {
  Figures f;
  f.name = "r";
  f.values = {{"p50", 1e6}, {"p99", p99_ms * 1e6}, {"success", success}, {"throughput", throughput}};
  return f;
}

TEST(Compare, LatencyUpAndThroughputDownRegress) {
  const auto d = compare(run(10, 1.0, 100), run(12, 0.98, 85), 0.1);
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].figure, "p50");
  EXPECT_FALSE(d[0].regression);
  EXPECT_EQ(d[1].figure, "p99");
  EXPECT_NEAR(d[1].change, 0.2, 1e-9);
  EXPECT_TRUE(d[1].regression);
  EXPECT_EQ(d[2].figure, "success");
  EXPECT_FALSE(d[2].regression);  // -2 % is within 10 %
  EXPECT_TRUE(d[3].regression);   // throughput -15 %
  EXPECT_EQ(compare_table(d),
            "figure      old       new      change  verdict\n"
            "p50         1.00ms    1.00ms   +0.0%   ok\n"
            "p99         10.00ms   12.00ms  +20.0%  REGRESSION (> +10%)\n"
            "success     100.00%   98.00%   -2.0%   ok\n"
            "throughput  100.00/s  85.00/s  -15.0%  REGRESSION (< -10%)\n");
}

TEST(Compare, ImprovementsAndPerFigureTolerance) {
  const auto d = compare(run(10, 0.9, 100), run(5, 0.99, 150), 0.0, {{"p99", 0.5}});
  for (const Delta& x : d) EXPECT_FALSE(x.regression) << x.figure;
  EXPECT_DOUBLE_EQ(d[1].tolerance, 0.5);
}

TEST(Compare, HistoryFileLastTwoRunsOfAScenario) {
  const std::string path = ::testing::TempDir() + "/lg_history.jsonl";
  {
    std::ofstream out(path);
    out << R"({"time":"t1","scenario":"api.heavy","figures":{"p99":1000000,"success":1}})"
        << "\n";
    out << R"({"time":"t2","scenario":"api.light","figures":{"p99":5000000,"success":1}})"
        << "\n";
    out << R"({"time":"t3","scenario":"api.heavy","figures":{"p99":2000000,"success":1}})"
        << "\n";
  }
  const auto runs = history_figures(path, "api.heavy");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[1].name, "api.heavy @ t3");
  EXPECT_TRUE(compare(runs[0], runs[1], 0.1)[0].regression);
  std::ofstream(path, std::ios::app) << "garbage\n";
  try {
    history_figures(path, "");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), path + ":4: figures: not a history entry");
  }
}

TEST(Compare, UnreadableRunNamesTheFile) {
  const std::string path = ::testing::TempDir() + "/lg_not_a_run.txt";
  std::ofstream(path) << "hello\n";
  EXPECT_THROW(load_figures(path), InputError);
  EXPECT_THROW(load_figures("/nonexistent/run.bin"), InputError);
}

}  // namespace
}  // namespace loadgate
