// text_report.cc: Vegeta's text report layout, plus loadgate's extra lines.
#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <set>

#include "format/number.h"
#include "format/tabwriter.h"
#include "loadgate/interner.h"
#include "loadgate/report.h"

namespace loadgate {
namespace {

using format::format_number;

std::string dur(int64_t ns) { return format_duration(round_for_report(Nanos(ns))); }

std::string latency_row(const Latencies& l) {
  return dur(l.min) + ", " + dur(l.mean) + ", " + dur(l.p50) + ", " + dur(l.p90) + ", " + dur(l.p95) + ", " +
         dur(l.p99) + ", " + dur(l.max);
}

// Connection ends: how many, how they closed, how long they lived.
void write_closes(std::ostream& out, const Summary& s) {
  format::Tabwriter tw;
  tw.row(
      {"Closes", "[total, normal, dropped]",
       std::to_string(s.requests) + ", " + std::to_string(s.success) + ", " + std::to_string(s.requests - s.success)});
  tw.row({"Lifetime", "[min, mean, 50, 90, 99, max]",
          dur(s.latency.min) + ", " + dur(s.latency.mean) + ", " + dur(s.latency.p50) + ", " + dur(s.latency.p90) +
              ", " + dur(s.latency.p99) + ", " + dur(s.latency.max)});
  std::string codes;
  for (auto& [code, n] : s.status_codes) codes += code + ":" + std::to_string(n) + "  ";
  tw.row({"Close Codes", "[code:count]", codes});
  tw.flush(out);
  out << "Error Set:\n";
  for (const std::string& e : s.errors) out << e << "\n";
}

// "4.10ms [3.90ms, 4.40ms]": a figure and its 95 % interval ("[too few values]" when the data
// cannot bound it).
std::string with_interval(const Summary& s, const std::string& name, const std::string& value,
                          std::string (*format)(double)) {
  auto it = s.intervals.find(name);
  if (it == s.intervals.end() || !it->second.known) return value + " [too few values]";
  return value + " [" + format(it->second.low) + ", " + format(it->second.high) + "]";
}

std::string dur_of(double ns) { return dur(static_cast<int64_t>(ns)); }
std::string percent_of(double r) { return format_number("%.2f%%", r * 100); }
std::string per_second_of(double v) { return format_number("%.2f", v); }

// Where HTTP requests' time went, a phase a line (a block of its own, aligned within itself).
void write_phases(std::ostream& out, const Summary& s) {
  if (s.phases.empty()) return;
  format::Tabwriter tw;
  tw.row({"Phases", "[mean, 50, 90, 99, max]", "(" + std::to_string(s.connections_opened) + " connections opened)"});
  for (const std::string& name : phase_names()) {
    const Latencies& l = s.phases.at(name);
    tw.row({"  " + name, dur(l.mean) + ", " + dur(l.p50) + ", " + dur(l.p90) + ", " + dur(l.p99) + ", " + dur(l.max)});
  }
  tw.flush(out);
}

void write_summary(std::ostream& out, const Summary& s, Kind kind) {
  if (kind == Kind::kWsClose) return write_closes(out, s);
  format::Tabwriter tw;
  tw.row(
      {"Requests", "[total, rate, throughput]",
       std::to_string(s.requests) + ", " + format_number("%.2f", s.rate) + ", " + format_number("%.2f", s.throughput)});
  tw.row({"Duration", "[total, attack, wait]",
          dur((s.duration + s.wait).count()) + ", " + dur(s.duration.count()) + ", " + dur(s.wait.count())});
  tw.row({"Latencies", "[min, mean, 50, 90, 95, 99, max]", latency_row(s.latency)});
  tw.row({"Uncorrected", "[min, mean, 50, 90, 95, 99, max]", latency_row(s.uncorrected)});
  tw.row({"Tail", "[99.9, 99.9 uncorrected]", dur(s.latency.p999) + ", " + dur(s.uncorrected.p999)});
  tw.row({"Late", "[late, dropped, max send delay]",
          std::to_string(s.late) + ", " + std::to_string(s.dropped) + ", " + dur(s.send_delay.max)});
  if (s.first.max > 0) tw.row({"First byte", "[min, mean, 50, 90, 95, 99, max]", latency_row(s.first)});
  if (kind == Kind::kGrpcStream || sends_stream(kind) || s.messages > 0) {
    const double secs = static_cast<double>((s.duration + s.wait).count()) / 1e9;
    tw.row(
        {"Messages", "[total, per call, per second]",
         std::to_string(s.messages) + ", " +
             format_number("%.2f", s.requests ? static_cast<double>(s.messages) / static_cast<double>(s.requests) : 0) +
             ", " + format_number("%.2f", secs > 0 ? static_cast<double>(s.messages) / secs : 0)});
    if (s.messages_sent > 0)
      tw.row({"Sent", "[messages, per call, per second]",
              std::to_string(s.messages_sent) + ", " +
                  format_number("%.2f", s.requests ? static_cast<double>(s.messages_sent) / static_cast<double>(s.requests) : 0) +
                  ", " + format_number("%.2f", secs > 0 ? static_cast<double>(s.messages_sent) / secs : 0)});
    if (s.gap.max > 0) tw.row({"Message gap", "[min, mean, 50, 90, 95, 99, max]", latency_row(s.gap)});
  }
  tw.row({"Bytes In", "[total, mean]", std::to_string(s.bytes_in) + ", " + format_number("%.2f", s.bytes_in_mean)});
  tw.row({"Bytes Out", "[total, mean]", std::to_string(s.bytes_out) + ", " + format_number("%.2f", s.bytes_out_mean)});
  tw.row({"Success", "[ratio]", format_number("%.2f%%", s.success_ratio * 100)});
  std::string codes;
  for (auto& [code, n] : s.status_codes) codes += code + ":" + std::to_string(n) + "  ";
  tw.row({"Status Codes", "[code:count]", codes});
  tw.flush(out);
  // A line of its own: Vegeta's lines above keep their alignment.
  out << "Intervals [95 %: 50, 99, success, throughput]  " << with_interval(s, "p50", dur(s.latency.p50), dur_of) << ", "
      << with_interval(s, "p99", dur(s.latency.p99), dur_of) << ", "
      << with_interval(s, "success", percent_of(s.success_ratio), percent_of) << ", "
      << with_interval(s, "throughput", per_second_of(s.throughput), per_second_of) << "\n";
  write_phases(out, s);
  out << "Error Set:\n";
  for (size_t i = 0; i < s.errors.size(); ++i) out << s.errors[i] << "\n";
}

}  // namespace

Nanos round_for_report(Nanos d) {
  static constexpr int64_t kUnits[] = {3'600'000'000'000, 60'000'000'000, 1'000'000'000, 1'000'000, 1'000, 1};
  const int64_t v = d.count();
  for (size_t i = 0; i + 1 < std::size(kUnits); ++i) {
    if (v >= kUnits[i]) {
      const int64_t unit = kUnits[i + 1];
      return Nanos((v + unit / 2) / unit * unit);
    }
  }
  return d;
}

namespace {

std::string bytes_text(double b) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (b >= 1024 && u < 4) b /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f%s" : "%.1f%s", b, units[u]);
  return buf;
}

void write_resources(std::ostream& out, const Resources& r) {
  format::Tabwriter tw;
  tw.row({"Resources", "[cpu mean, cpu peak, rss peak, threads, fds peak, net in/out per s]"});
  for (const std::string& role : r.roles()) {
    const auto& series = r.series(role);
    int threads = 0;
    double rx = 0, tx = 0;
    for (const Sample& s : series) {
      threads = std::max(threads, s.threads);
      rx += static_cast<double>(s.net_rx_bytes);
      tx += static_cast<double>(s.net_tx_bytes);
    }
    const double secs =
        series.size() > 1 ? static_cast<double>(series.back().time_ns - series.front().time_ns) / 1e9 : 1.0;
    tw.row({"  " + role + " (pid " + std::to_string(series.empty() ? 0 : series.back().pid) + ")",
            format_number("%.1f%%", r.mean_cpu(role)) + ", " + format_number("%.1f%%", r.peak_cpu(role)) + ", " +
                bytes_text(static_cast<double>(r.peak_rss(role))) + ", " + std::to_string(threads) + ", " +
                std::to_string(r.peak_fds(role)) + ", " + bytes_text(rx / std::max(1.0, secs)) + "/" +
                bytes_text(tx / std::max(1.0, secs))});
  }
  tw.flush(out);
}

}  // namespace

std::vector<TargetStats> targets_of(const Metrics& m) {
  std::vector<TargetStats> out;
  const Kind primary = m.primary();
  if (const Group* g = m.group(primary))
    for (auto& [id, stats] : g->targets) out.push_back({interned(id), stats.get(), primary});
  std::stable_sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.stats->requests > b.stats->requests; });
  for (int k = 0; k < kKindCount; ++k) {
    const Kind kind = static_cast<Kind>(k);
    const Group* g = m.group(kind);
    if (kind == primary || kind == Kind::kJourney || !g) continue;
    for (auto& [id, stats] : g->targets) {
      const std::string label = interned(id);
      if (std::none_of(out.begin(), out.end(), [&](const TargetStats& t) { return t.label == label; }))
        out.push_back({label, stats.get(), kind});
    }
  }
  return out;
}

