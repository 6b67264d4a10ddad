// compare.cc: load runs' figures and compare them.
#include "loadgate/compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "format/number.h"
#include "format/tabwriter.h"
#include "loadgate/error.h"
#include "loadgate/figures.h"
#include "loadgate/file.h"
#include "loadgate/results_file.h"

namespace loadgate {
namespace {

// Figures from a JSON report: Vegeta's keys ("latencies"."99th" in ns, "success", "throughput").
Figures from_report(const nlohmann::json& j, const std::string& name) {
  Figures out;
  out.name = name;
  for (const std::string& figure : reference_figure_names()) {
    const nlohmann::json::json_pointer key(find_figure(figure)->vegeta_key);
    if (j.contains(key)) out.values[figure] = j.at(key).get<double>();
  }
  return out;
}

}  // namespace

Figures figures_of(const Summary& s, const std::string& name) {
  Figures f;
  f.name = name;
  f.values = reference_figures(s);
  return f;
}

Figures load_figures(const std::string& path) {
  const std::string text = read_file_or_throw(path, "", "cannot read");
  // A JSON report is one object with "latencies"; results files are records.
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.contains("latencies") && j.at("latencies").is_object()) {
    try {
      return from_report(j, path);
    } catch (const nlohmann::json::exception& e) {
      throw InputError(path, 0, "latencies", std::string("not a report: ") + e.what());
    }
  }
  Metrics m;
  try {
    set_shard_check(ShardCheck::kOff);  // OLD and NEW are one run each
    read_metrics({path}, m);
  } catch (const InputError& e) {
    throw InputError(path, 0, "", std::string("neither a JSON report nor a results file (") + e.what() + ")");
  }
  if (m.count() == 0) throw InputError(path, 0, "", "no results in it");
  return figures_of(m.summarize(), path);
}

std::vector<Figures> history_figures(const std::string& path, const std::string& scenario) {
  std::vector<Figures> out;
  for (const HistoryEntry& e : read_history(path, scenario)) {
    Figures f;
    f.name = e.scenario + " @ " + e.time;
    // A run of several trials: the median of each figure over them.
    for (const std::string& name : reference_figure_names()) {
      std::vector<double> v;
      for (const Figures& t : e.side.trials)
        if (auto it = t.values.find(name); it != t.values.end()) v.push_back(it->second);
      if (v.empty()) continue;
      std::sort(v.begin(), v.end());
      f.values[name] = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
    }
    out.push_back(f);
  }
  return out;
}

std::vector<HistoryEntry> read_history(const std::string& path, const std::string& scenario) {
  std::ifstream in(path);
  if (!in) throw InputError(path, 0, "", "cannot read history file");
  std::vector<HistoryEntry> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("figures") || !j["figures"].is_object())
      throw InputError(path, n, "figures", "not a history entry");
    HistoryEntry e;
    e.line = n;
    e.scenario = j.value("scenario", "");
    if (!scenario.empty() && e.scenario != scenario) continue;
    e.time = j.value("time", "?");
    e.commit = j.value("commit", "");
    e.run = j.value("run", "");
    e.pass = j.value("pass", false);
    e.side.name = e.scenario + " @ " + e.time;
    auto figures_of_json = [](const nlohmann::json& o) {
      Figures f;
      for (auto& [k, v] : o.items())
        if (v.is_number()) f.values[k] = v.get<double>();
      return f;
    };
    if (j.contains("trials") && j["trials"].is_array() && !j["trials"].empty()) {
      for (const auto& t : j["trials"])
        if (t.is_object()) e.side.trials.push_back(figures_of_json(t));
    } else {
      e.side.trials.push_back(figures_of_json(j["figures"]));
      if (j.contains("intervals") && j["intervals"].is_object())
        for (auto& [k, v] : j["intervals"].items()) {
          auto value = j["figures"].find(k);
          if (v.is_array() && v.size() == 2 && v[0].is_number() && v[1].is_number() && value != j["figures"].end() &&
              value->is_number())
            e.side.intervals[k] = Interval{value->get<double>(), v[0].get<double>(), v[1].get<double>(), true};
        }
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<Delta> compare(const Figures& a, const Figures& b, double tolerance,
                           const std::map<std::string, double>& per) {
  std::vector<Delta> out;
  for (const std::string& name : reference_figure_names()) {
    auto x = a.values.find(name), y = b.values.find(name);
    if (x == a.values.end() || y == b.values.end()) continue;
    Delta d;
    d.figure = name;
    d.old_value = x->second;
    d.new_value = y->second;
    d.change = d.old_value != 0 ? (d.new_value - d.old_value) / std::fabs(d.old_value) : 0;
    auto t = per.find(name);
    d.tolerance = t == per.end() ? tolerance : t->second;
    d.regression = regressed(*find_figure(name), d.old_value, d.new_value, d.tolerance);
    out.push_back(d);
  }
  return out;
}

std::string compare_table(const std::vector<Delta>& deltas) {
  format::Tabwriter tw;
  tw.row({"figure", "old", "new", "change", "verdict"});
  for (const Delta& d : deltas) {
    const Figure& f = *find_figure(d.figure);
    const std::string tol = (f.higher_is_better ? "< -" : "> +") + format::format_number("%.0f%%", d.tolerance * 100);
    tw.row({d.figure, format_value(d.old_value, f.unit), format_value(d.new_value, f.unit),
            format::format_number("%+.1f%%", d.change * 100), d.regression ? "REGRESSION (" + tol + ")" : "ok"});
  }
  std::ostringstream out;
  tw.flush(out);
  return out.str();
}

}  // namespace loadgate

