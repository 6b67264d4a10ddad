// history.cc: change points per scenario and figure over a history file.
#include "loadgate/history.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "format/number.h"
#include "loadgate/figures.h"

namespace loadgate {
namespace {

const std::vector<std::string> kDefaultFigures = {"p50", "p90", "p99", "success", "throughput"};

// The value of `figure` in a run: the median over its trials, NaN when no trial has it.
double value_of(const HistoryEntry& e, const std::string& figure) {
  std::vector<double> v;
  for (const Figures& t : e.side.trials)
    if (auto it = t.values.find(figure); it != t.values.end() && std::isfinite(it->second)) v.push_back(it->second);
  return median(std::move(v));
}

// The 95 % interval of `figure` in a run: the run's own (one trial), or the range of its trials.
Interval band_of(const HistoryEntry& e, const std::string& figure, double value) {
  if (auto it = e.side.intervals.find(figure); it != e.side.intervals.end() && it->second.known) return it->second;
  Interval out{value, value, value, false};
  if (e.side.trials.size() < 2) return out;
  for (const Figures& t : e.side.trials)
    if (auto v = t.values.find(figure); v != t.values.end()) {
      out.low = std::min(out.low, v->second);
      out.high = std::max(out.high, v->second);
    }
  out.known = true;
  return out;
}

std::string signed_percent(double change) {
  return (change >= 0 ? "+" : "") + format::format_number("%.1f", change * 100) + " %";
}

}  // namespace

std::vector<Trend> read_trends(const std::string& path, const std::string& scenario, const TrendOptions& o) {
  std::vector<Trend> out;
  for (HistoryEntry& e : read_history(path, scenario)) {
    auto it = std::find_if(out.begin(), out.end(), [&](const Trend& t) { return t.scenario == e.scenario; });
    if (it == out.end()) {
      out.push_back(Trend{});
      out.back().scenario = e.scenario;
      it = std::prev(out.end());
    }
    it->runs.push_back(std::move(e));
  }
  const std::vector<std::string>& figures = o.figures.empty() ? kDefaultFigures : o.figures;
  for (Trend& t : out) {
    for (const std::string& f : figures) {
      std::vector<double>& s = t.series[f];
      std::vector<Interval>& b = t.bands[f];
      for (const HistoryEntry& e : t.runs) {
        s.push_back(value_of(e, f));
        b.push_back(band_of(e, f, s.back()));
      }
      if (std::none_of(s.begin(), s.end(), [](double v) { return std::isfinite(v); })) {
        t.series.erase(f);
        t.bands.erase(f);
      }
    }
    find_changes(t, o);
  }
  return out;
}

void find_changes(Trend& t, const TrendOptions& o) {
  t.changes.clear();
  for (const auto& [name, series] : t.series) {
    const Figure* figure = find_figure(name);
    // The runs that have the figure; latencies and rates on a log scale, so that a shift is a
    // ratio whatever the figure's size.
    std::vector<size_t> runs;
    std::vector<double> values;
    const bool log_scale =
        std::all_of(series.begin(), series.end(), [](double v) { return !std::isfinite(v) || v > 0; }) &&
        (!figure || figure->unit != Unit::kRatio);
    for (size_t i = 0; i < series.size(); ++i)
      if (std::isfinite(series[i])) {
        runs.push_back(i);
        values.push_back(log_scale ? std::log(series[i]) : series[i]);
      }
    const std::vector<size_t> cps = change_points(values, o.search);
    for (size_t k = 0; k < cps.size(); ++k) {
      const size_t from = k == 0 ? 0 : cps[k - 1];
      const size_t to = k + 1 < cps.size() ? cps[k + 1] : values.size();
      std::vector<double> before, after;
      for (size_t i = from; i < cps[k]; ++i) before.push_back(series[runs[i]]);
      for (size_t i = cps[k]; i < to; ++i) after.push_back(series[runs[i]]);
      ChangePoint c;
      c.figure = name;
      c.index = runs[cps[k]];
      c.before = median(before);
      c.after = median(after);
      c.change = c.before != 0 ? c.after / c.before - 1 : 0;
      if (figure && std::fabs(c.change) > o.tolerance) {
        const bool worse = figure->higher_is_better ? c.after < c.before : c.after > c.before;
        c.regression = worse;
        c.improvement = !worse;
      }
      t.changes.push_back(c);
    }
  }
  std::stable_sort(t.changes.begin(), t.changes.end(),
                   [](const ChangePoint& a, const ChangePoint& b) { return a.index < b.index; });
}

std::vector<std::pair<const Trend*, const ChangePoint*>> recent_regressions(const std::vector<Trend>& trends,
                                                                           size_t recent) {
  std::vector<std::pair<const Trend*, const ChangePoint*>> out;
  for (const Trend& t : trends) {
    // The last change point of each figure: an older regression that a later shift undid is over.
    std::map<std::string, const ChangePoint*> last;
    for (const ChangePoint& c : t.changes) last[c.figure] = &c;
    for (const auto& [figure, c] : last)
      if (c->regression && c->index + recent >= t.runs.size()) out.emplace_back(&t, c);
  }
  return out;
}

std::string trends_table(const std::vector<Trend>& trends) {
  std::ostringstream out;
  for (const Trend& t : trends) {
    out << t.scenario << ": " << t.runs.size() << " run" << (t.runs.size() == 1 ? "" : "s");
    if (!t.runs.empty()) out << ", " << t.runs.front().time << " .. " << t.runs.back().time;
    out << "\n";
    if (t.changes.empty()) out << "  no change point\n";
    for (const ChangePoint& c : t.changes) {
      const HistoryEntry& run = t.runs[c.index];
      const Figure* f = find_figure(c.figure);
      const Unit unit = f ? f->unit : Unit::kCount;
      out << "  " << c.figure << " " << signed_percent(c.change) << " from run " << c.index + 1 << " (line "
          << run.line << ", " << run.time;
      if (!run.commit.empty()) out << ", commit " << run.commit;
      if (!run.run.empty()) out << ", run " << run.run;
      out << "): " << format_value(c.before, unit) << " -> " << format_value(c.after, unit) << ", "
          << (c.regression ? "regression" : c.improvement ? "improvement" : "within tolerance") << "\n";
    }
  }
  return out.str();
}

}  // namespace loadgate