std::string plan_text(const AttackInfo& info) {
  std::string out = info.name.empty() ? std::string() : "attack " + info.name + ": ";
  if (!info.plan.empty()) return out + info.plan;
  out += "rate=" + (info.rate.empty() || info.rate == "0" ? std::string("0 (closed model)") : info.rate);
  if (info.duration_ns > 0) out += " duration=" + format_duration(Nanos(info.duration_ns));
  return out;
}

namespace {

// -trace: the slowest requests with the trace ids they carried, for the service's tracing UI.
void write_slowest(std::ostream& out, const Slowest& slowest) {
  if (slowest.empty()) return;
  out << "\nSlowest requests [latency, scheduled, status, trace id, target; phases]\n";
  for (const Traced& t : slowest.sorted()) {
    const Result& r = t.result;
    out << "  " << dur(r.latency_ns) << "  " << format_rfc3339(r.scheduled_ns) << "  "
        << status_label(r.kind, r.status) << "  " << t.trace.hex() << "  " << interned(r.target);
    if (r.kind == Kind::kHttp) {
      const Phases p = phases_of(r, t.opened);
      out << "; connect " << dur(p.connect) << ", tls " << dur(p.tls) << ", sending " << dur(p.sending)
          << ", waiting " << dur(p.waiting) << ", receiving " << dur(p.receiving);
    }
    if (r.error) out << "; " << interned(r.error);
    out << "\n";
  }
}

}  // namespace

