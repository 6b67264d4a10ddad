// html_report_test.cc: the HTML report and plot in a real browser (headless Chromium), and
// their size for an hour of results.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

#include "loadgate/gate.h"
#include "loadgate/report.h"
#include "kit/subprocess.h"
#include "kit/results.h"

namespace loadgate {
namespace {

// Opens `path` in headless Chromium and returns the <body ...> tag after the page's script ran.
std::string rendered_body(const std::string& path, const std::string& screenshot = "") {
  const std::string flags =
      "--headless --no-sandbox --disable-gpu --disable-background-networking "
      "--disable-component-update --disable-sync --no-first-run --user-data-dir=" +
      ::testing::TempDir() + "/lg_chromium";
  if (!screenshot.empty())
    testing::output_of("chromium " + flags + " --window-size=1100,2600 --screenshot=" + screenshot + " file://" + path +
        " 2>/dev/null");
  const std::string dom = testing::output_of("chromium " + flags + " --dump-dom file://" + path + " 2>/dev/null");
  std::smatch m;
  std::regex body("<body[^>]*>");
  return std::regex_search(dom, m, body) ? m.str() : "";
}

std::string attr(const std::string& tag, const std::string& name) {
  std::smatch m;
  std::regex re(name + "=\"([^\"]*)\"");
  return std::regex_search(tag, m, re) ? m[1].str() : "";
}

Metrics synthetic_with_samples() {
  Metrics m;
  for (const Result& r : testing::synthetic_results(3000)) m.add(r);
  for (int i = 0; i < 30; ++i) {
    Sample s;
    s.time_ns = 1'700'000'000'000'000'000 + int64_t{i} * 1'000'000'000;
    s.role = i % 2 ? "sut" : "generator";
    s.pid = i % 2 ? 200 : 100;
    s.cpu_percent = 10 + i;
    s.rss_bytes = (20 + static_cast<uint64_t>(i)) << 20;
    s.threads = 4;
    s.fds = 12;
    m.add_sample(s);
  }
  return m;
}

// The HTML report of `m` with its verdict `v`, written to `name` in the test's temp dir: its path.
std::string write_judged_report(const Metrics& m, const Verdict& v, const std::string& title, const std::string& name) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream out(path);
  ReportOptions o;
  o.title = title;
  o.verdict = &v;
  write_html_report(out, m, o);
  return path;
}

TEST(HtmlReport, RendersEveryChartInChromiumWithoutScriptErrors) {
  const Metrics m = synthetic_with_samples();
  Thresholds t;
  t.latency["p99"] = std::chrono::milliseconds(4);
  const Verdict v = evaluate(m, t, "b.json: scenarios.x.thresholds");
  const std::string path = write_judged_report(m, v, "synthetic", "lg_report.html");
  const std::string body = rendered_body(path, ::testing::TempDir() + "/lg_report.png");
  ASSERT_FALSE(body.empty()) << "chromium did not render " << path;
  EXPECT_EQ(attr(body, "data-js-error"), "");
  EXPECT_EQ(attr(body, "data-charts"), "5");  // percentiles, latency, throughput, CPU, memory
  EXPECT_EQ(attr(body, "data-charts-drawn"), "5");
  std::stringstream html;
  html << std::ifstream(path).rdbuf();
  EXPECT_NE(html.str().find("<span class=\"fail\">FAIL</span>"), std::string::npos);
  EXPECT_NE(html.str().find("GET http://127.0.0.1:8000/health"), std::string::npos) << "per-target table";
  EXPECT_EQ(html.str().find("http://cdn"), std::string::npos);
  EXPECT_EQ(html.str().find("<script src"), std::string::npos) << "self-contained";
}

// A newcomer's first hour (#31 item 1): the failing row of the gate verdict is the one line a
// user opens the report for; it was red text on a red bar. In Chromium, every verdict row's
// text must stand out from its own background: WCAG contrast at least 4.5 (the probe script,
// appended to a copy of the page, writes the lowest contrast it finds on <body>).
TEST(HtmlReport, TheFailingVerdictRowIsReadable) {
  Metrics m;
  for (const Result& r : testing::synthetic_results(1000)) m.add(r);
  Thresholds t;
  t.latency["p99"] = std::chrono::nanoseconds(1);  // p99 < 1ns: fails
  t.latency["p50"] = std::chrono::seconds(1);      // passes
  const Verdict v = evaluate(m, t, "b.json: scenarios.x.thresholds");
  ASSERT_FALSE(v.pass());
  const std::string path = write_judged_report(m, v, "failing", "lg_failing.html");
  std::stringstream page;
  page << std::ifstream(path).rdbuf();
  const std::string probe = R"(<script>
(function () {
  function rgb(s) { var m = s.match(/[\d.]+/g).map(Number); return {r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1}; }
  function lum(c) {
    var f = function (v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  }
  function background(el) {
    for (; el; el = el.parentElement) { var c = rgb(getComputedStyle(el).backgroundColor); if (c.a > 0) return c; }
    return {r: 255, g: 255, b: 255, a: 1};
  }
  var lowest = 99, rows = 0;
  document.querySelectorAll('tr.fail td, tr.warn td, tr td').forEach(function (td) {
    var a = lum(rgb(getComputedStyle(td).color)), b = lum(background(td));
    var ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (td.parentElement.classList.contains('fail')) rows++;
    lowest = Math.min(lowest, ratio);
  });
  document.body.setAttribute('data-fail-cells', rows);
  document.body.setAttribute('data-min-contrast', lowest.toFixed(2));
})();
</script>)";
  std::string probed = page.str();
  probed.insert(probed.rfind("</body>"), probe);
  const std::string probed_path = ::testing::TempDir() + "/lg_failing_probed.html";
  std::ofstream(probed_path) << probed;
  const std::string body = rendered_body(probed_path, ::testing::TempDir() + "/lg_failing.png");
  ASSERT_FALSE(body.empty()) << "chromium did not render " << probed_path;
  EXPECT_EQ(attr(body, "data-fail-cells"), "4") << "the failing row's four cells";
  const double contrast = std::atof(attr(body, "data-min-contrast").c_str());
  EXPECT_GE(contrast, 4.5) << "the lowest contrast of a table cell's text against its background";
  std::printf("lowest contrast of a table cell: %.2f (screenshot: %s)\n", contrast,
              (::testing::TempDir() + "/lg_failing.png").c_str());
}

// The <polyline> of the series named `name` in `html`: its stroke, whether it is dashed, and its
// points' y pixels.
struct Line {
  std::string stroke;
  bool dashed = false;
  std::vector<double> ys;
};
Line line_named(const std::string& html, const std::string& name) {
  Line l;
  const size_t at = html.find("data-name=\"" + name + "\"");
  if (at == std::string::npos) return l;
  const std::string tag = html.substr(at, html.find("/>", at) - at);
  l.stroke = attr(tag, "stroke");
  l.dashed = tag.find("stroke-dasharray") != std::string::npos;
  std::istringstream pts(attr(tag, "points"));
  std::string xy;
  while (pts >> xy) l.ys.push_back(std::stod(xy.substr(xy.find(',') + 1)));
  return l;
}

std::string html_of(const Metrics& m) {
  std::ostringstream out;
  write_html_report(out, m, ReportOptions{});
  return out.str();
}

// What the newcomer's issue (#31, item 10) found unreadable or misleading in the charts, each
// a row: the report says it now, from the HTML as written.
TEST(HtmlReport, ChartsSayWhatTheyShow) {
  // 100 req/s for 3.5 s starting 0.25 s into a second: the first and the last one-second
  // windows are partial.
  Metrics m;
  const int64_t t0 = 1'700'000'000'250'000'000;
  for (int i = 0; i < 350; ++i) m.add(testing::Hit().at(t0 + int64_t{i} * 10'000'000).took(2'000'000 + i % 50 * 10'000));
  const std::string html = html_of(m);

  const Line p99 = line_named(html, "p99 (windows of 100+)"), max = line_named(html, "max");
  ASSERT_FALSE(p99.stroke.empty());
  ASSERT_FALSE(max.stroke.empty());
  EXPECT_NE(p99.stroke, max.stroke) << "p99 and max in colours of their own";
  EXPECT_TRUE(max.dashed && !p99.dashed) << "and max dashed, so that they part where they overlap";

  const Line ok = line_named(html, "successes/s");
  ASSERT_GE(ok.ys.size(), 4u);
  const auto [lo, hi] = std::minmax_element(ok.ys.begin(), ok.ys.end());
  EXPECT_LT(*hi - *lo, 2.0) << "a constant rate is a flat line: partial first and last windows draw no ramp";

  EXPECT_NE(html.find("coordinated omission"), std::string::npos) << "corrected against uncorrected, explained";
  EXPECT_NE(html.find("max-width:1400px"), std::string::npos) << "the page uses a wide window";
}

TEST(HtmlReport, ThePercentileAxisGoesAsFarAsTheData) {
  // 3,000 values reach 99.9 %, 200,000 reach 99.999 %: each axis labels its own last decade.
  for (const auto& [n, label] : std::vector<std::pair<int, std::string>>{{3000, ">99.9%<"}, {200000, ">99.999%<"}}) {
    Metrics m;
    for (int i = 0; i < n; ++i) m.add(testing::Hit().at(int64_t{i} * 1'000'000).took(1'000'000 + i % 1000 * 1000));
    const std::string html = html_of(m);
    EXPECT_NE(html.find(label), std::string::npos) << n << " values: no " << label << " tick";
  }
}

TEST(HtmlReport, PlotOfSeveralRunsRendersEverySeries) {
  Metrics a, b;
  for (const Result& r : testing::synthetic_results(2000)) a.add(r);
  for (const Result& r : testing::synthetic_results(1000, 1'700'000'100'000'000'000)) b.add(r);
  const std::string path = ::testing::TempDir() + "/lg_plot.html";
  {
    std::ofstream out(path);
    write_html_plot(out, {{"before", &a}, {"after", &b}}, "two runs");
  }
  const std::string body = rendered_body(path, ::testing::TempDir() + "/lg_plot.png");
  EXPECT_EQ(attr(body, "data-js-error"), "");
  EXPECT_EQ(attr(body, "data-charts"), "3");
  EXPECT_EQ(attr(body, "data-charts-drawn"), "3");
  std::stringstream html;
  html << std::ifstream(path).rdbuf();
  EXPECT_NE(html.str().find("data-name=\"after p99\""), std::string::npos);
}

TEST(HtmlReport, AnEmptyChartIsCaught) {
  // The browser check must be able to fail: a run without results draws no line.
  Metrics empty;
  const std::string path = ::testing::TempDir() + "/lg_empty.html";
  {
    std::ofstream out(path);
    write_html_plot(out, {{"nothing", &empty}}, "empty");
  }
  const std::string body = rendered_body(path);
  EXPECT_EQ(attr(body, "data-charts"), "3");
  EXPECT_EQ(attr(body, "data-charts-drawn"), "0");
}

TEST(HtmlReport, AnHourOfResultsMakesASmallPlot) {
  // One hour at 200 req/s (720,000 results): windows widen instead of growing the page.
  Metrics m;
  Result r;
  r.status = 200;
  r.target = intern("GET http://h/x");
  for (int64_t i = 0; i < 720'000; ++i) {
    r.scheduled_ns = 1'700'000'000'000'000'000 + i * 5'000'000;
    r.latency_ns = 1'000'000 + (i * 7919 % 5000) * 1000;
    m.add(r);
  }
  std::ostringstream plot, report;
  write_html_plot(plot, {{"hour", &m}}, "an hour");
  write_html_report(report, m);
  const std::string page = plot.str();  // one string: str() returns a new copy each call
  EXPECT_LT(page.size(), 150'000u) << "plot of an hour";
  EXPECT_LT(report.str().size(), 150'000u) << "report of an hour";
  // No polyline carries more than the window cap of points.
  std::regex points("points=\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(page.begin(), page.end(), points); it != std::sregex_iterator(); ++it) {
    const std::string p = (*it)[1].str();
    EXPECT_LE(std::count(p.begin(), p.end(), ' '), static_cast<long>(Series::kMaxWindows));
  }
}

TEST(Lttb, KeepsEndsAndShapeWithinTheThreshold) {
  std::vector<std::pair<double, double>> pts;
  for (int i = 0; i < 10'000; ++i) pts.emplace_back(i, i == 5000 ? 1000.0 : std::sin(i / 100.0));
  const auto out = lttb(pts, 500);
  ASSERT_EQ(out.size(), 500u);
  EXPECT_EQ(out.front(), pts.front());
  EXPECT_EQ(out.back(), pts.back());
  EXPECT_TRUE(std::any_of(out.begin(), out.end(), [](auto& p) { return p.second == 1000.0; })) << "the spike survives";
  EXPECT_EQ(lttb(pts, 20'000).size(), pts.size());
}

}  // namespace
}  // namespace loadgate
