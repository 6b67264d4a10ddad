// prometheus.h (live layer): live figures of attacks for Prometheus, served while they run, judged verdicts as
// gauges, and an optional push to a Pushgateway at the end. prometheus-cpp keeps the figures
// and writes the text exposition format 0.0.4; the endpoint that serves it is loadgate's own
// (src/live/live_endpoint.h, one event loop): prometheus-cpp's civetweb gave each connection
// a thread, so a few hundred idle clients starved the scrapes.
//
//   loadgate::PrometheusExporter prom({"127.0.0.1:9464"});
//   loadgate::AttackOptions o = ...;
//   auto sink = prom.sink(o, nullptr);     // counts what the attack hands its results sink
//   o.sink = sink.get();  o.live = prom.live(o);
//   loadgate::attack_http(targets, {}, o);
//
// The figures come from the results the attack hands its sink, on the collector's thread, and
// from counters the launcher copies from its workers every 50 ms: the workers' hot path takes
// no lock and makes no allocation for them.
//
// Metrics (labels: attack, target, protocol, kind, status, shard):
//   loadgate_requests_total                      results, by status
//   loadgate_request_duration_seconds            histogram, corrected="true" (from the scheduled
//                                                time) and corrected="false" (from the send)
//   loadgate_late_hits_total, loadgate_dropped_hits_total
//   loadgate_in_flight, loadgate_workers         requests under way; workers open (connections
//                                                for HTTP/1.1 and WebSocket, streams for HTTP/2)
//   loadgate_target_rate, loadgate_achieved_rate hits per second due, and sent in the last second
//   loadgate_process_cpu_ratio, loadgate_process_rss_bytes   {role="generator"|"sut"|...}
//   loadgate_check_passed{scenario,check}, loadgate_verdict_passed{scenario}   once judged
// Latency buckets (seconds): 50 us .. 60 s, in 1-2.5-5 steps (kLatencyBuckets), fine enough to
// place a loopback p99 and a slow service's alike.
// A scrape that accepts OpenMetrics (Prometheus's does) gets it, with exemplars: a traced
// attack's (-trace) slow results stand for their buckets with their trace ids.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "loadgate/attack.h"
#include "loadgate/gate.h"

namespace loadgate {

/// Upper bounds of the latency histogram's buckets, in seconds.
extern const std::vector<double> kLatencyBuckets;

/// PrometheusOptions say where the figures go.
struct PrometheusOptions {
  std::string listen;      ///< "127.0.0.1:9464": serve /metrics there ("" = do not serve)
  std::string push;        ///< Pushgateway URL, "http://127.0.0.1:9091" ("" = do not push)
  std::string job = "loadgate";  ///< Pushgateway job name
  std::string shard;       ///< "i/n" for sharded attacks; "" otherwise
};

class PrometheusExporter;

/// The exporter `o` asks for, or null when it asks neither to serve nor to push. Throws as the
/// exporter's constructor does.
std::unique_ptr<PrometheusExporter> make_exporter(const PrometheusOptions& o);

/// PrometheusExporter holds every figure of the attacks of one process.
class PrometheusExporter {
 public:
  /// Starts serving when options.listen is set. Throws InputError (-prometheus-addr) when the
  /// address does not parse or cannot be bound, or when options.push is not an http URL.
  explicit PrometheusExporter(const PrometheusOptions& options);
  ~PrometheusExporter();
  PrometheusExporter(const PrometheusExporter&) = delete;
  PrometheusExporter& operator=(const PrometheusExporter&) = delete;

  /// A sink for one attack of `options` that counts what it gets, then forwards it to `next`
  /// (nullable). Lives as long as the attack.
  std::unique_ptr<ResultsSink> sink(const AttackOptions& options, ResultsSink* next);
  /// Counters for the launcher of an attack of `options` to update (AttackOptions::live), served
  /// as loadgate_in_flight, loadgate_workers and loadgate_target_rate. They live as long as the
  /// exporter.
  LiveCounters* live(const AttackOptions& options);
  /// Puts the exporter between an attack and its sink: `options.sink` becomes the counting sink
  /// (which forwards to the one it had), `options.live` its counters. Returns that sink, which must
  /// live as long as the attack.
  std::unique_ptr<ResultsSink> attach(AttackOptions& options);
  /// Publishes a judged run: one gauge per check, one for the verdict.
  void verdict(const std::string& scenario, const Verdict& v);
  /// Pushes every figure to the Pushgateway, if one was given: "" or why it failed.
  std::string push();
  /// The exposition text, as a scrape would get it (tests, and `-prometheus-addr` debugging).
  std::string text() const;
  /// The same figures in the OpenMetrics 1.0 text format (what a scrape that accepts it gets),
  /// with exemplars: each bucket of a corrected latency histogram carries the trace id of the
  /// last traced result (-trace) that fell in it, `# {trace_id="..."} seconds`.
  std::string openmetrics() const;

  struct State;  ///< (prometheus.cc)

 private:
  std::unique_ptr<State> s_;
};

}  // namespace loadgate
