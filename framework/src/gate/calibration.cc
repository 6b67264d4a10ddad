// calibration.cc: tolerances and trial counts from the spread of A/A trials.
#include "loadgate/calibration.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "format/number.h"
#include "format/tabwriter.h"
#include "loadgate/error.h"
#include "loadgate/figures.h"
#include "loadgate/stats.h"

namespace loadgate {
namespace {

// 1.4826 x the median absolute deviation of the logs: a standard deviation that one wild trial
// (a stall of the machine) does not inflate.
double robust_spread(const std::vector<double>& values) {
  std::vector<double> logs;
  for (double v : values) logs.push_back(std::log(std::max(v, 1e-12)));
  const double m = median(logs);
  std::vector<double> dev;
  for (double l : logs) dev.push_back(std::fabs(l - m));
  return 1.4826 * median(dev);
}

// The efficiency of the Hodges-Lehmann shift against the mean difference for normal noise is
// 3 / pi: its standard deviation is sqrt(pi / 3) ~ 1.02 times the mean's.
const double kHodgesLehmann = std::sqrt(M_PI / 3);

double tolerance_at(double spread, int trials, double z, double floor) {
  const double t = z * kHodgesLehmann * spread * std::sqrt(2.0 / trials);
  return std::max(floor, std::ceil(t * 200) / 200);  // up to the next 0.5 %
}

}  // namespace

Calibration calibrate(const std::vector<Summary>& trials, const CalibrationOptions& o) {
  if (trials.size() < 3)
    throw InputError("", 0, "-trials", "calibration needs at least 3 A/A trials, got " + std::to_string(trials.size()));
  static const std::vector<std::string> kDefault = {"p50", "p90", "p99", "success", "throughput"};
  const std::vector<std::string>& names = o.figures.empty() ? kDefault : o.figures;
  Calibration c;
  c.runs = static_cast<int>(trials.size());
  c.false_alarm = o.false_alarm;
  const double z = normal_quantile(1 - o.false_alarm / static_cast<double>(names.size()));
  for (const std::string& name : names) {
    const Figure* f = find_figure(name);
    if (!f) throw InputError("", 0, "-figures", "unknown figure \"" + name + "\"");
    std::vector<double> values;
    for (const Summary& t : trials) values.push_back(f->of(t));
    c.figures.push_back(FigureNoise{name, median(values), robust_spread(values), 0});
  }
  c.trials = o.max_trials;
  for (int k = 3; k <= o.max_trials; ++k) {
    const bool fits = std::all_of(c.figures.begin(), c.figures.end(), [&](const FigureNoise& n) {
      return tolerance_at(n.spread, k, z, o.floor) <= o.target;
    });
    if (fits) {
      c.trials = k;
      c.reached = true;
      break;
    }
  }
  for (FigureNoise& n : c.figures) n.tolerance = tolerance_at(n.spread, c.trials, z, o.floor);
  return c;
}

std::string calibration_table(const Calibration& c) {
  format::Tabwriter tw;
  tw.row({"figure", "median", "spread", "tolerance"});
  for (const FigureNoise& n : c.figures) {
    const Figure* f = find_figure(n.figure);
    tw.row({n.figure, format_value(n.median, f ? f->unit : Unit::kCount),
            format::format_number("%.1f %%", n.spread * 100), format::format_number("%.1f %%", n.tolerance * 100)});
  }
  std::ostringstream out;
  tw.flush(out);
  out << "\n" << c.runs << " A/A trials; at " << c.trials << " trials a side, a gate run raises a false alarm "
      << format::format_number("%.0f", c.false_alarm * 100) << " % of the time or less"
      << (c.reached ? "" : " (the tolerances wanted were not reached at the most trials allowed)") << "\n";
  return out.str();
}

}  // namespace loadgate
