// history_page.cc: the trend page of a history: each figure over its runs, its interval band,
// and the change points marked.
#include <cmath>

#include "format/html_page.h"
#include "format/number.h"
#include "format/svg_chart.h"
#include "loadgate/figures.h"
#include "loadgate/history.h"

namespace loadgate {
namespace {

using format::escape_html;

// Values as the chart's y axis shows them: ms for latencies, % for ratios.
double shown(double v, Unit unit) {
  return unit == Unit::kNanos ? v / 1e6 : unit == Unit::kRatio ? v * 100 : v;
}

const char* axis_label(Unit unit) {
  return unit == Unit::kNanos ? "ms" : unit == Unit::kRatio ? "%" : unit == Unit::kPerSecond ? "per second" : "";
}

std::string chart(const Trend& t, const std::string& name, const std::vector<double>& series) {
  const Figure* f = find_figure(name);
  const Unit unit = f ? f->unit : Unit::kCount;
  format::ChartSeries value{name, {}, "", false}, low{"95 % interval", {}, "#9aa5b1", true},
      high{"", {}, "#9aa5b1", true};
  double lo = INFINITY, hi = -INFINITY;
  const std::vector<Interval>& band = t.bands.at(name);
  for (size_t i = 0; i < series.size(); ++i) {
    if (!std::isfinite(series[i])) continue;
    const double x = static_cast<double>(i + 1);
    value.points.emplace_back(x, shown(series[i], unit));
    lo = std::min(lo, shown(series[i], unit));
    hi = std::max(hi, shown(series[i], unit));
    if (band[i].known) {
      low.points.emplace_back(x, shown(band[i].low, unit));
      high.points.emplace_back(x, shown(band[i].high, unit));
      lo = std::min(lo, shown(band[i].low, unit));
      hi = std::max(hi, shown(band[i].high, unit));
    }
  }
  std::vector<format::ChartSeries> lines{value};
  if (!low.points.empty()) {
    lines.push_back(low);
    lines.push_back(high);
  }
  // Each change point: a vertical line at its first run, red for a regression.
  for (const ChangePoint& c : t.changes) {
    if (c.figure != name || !std::isfinite(lo)) continue;
    const double x = static_cast<double>(c.index) + 0.5;
    lines.push_back({"change " + (c.change >= 0 ? std::string("+") : std::string()) +
                         format::format_number("%.1f", c.change * 100) + " % at run " + std::to_string(c.index + 1),
                     {{x, lo}, {x, hi}},
                     c.regression ? "#d1242f" : c.improvement ? "#1a7f37" : "#bf8700",
                     false});
  }
  format::ChartOptions o;
  o.title = t.scenario + ": " + name + " over runs";
  o.x_label = "run";
  o.y_label = axis_label(unit);
  o.height = 220;
  return format::svg_line_chart(lines, o);
}

}  // namespace

void write_trends_html(std::ostream& out, const std::vector<Trend>& trends, const std::string& title) {
  out << format::html_page_start(title);
  for (const Trend& t : trends) {
    out << "<h2>" << escape_html(t.scenario) << "</h2>\n<p>" << t.runs.size() << " runs";
    if (!t.runs.empty()) out << ", " << escape_html(t.runs.front().time) << " .. " << escape_html(t.runs.back().time);
    out << "; " << t.changes.size() << " change point" << (t.changes.size() == 1 ? "" : "s") << "</p>\n";
    if (!t.changes.empty()) {
      out << "<table>\n" << format::html_row({"figure", "from run", "time", "commit", "before", "after", "change", "kind"}, "th");
      for (const ChangePoint& c : t.changes) {
        const HistoryEntry& run = t.runs[c.index];
        const Figure* f = find_figure(c.figure);
        const Unit unit = f ? f->unit : Unit::kCount;
        const char* kind = c.regression ? "regression" : c.improvement ? "improvement" : "within tolerance";
        out << format::html_row({escape_html(c.figure), std::to_string(c.index + 1), escape_html(run.time),
                                 escape_html(run.commit), escape_html(format_value(c.before, unit)),
                                 escape_html(format_value(c.after, unit)),
                                 format::format_number("%+.1f", c.change * 100) + " %", std::string(kind)},
                                "td", c.regression ? "fail" : "");
      }
      out << "</table>\n";
    }
    for (const auto& [name, series] : t.series) out << chart(t, name, series);
  }
  out << format::html_page_end();
}

}  // namespace loadgate
