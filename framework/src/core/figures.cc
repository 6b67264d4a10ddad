// figures.cc: the table of figures.
#include "loadgate/figures.h"

#include <cmath>
#include <cstdio>


namespace loadgate {
namespace {

template <int64_t Latencies::*Field>
double latency_of(const Summary& s) {
  return static_cast<double>(s.latency.*Field);
}
double success_of(const Summary& s) { return s.success_ratio; }
double throughput_of(const Summary& s) { return s.throughput; }
double rate_of(const Summary& s) { return s.rate; }
double errors_of(const Summary& s) { return static_cast<double>(s.requests - s.success); }

}  // namespace

const std::vector<Figure>& all_figures() {
  static const std::vector<Figure> kFigures = {
      {"p50", Unit::kNanos, false, "/latencies/50th", &Latencies::p50, 50, &latency_of<&Latencies::p50>, true},
      {"p90", Unit::kNanos, false, "/latencies/90th", &Latencies::p90, 90, &latency_of<&Latencies::p90>, true},
      {"p95", Unit::kNanos, false, "/latencies/95th", &Latencies::p95, 95, &latency_of<&Latencies::p95>, true},
      {"p99", Unit::kNanos, false, "/latencies/99th", &Latencies::p99, 99, &latency_of<&Latencies::p99>, true},
      {"p99.9", Unit::kNanos, false, "/latencies/99.9th", &Latencies::p999, 99.9, &latency_of<&Latencies::p999>, true},
      {"max", Unit::kNanos, false, "/latencies/max", &Latencies::max, 100, &latency_of<&Latencies::max>, true},
      {"mean", Unit::kNanos, false, "/latencies/mean", &Latencies::mean, -1, &latency_of<&Latencies::mean>, false},
      {"success", Unit::kRatio, true, "/success", nullptr, 0, &success_of, true},
      {"throughput", Unit::kPerSecond, true, "/throughput", nullptr, 0, &throughput_of, true},
      {"rate", Unit::kPerSecond, true, "/rate", nullptr, 0, &rate_of, false},
      {"errors", Unit::kCount, false, "", nullptr, 0, &errors_of, false},
  };
  return kFigures;
}

const Figure* find_figure(std::string_view name) {
  for (const Figure& f : all_figures())
    if (name == f.name) return &f;
  return nullptr;
}

double latency_value(const Figure& f, const Histogram& h) {
  return f.percentile < 0 ? h.mean() : static_cast<double>(h.percentile(f.percentile));
}

const std::vector<std::string>& reference_figure_names() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const Figure& f : all_figures())
      if (f.referenced) names.push_back(f.name);
    return names;
  }();
  return kNames;
}

std::string figure_names() {
  std::string out;
  for (const Figure& f : all_figures()) out += (out.empty() ? "" : ", ") + std::string(f.name);
  return out;
}

std::map<std::string, double> reference_figures(const Summary& s) {
  std::map<std::string, double> out;
  for (const std::string& name : reference_figure_names()) out[name] = find_figure(name)->of(s);
  return out;
}

std::string format_value(double v, Unit unit) {
  char buf[64];
  switch (unit) {
    case Unit::kNanos:
      return format_duration_short(Nanos(static_cast<int64_t>(v)), 2);
    case Unit::kRatio:
      std::snprintf(buf, sizeof buf, "%.2f%%", v * 100);
      return buf;
    case Unit::kPerSecond:
      std::snprintf(buf, sizeof buf, "%.2f/s", v);
      return buf;
    case Unit::kCount:
      std::snprintf(buf, sizeof buf, "%.0f", v);
      return buf;
  }
  return "";
}

double tolerance_limit(const Figure& f, double ref, double tolerance) {
  return f.higher_is_better ? ref * (1 - tolerance) : ref * (1 + tolerance);
}

bool regressed(const Figure& f, double ref, double value, double tolerance) {
  const double limit = tolerance_limit(f, ref, tolerance);
  if (std::isnan(value)) return true;
  return f.higher_is_better ? value < limit : value > limit;
}

}  // namespace loadgate
