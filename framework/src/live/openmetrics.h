// openmetrics.h (internal): the OpenMetrics 1.0 text format of prometheus-cpp's metric
// families, with exemplars on histogram buckets: the format Prometheus asks for first, and the
// only one that carries exemplars (prometheus-cpp 1.0 writes the 0.0.4 text format alone, and
// keeps no exemplars).
#pragma once

#include <prometheus/metric_family.h>

#include <functional>
#include <string>
#include <vector>

namespace loadgate {

/// The Content-Type of openmetrics_text().
inline constexpr const char* kOpenMetricsType = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Exemplar is one observation that stands for a bucket: its trace id and its value.
struct Exemplar {
  std::string trace_id;  ///< 32 lower-case hex digits
  double value = 0;      ///< the observed value (seconds)
};

/// The exemplar of bucket `bucket` (index into the histogram's buckets) of the histogram series
/// with these labels, or nullptr.
using ExemplarOf = std::function<const Exemplar*(const std::vector<prometheus::ClientMetric::Label>& labels, size_t bucket)>;

/// `families` in the OpenMetrics text format, "# EOF" last; histogram buckets carry the
/// exemplars `exemplar` gives.
std::string openmetrics_text(const std::vector<prometheus::MetricFamily>& families, const ExemplarOf& exemplar);

/// Whether an Accept header asks for OpenMetrics (Prometheus's does, first).
bool accepts_openmetrics(const std::string& accept);

}  // namespace loadgate
