// gate.cc: evaluate thresholds, references and windows into a Verdict.
#include "loadgate/gate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "loadgate/error.h"
#include "loadgate/interner.h"
#include "report/number.h"
#include "report/tabwriter.h"

namespace loadgate {
namespace {

using report::format_number;

Check make(const std::string& name, double measured, double limit, Check::Op op, Check::Unit unit,
           const std::string& source) {
  Check c;
  c.name = name;
  c.measured = measured;
  c.limit = limit;
  c.op = op;
  c.unit = unit;
  c.source = source;
  switch (op) {
    case Check::Op::kBelow:
      c.pass = measured < limit;
      break;
    case Check::Op::kAtLeast:
      c.pass = measured >= limit;
      break;
    case Check::Op::kAtMost:
      c.pass = measured <= limit;
      break;
  }
  if (std::isnan(measured)) c.pass = false;
  return c;
}

std::string at(const std::string& source, const std::string& key) { return source.empty() ? "" : source + "." + key; }

struct LatencyLimit {
  const char* name;
  const std::optional<Nanos> Thresholds::*field;
  double percentile;  // <0: mean
};

constexpr LatencyLimit kLatencyLimits[] = {{"p50", &Thresholds::p50, 50},      {"p90", &Thresholds::p90, 90},
                                           {"p95", &Thresholds::p95, 95},      {"p99", &Thresholds::p99, 99},
                                           {"p99.9", &Thresholds::p999, 99.9}, {"max", &Thresholds::max, 100},
                                           {"mean", &Thresholds::mean, -1}};

double latency_of(const Histogram& h, double percentile) {
  return percentile < 0 ? h.mean() : static_cast<double>(h.percentile(percentile));
}

// The worst window for each latency/success threshold, as one check each.
void evaluate_windows(const Group& g, const Thresholds& t, const std::string& source, Verdict& v) {
  const auto windows = g.series.rebucket(*t.window);
  if (windows.size() < 1) return;
  // The width actually used: a whole number of the series' windows (which widen on long runs).
  const int64_t unit = g.series.width().count();
  const Nanos width(unit * std::max<int64_t>(1, (t.window->count() + unit / 2) / unit));
  if (windows.empty()) return;
  const int64_t origin = windows.front().start_ns;
  auto span = [&](const Window& w) {
    return format_duration(Nanos(w.start_ns - origin)) + ".." + format_duration(Nanos(w.start_ns - origin) + width);
  };
  for (const LatencyLimit& l : kLatencyLimits) {
    if (!(t.*l.field) || l.percentile < 0) continue;
    const Window* worst = nullptr;
    double worst_v = -1;
    for (const Window& w : windows) {
      if (w.latency.count() == 0) continue;
      const double x = latency_of(w.latency, l.percentile);
      if (x > worst_v) worst_v = x, worst = &w;
    }
    if (!worst) continue;
    v.checks.push_back(make(std::string(l.name) + " in window " + span(*worst), worst_v,
                            static_cast<double>((t.*l.field)->count()), Check::Op::kBelow, Check::Unit::kNanos,
                            at(source, std::string(l.name) + " (window " + format_duration(width) + ")")));
  }
  if (t.success) {
    const Window* worst = nullptr;
    double worst_v = 2;
    for (const Window& w : windows) {
      if (w.requests == 0) continue;
      const double x = static_cast<double>(w.success) / static_cast<double>(w.requests);
      if (x < worst_v) worst_v = x, worst = &w;
    }
    if (worst)
      v.checks.push_back(make("success in window " + span(*worst), worst_v, *t.success, Check::Op::kAtLeast,
                              Check::Unit::kRatio, at(source, "success (window " + format_duration(width) + ")")));
  }
}

}  // namespace

std::string Check::measured_text() const { return format_value(measured, unit); }

std::string Check::limit_text() const {
  const char* op_text = op == Op::kBelow ? "< " : op == Op::kAtLeast ? ">= " : "<= ";
  return op_text + format_value(limit, unit);
}

std::string Check::line() const {
  std::string out =
      std::string(pass ? "ok   " : "FAIL ") + name + "  measured " + measured_text() + "  limit " + limit_text();
  if (!source.empty()) out += "  (" + source + ")";
  return out;
}

bool Verdict::pass() const { return failures() == 0; }

size_t Verdict::failures() const {
  size_t n = 0;
  for (const Check& c : checks) n += c.pass ? 0 : 1;
  return n;
}

std::string Verdict::table() const {
  report::Tabwriter tw;
  for (const Check& c : checks)
    tw.row({c.pass ? "ok" : "FAIL", c.name, "measured " + c.measured_text(), "limit " + c.limit_text(),
            c.source.empty() ? "" : "(" + c.source + ")"});
  std::ostringstream out;
  tw.flush(out);
  if (!context.empty()) out << "context: " << context << "\n";
  return out.str();
}

Kind kind_for(const Metrics& m, const std::string& name) {
  if (name.empty()) return m.primary();
  for (int k = 0; k < kKindCount; ++k)
    if (kind_name(static_cast<Kind>(k)) == name) return static_cast<Kind>(k);
  throw InputError("", 0, "kind",
                   "unknown result kind \"" + name +
                       "\" (want http, grpc, grpc-stream, ws-message, ws-push, ws-handshake, ws-close)");
}

void check_measured(const Metrics& m, Kind kind, Verdict& v) {
  const Group* g = m.group(kind);
  const double requests = g ? static_cast<double>(g->total.requests) : 0;
  const double success = g ? static_cast<double>(g->total.success) : 0;
  v.checks.push_back(make("requests", requests, 1, Check::Op::kAtLeast, Check::Unit::kCount, "measured something"));
  v.checks.push_back(make("successes", success, 1, Check::Op::kAtLeast, Check::Unit::kCount, "the service answered"));
}

namespace {

// The checks of `t` on one set of stats (a kind's total or one target's), names prefixed.
void evaluate_stats(const Stats& st, Kind kind, const Thresholds& t, const std::string& source,
                    const std::string& prefix, Verdict& v) {
  const Summary s = summarize(st, kind);
  const Histogram& h = t.uncorrected ? st.uncorrected : st.latency;
  const std::string suffix = t.uncorrected ? " (uncorrected)" : "";
  for (const LatencyLimit& l : kLatencyLimits) {
    if (!(t.*l.field)) continue;
    v.checks.push_back(make(prefix + l.name + suffix, latency_of(h, l.percentile),
                            static_cast<double>((t.*l.field)->count()), Check::Op::kBelow, Check::Unit::kNanos,
                            at(source, l.name)));
  }
  if (t.first)
    v.checks.push_back(make(prefix + "first p99", static_cast<double>(st.first.percentile(99)),
                            static_cast<double>(t.first->count()), Check::Op::kBelow, Check::Unit::kNanos,
                            at(source, "first")));
  if (t.success)
    v.checks.push_back(make(prefix + "success", s.success_ratio, *t.success, Check::Op::kAtLeast, Check::Unit::kRatio,
                            at(source, "success")));
  if (t.throughput)
    v.checks.push_back(make(prefix + "throughput", s.throughput, *t.throughput, Check::Op::kAtLeast,
                            Check::Unit::kPerSecond, at(source, "throughput")));
  if (t.rate)
    v.checks.push_back(
        make(prefix + "rate", s.rate, *t.rate, Check::Op::kAtLeast, Check::Unit::kPerSecond, at(source, "rate")));
  if (t.errors)
    v.checks.push_back(make(prefix + "errors", static_cast<double>(s.requests - s.success),
                            static_cast<double>(*t.errors), Check::Op::kAtMost, Check::Unit::kCount,
                            at(source, "errors")));
  if (t.late)  // dropped hits were never sent: later than late
    v.checks.push_back(make(prefix + "late",
                            s.requests ? static_cast<double>(s.late + s.dropped) / static_cast<double>(s.requests) : 0,
                            *t.late, Check::Op::kAtMost, Check::Unit::kRatio, at(source, "late")));
}

// Stats of the target `key`: its exact label, or the one label ending with it ("/health").
const Stats* find_target(const Group& g, const std::string& key) {
  const Stats* found = nullptr;
  for (auto& [id, stats] : g.targets) {
    const std::string& label = interned(id);
    if (label == key) return stats.get();
    if (label.size() > key.size() && label.compare(label.size() - key.size(), key.size(), key) == 0)
      found = stats.get();
  }
  return found;
}

void evaluate_resources(const Metrics& m, const Thresholds& t, const std::string& source, Verdict& v) {
  for (const auto& [role, limits] : t.resources) {
    const std::string src = (source.empty() ? "" : source + ".") + "resources." + role;
    const bool seen = !m.resources().series(role).empty();
    if (!seen) {
      v.checks.push_back(
          make(role + " samples", 0, 1, Check::Op::kAtLeast, Check::Unit::kCount, src + " (was it monitored?)"));
      continue;
    }
    if (limits.rss_bytes)
      v.checks.push_back(make(role + " peak rss MB", static_cast<double>(m.resources().peak_rss(role)) / 1048576.0,
                              static_cast<double>(*limits.rss_bytes) / 1048576.0, Check::Op::kAtMost,
                              Check::Unit::kCount, src + ".rss"));
    if (limits.cpu_percent)
      v.checks.push_back(make(role + " peak cpu %", m.resources().peak_cpu(role), *limits.cpu_percent,
                              Check::Op::kAtMost, Check::Unit::kCount, src + ".cpu"));
    if (limits.fds)
      v.checks.push_back(make(role + " peak fds", m.resources().peak_fds(role), *limits.fds, Check::Op::kAtMost,
                              Check::Unit::kCount, src + ".fds"));
  }
}

}  // namespace

std::string window_breach(const Window& w, const Thresholds& t) {
  if (w.requests == 0) return "";
  for (const LatencyLimit& l : kLatencyLimits) {
    if (!(t.*l.field) || l.percentile < 0) continue;
    const double v = latency_of(w.latency, l.percentile);
    if (v >= static_cast<double>((t.*l.field)->count()))
      return std::string(l.name) + " " + format_value(v, Check::Unit::kNanos) +
             " >= " + format_value(static_cast<double>((t.*l.field)->count()), Check::Unit::kNanos);
  }
  if (t.success) {
    const double ratio = static_cast<double>(w.success) / static_cast<double>(w.requests);
    if (ratio < *t.success)
      return "success " + format_value(ratio, Check::Unit::kRatio) + " < " +
             format_value(*t.success, Check::Unit::kRatio);
  }
  return "";
}

Verdict evaluate(const Metrics& m, const Thresholds& t, const std::string& source) {
  Verdict v;
  const Kind kind = kind_for(m, t.kind);
  const Group* g = m.group(kind);
  v.context = context_line(m.summarize(kind));
  if (g) {
    evaluate_stats(g->total, kind, t, source, "", v);
    if (t.window) evaluate_windows(*g, t, source, v);
    for (const auto& [key, sub] : t.targets) {
      const Stats* st = find_target(*g, key);
      const std::string src = (source.empty() ? "" : source + ".") + "targets." + key;
      if (!st) {
        v.checks.push_back(
            make(key + " requests", 0, 1, Check::Op::kAtLeast, Check::Unit::kCount, src + " (no such target)"));
        continue;
      }
      evaluate_stats(*st, kind, sub, src, key + " ", v);
    }
  }
  evaluate_resources(m, t, source, v);
  check_measured(m, kind, v);
  for (const auto& [name, sub] : t.kinds) {
    Verdict k = evaluate(m, sub, source.empty() ? "" : source + ".kinds." + name);
    for (Check& c : k.checks) {
      if (c.source == "the service answered") continue;  // the primary kind's check says it
      c.name = name + " " + c.name;
      v.checks.push_back(std::move(c));
    }
  }
  return v;
}

Verdict evaluate(const Metrics& m, const Scenario& sc) {
  Verdict v = evaluate(m, sc.thresholds, sc.file + ": " + sc.path("thresholds"));
  if (!sc.reference) return v;
  const Summary s = m.summarize(kind_for(m, sc.thresholds.kind));
  for (auto& [name, tolerance] : sc.tolerance) {
    const double ref = sc.reference->figures.at(name);
    const bool up = higher_is_better(name);
    const Check::Unit unit = figure_unit(name);
    const double limit = up ? ref * (1 - tolerance) : ref * (1 + tolerance);
    const std::string source = sc.file + ": " + sc.path("reference." + name) + " " + format_value(ref, unit) + " " +
                               (up ? "-" : "+") + format_number("%.0f%%", tolerance * 100) +
                               (sc.reference->recorded_at.empty() ? "" : ", recorded " + sc.reference->recorded_at);
    // Before the "measured something" checks, after the thresholds.
    auto pos =
        std::find_if(v.checks.begin(), v.checks.end(), [](const Check& c) { return c.source == "measured something"; });
    v.checks.insert(pos, make(name + " regression", figure(s, name), limit,
                              up ? Check::Op::kAtLeast : Check::Op::kAtMost, unit, source));
  }
  return v;
}

double figure(const Summary& s, const std::string& name) {
  if (name == "p50") return static_cast<double>(s.latency.p50);
  if (name == "p90") return static_cast<double>(s.latency.p90);
  if (name == "p95") return static_cast<double>(s.latency.p95);
  if (name == "p99") return static_cast<double>(s.latency.p99);
  if (name == "p99.9") return static_cast<double>(s.latency.p999);
  if (name == "max") return static_cast<double>(s.latency.max);
  if (name == "mean") return static_cast<double>(s.latency.mean);
  if (name == "success") return s.success_ratio;
  if (name == "throughput") return s.throughput;
  if (name == "rate") return s.rate;
  if (name == "errors") return static_cast<double>(s.requests - s.success);
  return std::nan("");
}

std::map<std::string, double> reference_figures(const Summary& s) {
  std::map<std::string, double> out;
  for (const std::string& name : reference_figure_names()) out[name] = figure(s, name);
  return out;
}

const std::vector<std::string>& reference_figure_names() {
  static const std::vector<std::string> kNames = {"p50", "p90", "p95", "p99", "p99.9", "max", "success", "throughput"};
  return kNames;
}

bool higher_is_better(const std::string& name) { return name == "success" || name == "throughput" || name == "rate"; }

Check::Unit figure_unit(const std::string& name) {
  if (name == "success") return Check::Unit::kRatio;
  if (higher_is_better(name)) return Check::Unit::kPerSecond;
  if (name == "errors") return Check::Unit::kCount;
  return Check::Unit::kNanos;
}

std::string format_value(double v, Check::Unit unit) {
  switch (unit) {
    case Check::Unit::kNanos:
      return format_duration_short(Nanos(static_cast<int64_t>(v)), 2);
    case Check::Unit::kRatio:
      return format_number("%.2f%%", v * 100);
    case Check::Unit::kPerSecond:
      return format_number("%.2f/s", v);
    case Check::Unit::kCount:
      return format_number("%.0f", v);
  }
  return "";
}

std::string context_line(const Summary& s) {
  std::string top = "none";
  uint64_t most = 0;
  for (size_t i = 0; i < s.errors.size(); ++i)
    if (s.error_counts[i] > most) most = s.error_counts[i], top = s.errors[i] + " (x" + std::to_string(most) + ")";
  return std::to_string(s.requests) + " requests at " + format_number("%.2f", s.rate) + "/s, success " +
         format_number("%.2f%%", s.success_ratio * 100) + ", p50 " + format_duration_short(Nanos(s.latency.p50)) +
         ", p99 " + format_duration_short(Nanos(s.latency.p99)) + ", late " + std::to_string(s.late) +
         ", top error: " + top;
}

void append_history(const std::string& path, const std::string& scenario, const Summary& s, const Verdict& v) {
  nlohmann::ordered_json j;
  j["time"] = format_rfc3339(unix_now_ns());
  j["scenario"] = scenario;
  j["pass"] = v.pass();
  j["failures"] = v.failures();
  for (auto& [k, x] : reference_figures(s)) j["figures"][k] = x;
  j["figures"]["requests"] = s.requests;
  j["figures"]["late"] = s.late;
  for (const Check& c : v.checks)
    j["checks"].push_back({{"name", c.name}, {"measured", c.measured}, {"limit", c.limit}, {"pass", c.pass}});
  std::ofstream out(path, std::ios::app);
  if (!out) throw InputError(path, 0, "", "cannot append to history file");
  out << j.dump() << "\n";
}

}  // namespace loadgate
