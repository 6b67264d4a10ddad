// html_report.cc: the self-contained HTML report and plot: tables, inline SVG charts, and a
// small script that reads values under the cursor and checks that every chart was drawn.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "format/html_page.h"
#include "format/number.h"
#include "format/svg_chart.h"
#include "loadgate/interner.h"
#include "loadgate/report.h"

namespace loadgate {
namespace {

using format::ChartOptions;
using format::ChartSeries;
using format::escape_html;
using format::html_page_end;
using format::html_page_start;
using format::html_row;

std::string ms(int64_t ns) { return format_duration_short(Nanos(ns)); }

std::string fixed(double v, const char* f = "%.2f") { return format::format_number(f, v); }

std::string latency_row(const std::string& name, const Latencies& l) {
  return html_row({name, ms(l.min), ms(l.mean), ms(l.p50), ms(l.p90), ms(l.p95), ms(l.p99), ms(l.p999), ms(l.max)});
}

// The percentiles of an HDR plot, on its 1/(1-p) axis.
std::vector<std::pair<double, double>> percentile_curve(const Histogram& h) {
  std::vector<std::pair<double, double>> out;
  if (h.count() == 0) return out;
  for (double p = 0; p < 99.9999; p = p < 90 ? p + 5 : 100 - (100 - p) * 0.7) {
    out.emplace_back(1 / (1 - p / 100), static_cast<double>(h.percentile(p)) / 1e6);
    if (static_cast<double>(h.count()) * (1 - p / 100) < 1) return out;  // past the last value
  }
  out.emplace_back(static_cast<double>(h.count()), static_cast<double>(h.max()) / 1e6);  // the last value
  return out;
}

std::vector<format::Tick> percentile_ticks() {
  return {{1, "0%"}, {2, "50%"}, {10, "90%"}, {100, "99%"}, {1000, "99.9%"}, {10000, "99.99%"}, {100000, "99.999%"}};
}

// The chart of latency by percentile for `count` values: the curve ends at the last value,
// labelled "max" where no percentile's label already stands.
ChartOptions percentile_chart(const std::string& title, uint64_t count = 0) {
  ChartOptions o;
  o.title = title;
  o.x_label = "percentile";
  o.y_label = "latency (ms)";
  o.log_x = true;
  o.x_ticks = percentile_ticks();
  if (count > 1) {
    const double last = static_cast<double>(count);
    bool near = false;
    for (const format::Tick& t : o.x_ticks) near = near || (t.value > last / 2 && t.value < last * 2);
    if (!near) o.x_ticks.push_back({last, "max"});
  }
  return o;
}

// Points (seconds since `origin`, value) of every window with at least `least` results.
template <class Fn>
std::vector<std::pair<double, double>> over_time(const Series& s, int64_t origin, Fn value, uint64_t least = 1) {
  std::vector<std::pair<double, double>> out;
  for (const Window& w : s.windows())
    if (w.requests >= least) out.emplace_back(static_cast<double>(w.start_ns - origin) / 1e9, value(w));
  return lttb(out, 1000);
}

std::string summary_table(const Summary& s, Kind kind) {
  std::string out = "<table>\n";
  out += html_row({"requests", std::to_string(s.requests)});
  out += html_row({"rate", fixed(s.rate) + "/s"});
  out += html_row({"throughput", fixed(s.throughput) + "/s"});
  out += html_row({"duration", format_duration(round_for_report(s.duration)) + " (+" +
                                   format_duration(round_for_report(s.wait)) + " wait)"});
  auto success = s.intervals.find("success");
  out += html_row({"success", fixed(s.success_ratio * 100) + "%" +
                                  (success != s.intervals.end() && success->second.known
                                       ? " [" + fixed(success->second.low * 100) + "%, " + fixed(success->second.high * 100) + "%]"
                                       : std::string())});
  out += html_row({"late / dropped", std::to_string(s.late) + " / " + std::to_string(s.dropped)});
  out += html_row({"bytes in / out", std::to_string(s.bytes_in) + " / " + std::to_string(s.bytes_out)});
  if (s.messages) out += html_row({"messages", std::to_string(s.messages)});
  out += "</table>\n<table>\n" + html_row({"latency", "min", "mean", "50", "90", "95", "99", "99.9", "max"}, "th");
  out += latency_row(kind == Kind::kWsClose ? "lifetime" : "corrected (from schedule)", s.latency);
  // The 95 % interval of each percentile of the corrected latency ("" where too few values).
  auto range = [&s](const char* name) -> std::string {
    auto it = s.intervals.find(name);
    if (it == s.intervals.end() || !it->second.known) return "";
    return "[" + ms(static_cast<int64_t>(it->second.low)) + ", " + ms(static_cast<int64_t>(it->second.high)) + "]";
  };
  if (kind != Kind::kWsClose)
    out += html_row({"95 % interval", "", "", range("p50"), range("p90"), range("p95"), range("p99"), range("p99.9"), ""});
  out += latency_row("uncorrected (from send)", s.uncorrected);
  if (s.first.max > 0) out += latency_row("first byte / message", s.first);
  if (s.gap.max > 0) out += latency_row("message gap", s.gap);
  return out + "</table>\n";
}

// Where HTTP requests' time went: the phases' means as one stacked bar (the means add up to the
// mean latency from the send), and each phase's percentiles.
std::string phases_section(const Summary& s) {
  if (s.phases.empty()) return "";
  static constexpr const char* kColours[] = {"#8c564b", "#9467bd", "#2ca02c", "#1f77b4", "#ff7f0e"};
  double total = 0;
  for (const std::string& name : phase_names()) total += static_cast<double>(s.phases.at(name).mean);
  std::string out = "<h2>Where the time went</h2>\n<svg class=\"phases\" width=\"720\" height=\"64\" role=\"img\" "
                    "aria-label=\"mean time per phase\">\n";
  double x = 0;
  size_t i = 0;
  for (const std::string& name : phase_names()) {
    const double w = total > 0 ? 720.0 * static_cast<double>(s.phases.at(name).mean) / total : 0;
    out += "<rect x=\"" + fixed(x, "%.1f") + "\" y=\"0\" width=\"" + fixed(w, "%.1f") + "\" height=\"28\" fill=\"" +
           kColours[i] + "\"><title>" + name + ": mean " + ms(s.phases.at(name).mean) + "</title></rect>\n";
    out += "<rect x=\"" + fixed(static_cast<double>(i) * 144, "%.0f") + "\" y=\"40\" width=\"10\" height=\"10\" fill=\"" +
           kColours[i] + "\"/><text x=\"" + fixed(static_cast<double>(i) * 144 + 14, "%.0f") + "\" y=\"50\" font-size=\"12\">" +
           name + " " + ms(s.phases.at(name).mean) + "</text>\n";
    x += w;
    ++i;
  }
  out += "</svg>\n<table>\n" + html_row({"phase", "min", "mean", "50", "90", "95", "99", "99.9", "max"}, "th");
  for (const std::string& name : phase_names()) out += latency_row(name, s.phases.at(name));
  return out + "</table>\n<p class=\"muted\">Means of each phase over every request, from its send: connect and tls "
               "count 0 on a reused connection (" + std::to_string(s.connections_opened) +
               " connections were opened for requests); waiting is to the first response byte, receiving from it "
               "to the last.</p>\n";
}

// -trace: the slowest requests with the trace ids they carried.
std::string slowest_section(const Slowest& slowest) {
  if (slowest.empty()) return "";
  std::string out = "<h2>Slowest requests</h2>\n<table>\n" +
                    html_row({"latency", "scheduled", "status", "trace id", "target", "phases"}, "th");
  for (const Traced& t : slowest.sorted()) {
    const Result& r = t.result;
    std::string phases;
    if (r.kind == Kind::kHttp) {
      const Phases p = phases_of(r, t.opened);
      phases = "connect " + ms(p.connect) + ", tls " + ms(p.tls) + ", sending " + ms(p.sending) + ", waiting " +
               ms(p.waiting) + ", receiving " + ms(p.receiving);
    }
    out += html_row({ms(r.latency_ns), format_rfc3339(r.scheduled_ns), escape_html(status_label(r.kind, r.status)),
                     "<code>" + t.trace.hex() + "</code>", escape_html(interned(r.target)), phases});
  }
  return out + "</table>\n<p class=\"muted\">Each request carried a W3C traceparent header with this trace id: "
               "paste it into the service's tracing UI.</p>\n";
}

std::string codes_and_errors(const Summary& s) {
  std::string out = "<table>\n" + html_row({"status", "count", "share"}, "th");
  for (auto& [code, n] : s.status_codes)
    out += html_row({escape_html(code), std::to_string(n),
                     fixed(s.requests ? 100.0 * static_cast<double>(n) / static_cast<double>(s.requests) : 0) + "%"});
  out += "</table>\n";
  if (!s.errors.empty()) {
    out += "<table>\n" + html_row({"error", "count"}, "th");
    for (size_t i = 0; i < s.errors.size(); ++i)
      out += html_row({escape_html(s.errors[i]), std::to_string(s.error_counts[i])});
    out += "</table>\n";
  }
  return out;
}

std::string verdict_section(const Verdict& v) {
  std::string out = "<h2>Gate verdict <span class=\"" + std::string(v.pass() ? "pass\">PASS" : "fail\">FAIL") +
                    "</span></h2>\n<table>\n" + html_row({"check", "measured", "limit", "source"}, "th");
  for (const Check& c : v.checks)
    out += html_row(
        {escape_html(c.name), escape_html(c.measured_text()), escape_html(c.limit_text()), escape_html(c.source)}, "td",
        !c.pass ? "fail" : c.warned ? "warn" : "");
  return out + "</table>\n";
}

std::string resources_section(const Resources& r) {
  if (r.empty()) return "";
  std::string out = "<h2>Resource usage</h2>\n<table>\n" +
                    html_row({"process", "pid", "cpu mean", "cpu peak", "rss peak", "fds peak"}, "th");
  std::vector<ChartSeries> cpu, rss;
  int64_t origin = INT64_MAX;
  for (const std::string& role : r.roles())
    if (!r.series(role).empty()) origin = std::min(origin, r.series(role).front().time_ns);
  for (const std::string& role : r.roles()) {
    const auto& pts = r.series(role);
    out += html_row({escape_html(role), std::to_string(pts.empty() ? 0 : pts.back().pid),
                     fixed(r.mean_cpu(role), "%.1f%%"), fixed(r.peak_cpu(role), "%.1f%%"),
                     fixed(static_cast<double>(r.peak_rss(role)) / 1048576.0, "%.1f MB"),
                     std::to_string(r.peak_fds(role))});
    ChartSeries c{role, {}, "", false}, m{role, {}, "", false};
    for (const Sample& s : pts) {
      const double t = static_cast<double>(s.time_ns - origin) / 1e9;
      c.points.emplace_back(t, s.cpu_percent);
      m.points.emplace_back(t, static_cast<double>(s.rss_bytes) / 1048576.0);
    }
    cpu.push_back(c);
    rss.push_back(m);
  }
  out += "</table>\n";
  ChartOptions o;
  o.x_label = "seconds";
  o.title = "CPU (% of one core)";
  o.y_label = "%";
  out += format::svg_line_chart(cpu, o);
  o.title = "Resident memory";
  o.y_label = "MB";
  out += format::svg_line_chart(rss, o);
  return out;
}

}  // namespace

std::vector<std::pair<double, double>> lttb(const std::vector<std::pair<double, double>>& data, size_t threshold) {
  if (threshold < 3 || data.size() <= threshold) return data;
  std::vector<std::pair<double, double>> out;
  out.reserve(threshold);
  out.push_back(data.front());
  const double every = static_cast<double>(data.size() - 2) / static_cast<double>(threshold - 2);
  size_t a = 0;
  for (size_t i = 0; i < threshold - 2; ++i) {
    // Average of the next bucket: the third point of the triangle.
    size_t avg_start = static_cast<size_t>(std::floor(static_cast<double>(i + 1) * every)) + 1;
    size_t avg_end = std::min(static_cast<size_t>(std::floor(static_cast<double>(i + 2) * every)) + 1, data.size());
    double ax = 0, ay = 0;
    for (size_t j = avg_start; j < avg_end; ++j) ax += data[j].first, ay += data[j].second;
    const double n = static_cast<double>(std::max<size_t>(1, avg_end - avg_start));
    ax /= n, ay /= n;
    // The point of this bucket that makes the largest triangle with the last kept point.
    const size_t start = static_cast<size_t>(std::floor(static_cast<double>(i) * every)) + 1;
    const size_t end = static_cast<size_t>(std::floor(static_cast<double>(i + 1) * every)) + 1;
    double best = -1;
    size_t pick = start;
    for (size_t j = start; j < end && j < data.size(); ++j) {
      const double area = std::fabs((data[a].first - ax) * (data[j].second - data[a].second) -
                                    (data[a].first - data[j].first) * (ay - data[a].second));
      if (area > best) best = area, pick = j;
    }
    out.push_back(data[pick]);
    a = pick;
  }
  out.push_back(data.back());
  return out;
}

namespace {

// The service process the run loaded: its command, output file and how it ended.
std::string service_section(const ServiceStatus& sv) {
  std::string out = "<h2>Service " + escape_html(sv.name) + "</h2>\n<table>\n";
  auto row = [&](const std::string& k, const std::string& v) {
    out += "<tr><th>" + k + "</th><td>" + escape_html(v) + "</td></tr>\n";
  };
  row("command", sv.command);
  row("pid", std::to_string(sv.pid));
  row("address", sv.address);
  row("output", sv.log);
  row("ended", sv.ended.empty() ? "running" : sv.ended);
  out += "</table>\n";
  if (!sv.failure.empty()) {
    out += "<p><span class=\"fail\">failed</span> " + escape_html(sv.failure) + "</p>\n<pre>";
    for (const std::string& l : sv.last_lines) out += escape_html(l) + "\n";
    out += "</pre>\n";
  }
  return out;
}

}  // namespace

void write_html_report(std::ostream& out, const Metrics& m, const ReportOptions& o) {
  const Kind primary = m.primary();
  const Group* g = m.group(primary);
  const Summary s = m.summarize(primary);
  std::string html = html_page_start(o.title);
  html += "<p class=\"muted\">" + std::string(kind_name(primary)) + " results from " + format_rfc3339(s.earliest_ns) +
          " to " + format_rfc3339(s.end_ns) + "</p>\n";
  if (const std::string w = generator_warning(m); !w.empty())
    html += "<p><span class=\"fail\">warning</span> " + escape_html(w) + "</p>\n";
  if (const std::string n = stall_note(m); !n.empty()) html += "<p class=\"muted\">note: " + escape_html(n) + "</p>\n";
  if (o.info && (!o.info->rate.empty() || !o.info->plan.empty()))
    html += "<p class=\"muted\">plan: " + escape_html(plan_text(*o.info)) + "</p>\n";
  if (o.verdict) html += verdict_section(*o.verdict);
  if (!o.aborted.empty()) html += "<p><span class=\"fail\">aborted</span> " + escape_html(o.aborted) + "</p>\n";
  if (!o.fitted.empty()) html += "<p class=\"muted\">fitted: " + escape_html(o.fitted) + "</p>\n";
  if (!o.remeasured.empty()) html += "<p class=\"muted\">" + escape_html(o.remeasured) + "</p>\n";
  if (o.service) html += service_section(*o.service);
  html += "<h2>Summary</h2>\n" + summary_table(s, primary);
  if (g) {
    html += format::svg_line_chart({{"corrected", percentile_curve(g->total.latency), "", false},
                                    {"uncorrected", percentile_curve(g->total.uncorrected), "", true}},
                                   percentile_chart("Latency by percentile", g->total.latency.count()));
    html += "<p class=\"muted\">Corrected latency counts from when each request was due by the schedule, so "
            "the wait of a request the generator could not send on time (a stalled service holds every "
            "connection) is in it; uncorrected counts from when it was actually sent, as a closed-model tool "
            "would, and hides that wait (coordinated omission). Gates use the corrected figures.</p>\n";
    html += phases_section(s);
    html += slowest_section(m.slowest());
    const int64_t origin = g->series.windows().empty() ? 0 : g->series.windows().front().start_ns;
    ChartOptions t;
    t.x_label = "seconds";
    t.title = "Latency over time (per " + format_duration(g->series.width()) + ")";
    t.y_label = "latency (ms)";
    html += format::svg_line_chart(
        {{"p50",
          over_time(g->series, origin,
                    [](const Window& w) { return static_cast<double>(w.latency.percentile(50)) / 1e6; }),
          "#1f77b4", false},
         // The p99 of fewer than 100 values is their max: drawn only where it is a p99.
         {"p99 (windows of 100+)",
          over_time(
              g->series, origin, [](const Window& w) { return static_cast<double>(w.latency.percentile(99)) / 1e6; },
              100),
          "#d62728", false},
         {"max",
          over_time(g->series, origin, [](const Window& w) { return static_cast<double>(w.latency.max()) / 1e6; }),
          "#7f7f7f", true}},
        t);
    // Per second of each window the run covered: the first and the last window are partial (the
    // run starts and ends within them), and a whole window's width would draw a ramp that is not there.
    const int64_t width_ns = g->series.width().count();
    const auto covered_s = [&](const Window& w) {
      const int64_t from = std::max(w.start_ns, s.earliest_ns), to = std::min(w.start_ns + width_ns, s.end_ns);
      return static_cast<double>(std::max<int64_t>(to - from, width_ns / 10)) / 1e9;
    };
    t.title = "Throughput and errors over time";
    t.y_label = "per second";
    html += format::svg_line_chart(
        {{"successes/s",
          over_time(g->series, origin, [&](const Window& w) { return static_cast<double>(w.success) / covered_s(w); }),
          "#2ca02c", false},
         {"errors/s",
          over_time(g->series, origin,
                    [&](const Window& w) { return static_cast<double>(w.requests - w.success) / covered_s(w); }),
          "#d62728", false}},
        t);
    html += "<h2>Status codes and errors</h2>\n" + codes_and_errors(s);
  }
  for (int k = 0; k < kKindCount; ++k) {
    const Kind kind = static_cast<Kind>(k);
    if (kind == primary || !m.group(kind)) continue;
    const Summary ks = m.summarize(kind);
    html += "<h2>" + std::string(kind_name(kind)) + "</h2>\n" + summary_table(ks, kind) + codes_and_errors(ks);
  }
  const auto targets = targets_of(m);
  if (!targets.empty()) {
    html +=
        "<h2>By target</h2>\n<table>\n" + html_row({"target", "requests", "success", "p50", "p90", "p99", "max"}, "th");
    for (const TargetStats& t : targets) {
      const Summary ts = summarize(*t.stats, t.kind);
      html += html_row({escape_html(t.label), std::to_string(ts.requests), fixed(ts.success_ratio * 100) + "%",
                        ms(ts.latency.p50), ms(ts.latency.p90), ms(ts.latency.p99), ms(ts.latency.max)});
    }
    html += "</table>\n";
  }
  html += resources_section(m.resources());
  out << html << html_page_end();
}

void write_html_plot(std::ostream& out, const std::vector<std::pair<std::string, const Metrics*>>& runs,
                     const std::string& title) {
  std::vector<ChartSeries> p99_time, p50_time, curves, rate;
  std::string table = "<table>\n" + html_row({"run", "requests", "rate", "success", "p50", "p99", "max"}, "th");
  for (size_t i = 0; i < runs.size(); ++i) {
    const auto& [name, m] = runs[i];
    const Group* g = m->group(m->primary());
    if (!g) continue;
    const Summary s = summarize(g->total, m->primary());
    table += html_row({escape_html(name), std::to_string(s.requests), fixed(s.rate) + "/s",
                       fixed(s.success_ratio * 100) + "%", ms(s.latency.p50), ms(s.latency.p99), ms(s.latency.max)});
    const int64_t origin = g->series.windows().empty() ? 0 : g->series.windows().front().start_ns;
    const std::string color = format::palette(i);
    p99_time.push_back({name + " p99",
                        over_time(g->series, origin,
                                  [](const Window& w) { return static_cast<double>(w.latency.percentile(99)) / 1e6; }),
                        color, false});
    p99_time.push_back({name + " p50",
                        over_time(g->series, origin,
                                  [](const Window& w) { return static_cast<double>(w.latency.percentile(50)) / 1e6; }),
                        color, true});
    curves.push_back({name, percentile_curve(g->total.latency), color, false});
    const double width_s = static_cast<double>(g->series.width().count()) / 1e9;
    rate.push_back(
        {name, over_time(g->series, origin, [&](const Window& w) { return static_cast<double>(w.requests) / width_s; }),
         color, false});
  }
  std::string html = html_page_start(title);
  html += table + "</table>\n";
  ChartOptions t;
  t.x_label = "seconds since each run's start";
  t.title = "Latency over time (p99 solid, p50 dashed)";
  t.y_label = "latency (ms)";
  t.height = 360;
  html += format::svg_line_chart(p99_time, t);
  html += format::svg_line_chart(curves, percentile_chart("Latency by percentile"));
  t.title = "Requests per second";
  t.y_label = "per second";
  t.height = 280;
  html += format::svg_line_chart(rate, t);
  out << html << html_page_end();
}

}  // namespace loadgate
