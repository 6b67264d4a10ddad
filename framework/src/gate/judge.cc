// judge.cc: deciding a change with statistics.
#include "loadgate/judge.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "format/number.h"
#include "format/tabwriter.h"
#include "loadgate/error.h"

namespace loadgate {

Figures figures_of(const Summary& s, const std::string& name) {
  Figures f;
  f.name = name;
  f.values = reference_figures(s);
  return f;
}

}  // namespace loadgate

// ---- Deciding with statistics ---------------------------------------------------------------

namespace loadgate {
namespace {

const std::vector<std::string>& default_judged() {
  static const std::vector<std::string> f = {"p50", "p90", "p99", "success", "throughput"};
  return f;
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
    const double hi = std::max(sign * j.change_low, sign * j.change_high);
    const bool significant = j.p < o.alpha;
    if (significant && worse > j.tolerance)
      j.outcome = Outcome::kRegression;
    else if (significant && worse < -j.tolerance)
      j.outcome = Outcome::kImprovement;
    else if (significant || (j.interval_known && hi <= j.tolerance))
      j.outcome = Outcome::kNoChange;  // no regression beyond the tolerance is left in the interval
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