// ---- Deciding with statistics ---------------------------------------------------------------

namespace loadgate {
namespace {

const std::vector<std::string>& default_judged() {
  static const std::vector<std::string> f = {"p50", "p90", "p99", "success", "throughput"};
  return f;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

std::vector<double> values_of(const Side& s, const std::string& figure) {
  std::vector<double> out;
  for (const Figures& f : s.trials) {
    auto it = f.values.find(figure);
    if (it != f.values.end()) out.push_back(it->second);
  }
  return out;
}

std::string percent(double r) { return format::format_number("%+.1f %%", r * 100); }

// One run a side: the change of the figures, and an interval from their own intervals on the log
// scale (a 95 % interval spans 2 x 1.96 standard errors).
void judge_one_run(const Side& a, const Side& b, Judgement& j) {
  j.method = "one run each: their 95 % intervals";
  auto ia = a.intervals.find(j.figure), ib = b.intervals.find(j.figure);
  if (ia == a.intervals.end() || ib == b.intervals.end() || !ia->second.known || !ib->second.known ||
      ia->second.low <= 0 || ib->second.low <= 0 || j.old_value <= 0 || j.new_value <= 0) {
    j.method += " (too few values for one)";
    return;
  }
  const double z95 = normal_quantile(1 - (1 - kConfidence) / 2);
  auto se = [z95](const Interval& iv) { return (std::log(iv.high) - std::log(iv.low)) / (2 * z95); };
  const double d = std::log(j.new_value) - std::log(j.old_value);
  const double s = std::hypot(se(ia->second), se(ib->second));
  j.change = std::exp(d) - 1;
  if (s <= 0) {
    j.p = d == 0 ? 1 : 0;
    j.change_low = j.change_high = j.change;
  } else {
    j.p = std::erfc(std::fabs(d / s) / std::sqrt(2.0));
    j.change_low = std::exp(d - z95 * s) - 1;
    j.change_high = std::exp(d + z95 * s) - 1;
  }
  j.interval_known = true;
}

void judge_trials(const std::vector<double>& a, const std::vector<double>& b, Judgement& j) {
  j.method = "Mann-Whitney U, " + std::to_string(a.size()) + " and " + std::to_string(b.size()) + " trials";
  std::vector<double> pa, pb;  // the test works on logs: values must be positive
  for (double v : a) pa.push_back(std::max(v, 1e-12));
  for (double v : b) pb.push_back(std::max(v, 1e-12));
  if (std::all_of(pa.begin(), pa.end(), [&](double v) { return v == pa[0]; }) &&
      std::all_of(pb.begin(), pb.end(), [&](double v) { return v == pa[0]; })) {
    j.p = 1;  // every trial of both sides alike: no change, exactly
    j.interval_known = true;
    return;
  }
  const RankTest t = mann_whitney(pa, pb);
  j.p = t.p;
  j.change = t.ratio - 1;
  j.interval_known = t.interval_known;
  if (t.interval_known) {
    j.change_low = t.ratio_low - 1;
    j.change_high = t.ratio_high - 1;
  }
}

}  // namespace

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kNoChange: return "no change";
    case Outcome::kImprovement: return "improvement";
    case Outcome::kRegression: return "regression";
    case Outcome::kInconclusive: return "inconclusive";
  }
  return "?";
}

std::string Judgement::evidence() const {
  std::string s = figure + " " + percent(change);
  if (interval_known) s += " [" + percent(change_low) + ", " + percent(change_high) + "]";
  return s + ", p = " + format::format_number(p < 0.001 ? "%.1e" : "%.3f", p) + ", tolerance " +
         format::format_number("%.0f %%", tolerance * 100);
}

