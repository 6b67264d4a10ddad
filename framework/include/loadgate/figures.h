// figures.h (core layer): the vocabulary of a run's figures, in one table. Each figure has a name ("p99"),
// a unit, a direction in which it is better, a way to read it from a Summary, and its key in
// Vegeta's JSON report. Gates, comparisons, references, gtest properties and reports all name
// figures through this table, so that "p99" means the same thing everywhere.
//
//   const loadgate::Figure* f = loadgate::find_figure("p99");
//   double v = f->of(summary);                                   // ns
//   loadgate::format_value(v, f->unit);                          // "4.12ms"
//   loadgate::regressed(*f, /*reference=*/4e6, v, /*tolerance=*/0.2);
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "loadgate/metrics.h"

namespace loadgate {

/// Unit of a figure's value.
enum class Unit {
  kNanos,      ///< a duration in nanoseconds
  kRatio,      ///< 0..1, shown as a percentage
  kPerSecond,  ///< events per second
  kCount,      ///< a plain number
};

/// Figure describes one named figure of a run.
struct Figure {
  const char* name;           ///< "p50" "p90" "p95" "p99" "p99.9" "max" "mean" "success" ...
  Unit unit;                  ///< unit of its value
  bool higher_is_better;      ///< success, throughput and rate; lower is better for the rest
  const char* vegeta_key;     ///< JSON pointer into Vegeta's JSON report ("/latencies/99th"); "" = none
  int64_t Latencies::*field;  ///< latency figures: their field in Latencies; null otherwise
  double percentile;          ///< latency figures: 0..100 (100 = max), -1 = mean
  /// The figure's value in `s` (latencies from s.latency, the corrected ones).
  double (*of)(const Summary& s);
  bool referenced;            ///< recorded as a scenario's reference (reference_figure_names())
  /// Whether this is a latency figure (a percentile, max or mean of a latency histogram).
  bool latency() const { return field != nullptr; }
};

/// Every figure, in report order: p50 p90 p95 p99 p99.9 max mean success throughput rate errors.
const std::vector<Figure>& all_figures();

/// The figure named `name`, or null.
const Figure* find_figure(std::string_view name);

/// The value of latency figure `f` in histogram `h` (ns): its percentile, max or mean.
/// Precondition: f.latency().
double latency_value(const Figure& f, const Histogram& h);

/// Names of the figures recorded as a scenario's reference (Figure::referenced): p50 p90 p95
/// p99 p99.9 max success throughput.
const std::vector<std::string>& reference_figure_names();

/// Every figure's name, comma-separated, for error messages.
std::string figure_names();

/// The reference figures of `s`, by name.
std::map<std::string, double> reference_figures(const Summary& s);

/// `v` in `unit` as checks and tables show it: "1.20ms", "99.50%", "95.20/s", "3".
std::string format_value(double v, Unit unit);

/// The worst value a reference `ref` allows with a relative `tolerance` (0.2 = 20 %):
/// ref x (1 - tolerance) for figures where higher is better, ref x (1 + tolerance) otherwise.
double tolerance_limit(const Figure& f, double ref, double tolerance);

/// Whether `value` is worse than `ref` by more than the relative `tolerance`.
bool regressed(const Figure& f, double ref, double value, double tolerance);

}  // namespace loadgate
