// json_report.cc: Vegeta's JSON report schema, plus loadgate's extra keys.
#include <nlohmann/json.hpp>

#include "loadgate/interner.h"

#include "loadgate/figures.h"
#include "loadgate/report.h"

namespace loadgate {
namespace {

using ordered = nlohmann::ordered_json;

ordered latencies_json(const Latencies& l) {
  ordered j;
  j["total"] = l.total;
  j["mean"] = l.mean;
  j["50th"] = l.p50;
  j["90th"] = l.p90;
  j["95th"] = l.p95;
  j["99th"] = l.p99;
  j["max"] = l.max;
  j["min"] = l.min;
  j["99.9th"] = l.p999;
  return j;
}

ordered summary_object(const Summary& s) {
  ordered j;
  j["latencies"] = latencies_json(s.latency);
  j["bytes_in"] = {{"total", s.bytes_in}, {"mean", s.bytes_in_mean}};
  j["bytes_out"] = {{"total", s.bytes_out}, {"mean", s.bytes_out_mean}};
  j["earliest"] = format_rfc3339(s.earliest_ns);
  j["latest"] = format_rfc3339(s.latest_ns);
  j["end"] = format_rfc3339(s.end_ns);
  j["duration"] = s.duration.count();
  j["wait"] = s.wait.count();
  j["requests"] = s.requests;
  j["rate"] = s.rate;
  j["throughput"] = s.throughput;
  j["success"] = s.success_ratio;
  ordered codes = ordered::object();
  for (auto& [code, n] : s.status_codes) codes[code] = n;
  j["status_codes"] = codes;
  j["errors"] = s.errors;
  // loadgate's keys.
  j["uncorrected"] = latencies_json(s.uncorrected);
  j["send_delay"] = latencies_json(s.send_delay);
  if (s.first.max > 0) j["first"] = latencies_json(s.first);
  if (s.gap.max > 0) j["message_gap"] = latencies_json(s.gap);
  if (!s.phases.empty()) {  // HTTP: where the time went, a phase each, in the order they happen
    ordered phases = ordered::object();
    for (const std::string& name : phase_names()) phases[name] = latencies_json(s.phases.at(name));
    phases["connections_opened"] = s.connections_opened;
    j["phases"] = phases;
  }
  j["late"] = s.late;
  j["dropped"] = s.dropped;
  // 95 % intervals: {"value", "low", "high"}, or null when the data cannot bound the figure.
  ordered intervals = ordered::object();
  for (const Figure& f : all_figures()) {
    auto it = s.intervals.find(f.name);
    if (it == s.intervals.end()) continue;
    intervals[f.name] = it->second.known ? ordered{{"value", it->second.value}, {"low", it->second.low}, {"high", it->second.high}}
                                       : ordered(nullptr);
  }
  if (!intervals.empty()) j["intervals"] = intervals;
  j["messages"] = s.messages;
  if (s.messages_sent > 0) j["messages_sent"] = s.messages_sent;
  ordered counts = ordered::object();
  for (size_t i = 0; i < s.errors.size(); ++i) counts[s.errors[i]] = s.error_counts[i];
  j["error_counts"] = counts;
  return j;
}

ordered resources_json(const Resources& r) {
  ordered j = ordered::object();
  for (const std::string& role : r.roles()) {
    ordered samples = ordered::array();
    for (const Sample& s : r.series(role))
      samples.push_back({{"time", format_rfc3339(s.time_ns)},
                         {"cpu", s.cpu_percent},
                         {"rss", s.rss_bytes},
                         {"threads", s.threads},
                         {"fds", s.fds},
                         {"net_rx", s.net_rx_bytes},
                         {"net_tx", s.net_tx_bytes}});
    j[role] = {{"pid", r.series(role).empty() ? 0 : r.series(role).back().pid},
               {"cpu_mean", r.mean_cpu(role)},
               {"cpu_peak", r.peak_cpu(role)},
               {"rss_peak", r.peak_rss(role)},
               {"fds_peak", r.peak_fds(role)},
               {"samples", samples}};
  }
  return j;
}

}  // namespace

void write_json_report(std::ostream& out, const Metrics& m, const ReportOptions& o) {
  const Kind primary = m.primary();
  ordered j = summary_object(m.summarize(primary));
  j["kind"] = std::string(kind_name(primary));
  ordered kinds = ordered::object();
  for (int k = 0; k < kKindCount; ++k) {
    const Kind kind = static_cast<Kind>(k);
    if (kind != primary && m.group(kind)) kinds[std::string(kind_name(kind))] = summary_object(m.summarize(kind));
  }
  if (!kinds.empty()) j["kinds"] = kinds;
  if (o.by_target) {
    ordered targets = ordered::object();
    for (const TargetStats& t : targets_of(m)) targets[t.label] = summary_object(summarize(*t.stats, t.kind));
    j["targets"] = targets;
  }
  if (!o.protocols.empty()) j["protocols"] = o.protocols;
  if (!m.resources().empty()) j["resources"] = resources_json(m.resources());
  if (!m.slowest().empty()) {  // -trace: the slowest requests and the trace ids they carried
    ordered slowest = ordered::array();
    for (const Traced& t : m.slowest().sorted()) {
      const Result& r = t.result;
      ordered e = {{"trace_id", t.trace.hex()},
                   {"latency", r.latency_ns},
                   {"scheduled", format_rfc3339(r.scheduled_ns)},
                   {"status", status_label(r.kind, r.status)},
                   {"target", interned(r.target)},
                   {"error", interned(r.error)}};
      if (r.kind == Kind::kHttp) {
        const Phases p = phases_of(r, t.opened);
        e["phases"] = {{"connect", p.connect}, {"tls", p.tls}, {"sending", p.sending}, {"waiting", p.waiting},
                       {"receiving", p.receiving}};
      }
      slowest.push_back(e);
    }
    j["slowest"] = slowest;
  }
  if (const GeneratorStats& g = m.generator(); g.threads > 0) {
    const std::string warning = generator_warning(m);
    j["generator"] = {{"scheduled", g.scheduled},
                      {"late", g.late},
                      {"late_ratio", g.scheduled ? static_cast<double>(g.late) / static_cast<double>(g.scheduled) : 0.0},
                      {"stalled", g.stalled},
                      {"stalls", g.stalls},
                      {"stall_ns", g.stall_ns},
                      {"machine_stall_ns", g.machine_stall_ns},
                      {"threads", g.threads},
                      {"precision_ns", g.precision_ns},
                      {"wakes", g.wakes},
                      {"tick_reads", g.tick_reads},
                      {"cut", g.cut},
                      {"polled", g.polled_share()},
                      {"fell_behind", !warning.empty()},
                      {"warning", warning}};
  }
  if (!o.scenario.empty()) {
    j["scenario"] = o.scenario;
    j["tier"] = o.tier;
  }
  if (o.info) j["load"] = {{"rate", o.info->rate}, {"duration", format_duration(Nanos(o.info->duration_ns))}};
  if (o.verdict) {
    ordered checks = ordered::array();
    for (const Check& c : o.verdict->checks)
      checks.push_back({{"name", c.name},
                        {"pass", c.pass},
                        {"warned", c.warned},
                        {"measured", c.measured_text()},
                        {"limit", c.limit_text()},
                        {"source", c.source}});
    j["verdict"] = {{"pass", o.verdict->pass()}, {"failures", o.verdict->failures()}, {"checks", checks}};
  }
  if (!o.aborted.empty()) j["aborted"] = o.aborted;
  if (!o.fitted.empty()) j["fitted"] = o.fitted;
  if (!o.remeasured.empty()) j["remeasured"] = o.remeasured;
  if (o.service) {
    const ServiceStatus& sv = *o.service;
    j["service"] = {{"name", sv.name}, {"command", sv.command}, {"address", sv.address}, {"pid", sv.pid},
                    {"log", sv.log},   {"ended", sv.ended},     {"failure", sv.failure}, {"last_lines", sv.last_lines}};
  }
  out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

}  // namespace loadgate