Side side_of(const std::vector<Summary>& trials, const std::string& name) {
  Side s;
  s.name = name;
  for (const Summary& t : trials) s.trials.push_back(figures_of(t, name));
  if (trials.size() == 1) s.intervals = trials[0].intervals;
  return s;
}

Side load_side(const std::string& path) {
  const std::string text = read_file_or_throw(path, "", "cannot read");
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.contains("latencies") && j.at("latencies").is_object()) {
    Side s;
    s.name = path;
    s.trials.push_back(load_figures(path));
    if (j.contains("intervals") && j["intervals"].is_object())
      for (auto& [k, v] : j["intervals"].items())
        if (v.is_object() && v.contains("low") && v.contains("high") && v.contains("value"))
          s.intervals[k] = Interval{v["value"].get<double>(), v["low"].get<double>(), v["high"].get<double>(), true};
    return s;
  }
  std::vector<RunOfFile> runs;
  try {
    set_shard_check(ShardCheck::kOff);
    runs = read_runs(path);
  } catch (const InputError& e) {
    throw InputError(path, 0, "", std::string("neither a JSON report nor a results file (") + e.what() + ")");
  }
  std::vector<Summary> trials;
  for (const RunOfFile& r : runs)
    if (r.metrics.count() > 0) trials.push_back(r.metrics.summarize());
  if (trials.empty()) throw InputError(path, 0, "", "no results in it");
  return side_of(trials, path);
}

std::vector<Judgement> judge(const Side& a, const Side& b, const JudgeOptions& o) {
  std::vector<Judgement> out;
  for (const std::string& name : o.figures.empty() ? default_judged() : o.figures) {
    const Figure* f = find_figure(name);
    if (!f) throw InputError("", 0, "figures", "unknown figure \"" + name + "\"");
    const std::vector<double> va = values_of(a, name), vb = values_of(b, name);
    if (va.empty() || vb.empty()) continue;
    Judgement j;
    j.figure = name;
    j.old_value = median(va);
    j.new_value = median(vb);
    auto t = o.per_figure.find(name);
    j.tolerance = t == o.per_figure.end() ? o.tolerance : t->second;
    if (va.size() >= 2 && vb.size() >= 2)
      judge_trials(va, vb, j);
    else
      judge_one_run(a, b, j);
    // Oriented so that positive is worse.
    const double sign = f->higher_is_better ? -1 : 1;
    const double worse = sign * j.change;
    const double lo = std::min(sign * j.change_low, sign * j.change_high);
    const double hi = std::max(sign * j.change_low, sign * j.change_high);
    const bool significant = j.p < o.alpha;
    if (significant && worse > j.tolerance)
      j.outcome = Outcome::kRegression;
    else if (significant && worse < -j.tolerance)
      j.outcome = Outcome::kImprovement;
    else if (significant || (j.interval_known && lo >= -j.tolerance && hi <= j.tolerance))
      j.outcome = Outcome::kNoChange;
    else
      j.outcome = Outcome::kInconclusive;
    out.push_back(j);
  }
  return out;
}

Outcome overall(const std::vector<Judgement>& js) {
  auto any = [&js](Outcome o) {
    return std::any_of(js.begin(), js.end(), [o](const Judgement& j) { return j.outcome == o; });
  };
  if (any(Outcome::kRegression)) return Outcome::kRegression;
  if (js.empty() || any(Outcome::kInconclusive)) return Outcome::kInconclusive;
  if (any(Outcome::kImprovement)) return Outcome::kImprovement;
  return Outcome::kNoChange;
}

std::string judgement_table(const std::vector<Judgement>& js) {
  format::Tabwriter tw;
  tw.row({"figure", "old", "new", "change [95 %]", "p", "tolerance", "outcome"});
  for (const Judgement& j : js) {
    const Figure& f = *find_figure(j.figure);
    tw.row({j.figure, format_value(j.old_value, f.unit), format_value(j.new_value, f.unit),
            percent(j.change) + (j.interval_known ? " [" + percent(j.change_low) + ", " + percent(j.change_high) + "]"
                                                  : std::string(" [unknown]")),
            format::format_number(j.p < 0.001 ? "%.1e" : "%.3f", j.p),
            format::format_number("%.0f %%", j.tolerance * 100), outcome_name(j.outcome)});
  }
  std::ostringstream out;
  tw.flush(out);
  return out.str();
}

}  // namespace loadgate
