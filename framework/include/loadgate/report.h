// report.h (report layer): reporters over Metrics, in Vegeta's formats (text, json, hist, hdrplot).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "loadgate/attack.h"
#include "loadgate/breakpoint.h"
#include <map>

#include "loadgate/duration.h"
#include "loadgate/gate.h"
#include "loadgate/metrics.h"
#include "loadgate/process.h"

namespace loadgate {

/// ReportOptions select optional sections and carry what is known about the run beside its
/// results: every reporter shows the same run header and verdict.
struct ReportOptions {
  bool by_target = false;                 ///< a section per target (report -by=target)
  std::string title = "loadgate report";  ///< HTML: the page's title
  const AttackInfo* info = nullptr;       ///< the attack (name, rate, duration), when known
  std::string scenario;                   ///< "api.heavy", when the run was a scenario's
  std::string tier;                       ///< the scenario's tier
  const Verdict* verdict = nullptr;       ///< the gate's verdict, when the run was judged
  std::string aborted;                    ///< why the run was stopped early, if it was
  /// How the run's load was fitted to the machine, when it was ("0.30 of the baseline's
  /// message rate: ..."); "" when it ran as written.
  std::string fitted;
  /// Why the run was measured again, when it was ("re-measured once: the first run's generator
  /// fell behind: ..."); "" when it was measured once.
  std::string remeasured;
  const ServiceStatus* service = nullptr;  ///< the service process the run loaded, when it had one
  /// The wire protocol of each target by label ("HTTP/2.0"), from the results header.
  std::map<std::string, std::string> protocols;
};

/// Writes Vegeta's text report of the primary kind, plus loadgate's extra lines
/// (uncorrected latencies, p99.9, late and dropped hits), a section per other kind, per target
/// when asked, and resource usage when sampled. With a scenario: a first line naming it, its
/// tier, rate and duration; with a verdict: the checks at the end.
void write_text_report(std::ostream& out, const Metrics& m, const ReportOptions& o = {});

/// The plan a results header says was asked for: "attack NAME: rate=50/1s duration=10s" (the
/// whole plan of a sharded attack when the header has it). Reports show it beside the figures.
std::string plan_text(const AttackInfo& info);

/// Writes Vegeta's JSON report (same keys, latencies in ns) plus loadgate's extra keys:
/// latencies."99.9th", "uncorrected", "send_delay", "first", "late", "dropped", "kinds",
/// "targets" (when asked), "resources" (when sampled); "scenario", "tier", "load", "verdict"
/// and "aborted" when known.
void write_json_report(std::ostream& out, const Metrics& m, const ReportOptions& o = {});

/// Writes the run in Google Benchmark's JSON schema (a "context", then "benchmarks"): entries
/// "<scenario>/p50", "/p90", "/p99", "/mean" with that latency as real_time in us, and
/// "<scenario>" with user counters throughput, success, requests, rate, p50_us and p99_us, for
/// github-action-benchmark ("googlecpp") and Google Benchmark's compare.py.
void write_gbench_report(std::ostream& out, const Metrics& m, const ReportOptions& o = {});

/// Writes one self-contained HTML page (inline SVG charts and a small script; no network):
/// summary, latency percentile curve, latency and throughput over time, status codes, errors,
/// other kinds, per-target table, resource usage, and the gate verdict when given.
void write_html_report(std::ostream& out, const Metrics& m, const ReportOptions& o = {});

/// Writes a self-contained HTML plot of several runs as several series (loadgate plot):
/// latency over time, latency percentile curves, throughput over time.
void write_html_plot(std::ostream& out, const std::vector<std::pair<std::string, const Metrics*>>& runs,
                     const std::string& title = "loadgate plot");

/// Largest-Triangle-Three-Buckets downsampling of (x, y) points to at most `threshold` points,
/// keeping the first and last (as Vegeta's plot does).
std::vector<std::pair<double, double>> lttb(const std::vector<std::pair<double, double>>& points, size_t threshold);

/// A target's stats and the kind its results have.
struct TargetStats {
  std::string label;
  const Stats* stats = nullptr;
  Kind kind = Kind::kHttp;
};

/// The targets of the primary kind with their stats, most requests first, then those of the
/// other kinds whose labels differ (a journey's gRPC and WebSocket steps; not the journey
/// itself, which has its own section).
std::vector<TargetStats> targets_of(const Metrics& m);

/// Writes a summary in ghz's layout (count, total, slowest, fastest, average, requests/sec,
/// response time histogram, latency distribution, status codes and errors by name).
void write_ghz_summary(std::ostream& out, const Metrics& m);

/// Writes Vegeta's "Value(ms) Percentile TotalCount 1/(1-Percentile)" table.
void write_hdrplot_report(std::ostream& out, const Metrics& m);

/// HistBuckets counts latencies into user-given buckets exactly (Vegeta's hist[...] report).
class HistBuckets {
 public:
  /// Parses "hist[0,1ms,10ms,100ms]" or "[0,1ms,...]". Throws InputError on bad syntax,
  /// bad durations, or edges that are not increasing.
  explicit HistBuckets(const std::string& spec);
  /// Counts one result's corrected latency (dropped hits are not counted).
  void add(const Result& r);
  /// Writes the table.
  void write(std::ostream& out) const;

 private:
  std::vector<Nanos> edges_;
  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
};

/// The search as text: one line per step, then the verdict.
std::string breakpoint_text(const Breakpoint& b);

/// The search as a self-contained HTML page: rate against p99, success and throughput.
void write_breakpoint_html(std::ostream& out, const Breakpoint& b, const std::string& title);

/// BreakpointVerdict is what a breakpoint scenario's reports say besides the search itself.
struct BreakpointVerdict {
  std::string scenario;     ///< "api.breakpoint"
  double start = 0;         ///< the search's first rate (per second)
  double max_rate = 0;      ///< its highest (per second)
  double min_capacity = 0;  ///< the capacity expected at least (per second)
  std::optional<ServiceStatus> service;  ///< how the service under test ended, when loadgate started it
};

/// The search as text, then "Verdict: PASS|FAIL (capacity X/s; at least Y/s expected)".
std::string breakpoint_verdict_text(const Breakpoint& b, const BreakpointVerdict& v);

/// The search and its verdict as JSON: scenario, pass, min_capacity, capacity, broke_at, why,
/// reached_max, timed_out, steps [{rate, throughput, p99 (ns), success, held, retry, why}], service.
void write_breakpoint_json(std::ostream& out, const Breakpoint& b, const BreakpointVerdict& v);

/// Rounds like Vegeta's text report: to the unit two below the value's own (1.257ms, 3.5s).
Nanos round_for_report(Nanos d);

}  // namespace loadgate