void write_text_report(std::ostream& out, const Metrics& m, const ReportOptions& o) {
  const Kind primary = m.primary();
  if (const std::string w = generator_warning(m); !w.empty()) out << "WARNING: " << w << "\n\n";
  if (const std::string n = stall_note(m); !n.empty()) out << "Note: " << n << "\n\n";
  if (const uint64_t cut = m.generator().cut; cut > 0)
    out << "Note: " << cut << " journey" << (cut == 1 ? " was" : "s were")
        << " cut when -duration ended (a think time or steps past its end are not waited for); the steps they "
           "did are counted, the journeys are neither successes nor failures\n\n";
  if (!o.scenario.empty()) {
    out << "Scenario " << o.scenario << " (" << o.tier;
    if (o.info) out << ", rate " << o.info->rate << ", duration " << format_duration(Nanos(o.info->duration_ns));
    if (!o.fitted.empty()) out << "; fitted: " << o.fitted;
    if (!o.remeasured.empty()) out << "; " << o.remeasured;
    out << ")\n\n";
  } else if (o.info && (!o.info->rate.empty() || !o.info->plan.empty())) {
    out << "Plan          " << plan_text(*o.info) << "\n";  // what was asked, beside what was measured
  }
  write_summary(out, m.summarize(primary), primary);
  if (!o.protocols.empty()) {
    std::set<std::string> distinct;
    for (const auto& [label, p] : o.protocols) distinct.insert(p);
    std::string list;
    for (const std::string& p : distinct) list += (list.empty() ? "" : ", ") + p;
    out << std::left << std::setw(14) << "Protocol" << std::setw(34) << "[protocol]" << list << "\n";
  }
  for (int k = 0; k < kKindCount; ++k) {
    const Kind kind = static_cast<Kind>(k);
    if (kind == primary || !m.group(kind)) continue;
    out << "\n[" << kind_name(kind) << "]\n";
    write_summary(out, m.summarize(kind), kind);
  }
  if (o.by_target)
    for (const TargetStats& t : targets_of(m)) {
      auto p = o.protocols.find(t.label);
      out << "\n[target " << t.label << (p == o.protocols.end() ? "" : " (" + p->second + ")") << "]\n";
      write_summary(out, summarize(*t.stats, t.kind), t.kind);
    }
  write_slowest(out, m.slowest());
  if (!m.resources().empty()) {
    out << "\n";
    write_resources(out, m.resources());
  }
  if (o.service) {
    const ServiceStatus& sv = *o.service;
    out << "\nService " << sv.name << ": " << sv.command << " (pid " << sv.pid << ", " << sv.address << ")\n"
        << "  output: " << sv.log << "\n"
        << "  ended:  " << (sv.ended.empty() ? "running" : sv.ended) << "\n";
    if (!sv.failure.empty()) {
      out << "  FAILED: " << sv.failure << "\n  last lines of its output:\n";
      for (const std::string& l : sv.last_lines) out << "    | " << l << "\n";
    }
  }
  if (!o.aborted.empty()) out << "\n" << o.aborted << "\n";
  if (o.verdict) out << "\nVerdict: " << (o.verdict->pass() ? "PASS" : "FAIL") << "\n" << o.verdict->table();
}

}  // namespace loadgate
