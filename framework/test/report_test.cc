// report_test.cc: golden files for every report type, and figures against hand computation.
#include "loadgate/report.h"

#include <gtest/gtest.h>

#include <sstream>

#include "kit/golden.h"
#include "loadgate/error.h"
#include "kit/results.h"

namespace loadgate {
namespace {

Metrics synthetic_metrics() {
  Metrics m;
  for (const Result& r : testing::synthetic_results(1000)) m.add(r);
  return m;
}

TEST(Report, TextGolden) {
  std::ostringstream out;
  write_text_report(out, synthetic_metrics());
  testing::expect_golden("report.txt", out.str());
}

// A newcomer's first hour (#31 item 10): a plain report says what was asked, beside what was
// measured (the results header's plan), in text and HTML.
TEST(Report, APlainReportSaysThePlan) {
  AttackInfo info;
  info.name = "items";
  info.rate = "50/1s";
  info.duration_ns = 10'000'000'000;
  ReportOptions o;
  o.info = &info;
  std::ostringstream text, html;
  write_text_report(text, synthetic_metrics(), o);
  write_html_report(html, synthetic_metrics(), o);
  EXPECT_EQ(text.str().rfind("Plan          attack items: rate=50/1s duration=10s\n", 0), 0u) << text.str();
  EXPECT_NE(html.str().find("plan: attack items: rate=50/1s duration=10s"), std::string::npos);
  info.plan = "rate=2500/1s duration=10s requests=0 workers=10 shards=4";
  EXPECT_EQ(plan_text(info), "attack items: rate=2500/1s duration=10s requests=0 workers=10 shards=4");
}

TEST(Report, JsonGolden) {
  std::ostringstream out;
  write_json_report(out, synthetic_metrics());
  testing::expect_golden("report.json", out.str());
}

TEST(Report, HistGolden) {
  HistBuckets h("hist[0,1ms,2ms,3ms,4ms]");
  for (const Result& r : testing::synthetic_results(1000)) h.add(r);
  std::ostringstream out;
  h.write(out);
  testing::expect_golden("hist.txt", out.str());
}

TEST(Report, HdrplotGolden) {
  std::ostringstream out;
  write_hdrplot_report(out, synthetic_metrics());
  testing::expect_golden("hdrplot.txt", out.str());
}

TEST(Report, FiguresFollowVegetaDefinitions) {
  const Summary s = synthetic_metrics().summarize();
  // 1000 hits 10 ms apart. i % 10 == 9 fails (100 hits); of those, i % 50 == 49 (20 hits)
  // fail to connect (status 0) and the other 80 get a 500.
  EXPECT_EQ(s.requests, 1000u);
  EXPECT_EQ(s.success, 900u);
  EXPECT_DOUBLE_EQ(s.success_ratio, 0.9);
  EXPECT_NEAR(s.rate, 1000 / 9.99, 0.2);
  EXPECT_DOUBLE_EQ(s.throughput, 900.0 / static_cast<double>((s.duration + s.wait).count()) * 1e9);
  EXPECT_EQ(s.late, 11u);  // i % 97 == 0 for i < 1000, sent 2 ms late
  EXPECT_EQ(s.status_codes.at("200"), 900u);
  EXPECT_EQ(s.status_codes.at("500"), 80u);
  EXPECT_EQ(s.status_codes.at("0"), 20u);
  ASSERT_EQ(s.errors.size(), 2u);
  EXPECT_EQ(s.errors[0], "500 Internal Server Error");
}

TEST(Report, BadHistSpecNamesTheProblem) {
  EXPECT_THROW(HistBuckets("hist[0,abc]"), InputError);
  EXPECT_THROW(HistBuckets("hist[5ms,1ms]"), InputError);
  EXPECT_THROW(HistBuckets("hist"), InputError);
  try {
    HistBuckets("hist[0,abc]");
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "-type: bad buckets: hist[0,abc] (\"abc\" is not a duration)");
  }
}

TEST(Report, RoundingMatchesVegeta) {
  EXPECT_EQ(round_for_report(Nanos(1'257'449)), Nanos(1'257'000));
  EXPECT_EQ(round_for_report(Nanos(375'411'600)), Nanos(375'412'000));
  EXPECT_EQ(round_for_report(Nanos(59'951'234'567)), Nanos(59'951'000'000));
  EXPECT_EQ(round_for_report(Nanos(999)), Nanos(999));
}

}  // namespace
}  // namespace loadgate

namespace loadgate {
namespace {

TEST(Report, ByTargetGolden) {
  std::ostringstream text, json;
  const Metrics m = synthetic_metrics();
  write_text_report(text, m, ReportOptions{true});
  testing::expect_golden("report_by_target.txt", text.str());
  write_json_report(json, m, ReportOptions{true});
  testing::expect_golden("report_by_target.json", json.str());
}

}  // namespace
}  // namespace loadgate
