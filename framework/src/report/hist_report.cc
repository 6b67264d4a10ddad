// hist_report.cc: Vegeta's hist[...] and hdrplot reports.
#include <cstdio>

#include "format/tabwriter.h"
#include "loadgate/error.h"
#include "loadgate/report.h"

namespace loadgate {

HistBuckets::HistBuckets(const std::string& spec) {
  std::string s = spec;
  if (s.rfind("hist", 0) == 0) s = s.substr(4);
  if (s.size() < 2 || s.front() != '[' || s.back() != ']')
    throw InputError("", 0, "-type", "bad buckets: " + spec + " (want hist[0,1ms,10ms])");
  s = s.substr(1, s.size() - 2);
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    std::string part = s.substr(start, comma - start);
    while (!part.empty() && part.front() == ' ') part.erase(part.begin());
    while (!part.empty() && part.back() == ' ') part.pop_back();
    auto d = parse_duration(part);
    if (!d) throw InputError("", 0, "-type", "bad buckets: " + spec + " (\"" + part + "\" is not a duration)");
    if (!edges_.empty() && *d <= edges_.back())
      throw InputError("", 0, "-type", "bad buckets: " + spec + " (edges must increase)");
    edges_.push_back(*d);
    start = comma + 1;
  }
  counts_.assign(edges_.size(), 0);
}

void HistBuckets::add(const Result& r) {
  if (r.error_kind == ErrorKind::kDropped) return;
  ++total_;
  // Bucket i holds [edge i, edge i+1); below the first edge counts in the first bucket.
  size_t i = 0;
  while (i + 1 < edges_.size() && r.latency_ns >= edges_[i + 1].count()) ++i;
  counts_[i]++;
}

void HistBuckets::write(std::ostream& out) const {
  format::Tabwriter tw;
  tw.row({"Bucket", "", "#", "%", "Histogram"});
  for (size_t i = 0; i < edges_.size(); ++i) {
    const double ratio = total_ ? static_cast<double>(counts_[i]) / static_cast<double>(total_) : 0;
    char pct[32];
    std::snprintf(pct, sizeof pct, "%.2f%%", ratio * 100);
    const std::string hi = i + 1 < edges_.size() ? format_duration(edges_[i + 1]) : "+Inf";
    tw.row({"[" + format_duration(edges_[i]) + ",", hi + "]", std::to_string(counts_[i]), pct,
            std::string(static_cast<size_t>(ratio * 75), '#')});
  }
  tw.flush(out);
}

void write_hdrplot_report(std::ostream& out, const Metrics& m) {
  static constexpr double kQuantiles[] = {
      0,       .1,      .2,      .3,      .4,      .5,      .55,     .6,      .65,     .7,      .75,     .775,
      .8,      .825,    .85,     .875,    .8875,   .9,      .9125,   .925,    .9375,   .94375,  .95,     .95625,
      .9625,   .96875,  .971875, .975,    .978125, .98125,  .984375, .985938, .9875,   .989062, .990625, .992188,
      .992969, .99375,  .994531, .995313, .996094, .996484, .996875, .997266, .997656, .998047, .998242, .998437,
      .998633, .998828, .999023, .999121, .999219, .999316, .999414, .999512, .999561, .999609, .999658, .999707,
      .999756, .99978,  .999805, .999829, .999854, .999878, .99989,  .999902, .999915, .999927, .999939, .999945,
      .999951, .999957, .999963, .999969, .999973, .999976, .999979, .999982, .999985, .999986, .999988, .999989,
      .999991, .999992, .999993, .999994, .999995, .999996, .999997, .999998, .999999, 1.0};
  const Group* g = m.group(m.primary());
  format::Tabwriter tw;
  tw.row({"Value(ms)", "Percentile", "TotalCount", "1/(1-Percentile)"});
  const double total = g ? static_cast<double>(g->total.latency.count()) : 0;
  for (double q : kQuantiles) {
    const int64_t v = g ? g->total.latency.percentile(q * 100) : 0;
    char value[32], pct[32], one_by[32];
    std::snprintf(value, sizeof value, "%f", static_cast<double>(v) / 1e6);
    std::snprintf(pct, sizeof pct, "%f", q);
    std::snprintf(one_by, sizeof one_by, "%f", q < 1 ? 1 / (1 - q) : 10000000.0);
    tw.row({value, pct, std::to_string(static_cast<int64_t>(q * total + 0.5)), one_by});
  }
  tw.flush(out);
}

}  // namespace loadgate
