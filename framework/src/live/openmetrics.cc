// openmetrics.cc: families written as OpenMetrics 1.0 text: a counter's family is named
// without its "_total" (its sample keeps it), histograms are written bucket by bucket with the
// "+Inf" one, "_count" and "_sum", an exemplar after a bucket that has one, "# EOF" last.
#include "openmetrics.h"

#include <charconv>
#include <cmath>

namespace loadgate {
namespace {

// A label value or HELP text escaped: backslash, double quote, line feed.
std::string escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // the shortest that reads back the same
  return std::string(buf, ec == std::errc() ? end : buf);
}

// {a="x",b="y"} with `extra` (already formatted, e.g. le="0.5") last; "" when empty.
std::string labels(const std::vector<prometheus::ClientMetric::Label>& ls, const std::string& extra = "") {
  std::string out;
  for (const auto& l : ls) out += (out.empty() ? "" : ",") + l.name + "=\"" + escaped(l.value) + "\"";
  if (!extra.empty()) out += (out.empty() ? "" : ",") + extra;
  return out.empty() ? "" : "{" + out + "}";
}

const char* type_name(prometheus::MetricType t) {
  switch (t) {
    case prometheus::MetricType::Counter: return "counter";
    case prometheus::MetricType::Gauge: return "gauge";
    case prometheus::MetricType::Summary: return "summary";
    case prometheus::MetricType::Histogram: return "histogram";
    default: return "unknown";
  }
}

}  // namespace

std::string openmetrics_text(const std::vector<prometheus::MetricFamily>& families, const ExemplarOf& exemplar) {
  std::string out;
  for (const auto& f : families) {
    const bool counter = f.type == prometheus::MetricType::Counter;
    std::string name = f.name;
    if (counter && name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0) name.resize(name.size() - 6);
    out += "# TYPE " + name + " " + type_name(f.type) + "\n";
    if (!f.help.empty()) out += "# HELP " + name + " " + escaped(f.help) + "\n";
    for (const auto& m : f.metric) {
      switch (f.type) {
        case prometheus::MetricType::Counter:
          out += name + "_total" + labels(m.label) + " " + number(m.counter.value) + "\n";
          break;
        case prometheus::MetricType::Gauge:
          out += name + labels(m.label) + " " + number(m.gauge.value) + "\n";
          break;
        case prometheus::MetricType::Histogram:
          for (size_t b = 0; b < m.histogram.bucket.size(); ++b) {
            const auto& bucket = m.histogram.bucket[b];
            out += name + "_bucket" + labels(m.label, "le=\"" + number(bucket.upper_bound) + "\"") + " " +
                   std::to_string(bucket.cumulative_count);
            if (const Exemplar* e = exemplar ? exemplar(m.label, b) : nullptr)
              out += " # {trace_id=\"" + escaped(e->trace_id) + "\"} " + number(e->value);
            out += "\n";
          }
          out += name + "_count" + labels(m.label) + " " + std::to_string(m.histogram.sample_count) + "\n";
          out += name + "_sum" + labels(m.label) + " " + number(m.histogram.sample_sum) + "\n";
          break;
        case prometheus::MetricType::Summary:
          for (const auto& q : m.summary.quantile)
            out += name + labels(m.label, "quantile=\"" + number(q.quantile) + "\"") + " " + number(q.value) + "\n";
          out += name + "_count" + labels(m.label) + " " + std::to_string(m.summary.sample_count) + "\n";
          out += name + "_sum" + labels(m.label) + " " + number(m.summary.sample_sum) + "\n";
          break;
        default:
          out += name + labels(m.label) + " " + number(m.untyped.value) + "\n";
      }
    }
  }
  return out + "# EOF\n";
}

bool accepts_openmetrics(const std::string& accept) {
  return accept.find("application/openmetrics-text") != std::string::npos;
}

}  // namespace loadgate
