// breakpoint_report.cc: a capacity search as a table and as an HTML page of rate against p99,
// success and throughput.
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "format/html_page.h"
#include "format/number.h"
#include "format/svg_chart.h"
#include "format/tabwriter.h"
#include "loadgate/report.h"

namespace loadgate {
namespace {

std::string fixed(double v, const char* f = "%.1f") { return format::format_number(f, v); }

}  // namespace

std::string breakpoint_text(const Breakpoint& b) {
  format::Tabwriter tw;
  tw.row({"step", "rate", "throughput", "p99", "success", "verdict"});
  for (size_t i = 0; i < b.steps.size(); ++i) {
    const BreakpointStep& st = b.steps[i];
    tw.row({std::to_string(i + 1), fixed(st.rate) + "/s", fixed(st.throughput) + "/s",
            format_duration_short(Nanos(st.p99_ns)), fixed(st.success * 100, "%.2f%%"),
            std::string(st.held ? "held" : "broke: " + st.why) +
                (st.retry ? (st.held ? " (re-measured: the break did not repeat)" : " (re-measured: confirmed)") : "")});
  }
  std::ostringstream out;
  tw.flush(out);
  out << "\ncapacity: " << fixed(b.capacity) << "/s";
  if (b.reached_max)
    out << " (the maximum rate held: the capacity is at least this)";
  else if (b.broke_at > 0)
    out << "; broke at " << fixed(b.broke_at) << "/s: " << b.why;
  if (b.timed_out) out << " (search stopped by -max-time)";
  out << "\n";
  return out.str();
}

void write_breakpoint_html(std::ostream& out, const Breakpoint& b, const std::string& title) {
  std::vector<BreakpointStep> steps = b.steps;
  std::sort(steps.begin(), steps.end(), [](auto& x, auto& y) { return x.rate < y.rate; });
  format::ChartSeries p99{"p99", {}, "", false}, success{"success %", {}, "#2ca02c", false},
      through{"throughput/s", {}, "#1f77b4", false}, ideal{"requested/s", {}, "#999", true};
  for (const auto& st : steps) {
    p99.points.emplace_back(st.rate, static_cast<double>(st.p99_ns) / 1e6);
    success.points.emplace_back(st.rate, st.success * 100);
    through.points.emplace_back(st.rate, st.throughput);
    ideal.points.emplace_back(st.rate, st.rate);
  }
  format::ChartOptions o;
  o.x_label = "requested rate (per second)";
  o.title = "p99 by rate";
  o.y_label = "p99 (ms)";
  o.log_y = true;
  std::string html = format::html_page_start(title) + "<pre>" + format::escape_html(breakpoint_text(b)) + "</pre>\n";
  html += format::svg_line_chart({p99}, o);
  o.title = "Throughput by rate";
  o.y_label = "per second";
  o.log_y = false;
  html += format::svg_line_chart({through, ideal}, o);
  o.title = "Success by rate";
  o.y_label = "%";
  html += format::svg_line_chart({success}, o);
  out << html << format::html_page_end();
}

std::string breakpoint_verdict_text(const Breakpoint& b, const BreakpointVerdict& v) {
  char verdict[160];
  std::snprintf(verdict, sizeof verdict, "Verdict: %s (capacity %.1f/s; at least %.1f/s expected)\n",
                capacity_holds(b, v.min_capacity) ? "PASS" : "FAIL", b.capacity, v.min_capacity);
  std::ostringstream out;
  out << "Scenario " << v.scenario << " (breakpoint search, " << v.start << ".." << v.max_rate << "/s)\n\n"
      << breakpoint_text(b) << "\n"
      << verdict;
  return out.str();
}

void write_breakpoint_json(std::ostream& out, const Breakpoint& b, const BreakpointVerdict& v) {
  nlohmann::ordered_json j;
  j["scenario"] = v.scenario;
  j["pass"] = capacity_holds(b, v.min_capacity);
  j["min_capacity"] = v.min_capacity;
  j["capacity"] = b.capacity;
  j["broke_at"] = b.broke_at;
  j["why"] = b.why;
  j["reached_max"] = b.reached_max;
  j["timed_out"] = b.timed_out;
  for (const BreakpointStep& st : b.steps)
    j["steps"].push_back({{"rate", st.rate},
                          {"throughput", st.throughput},
                          {"p99", st.p99_ns},
                          {"success", st.success},
                          {"held", st.held},
                          {"retry", st.retry},
                          {"why", st.why}});
  if (v.service)
    j["service"] = {{"command", v.service->command}, {"ended", v.service->ended}, {"failure", v.service->failure}};
  out << j.dump(2) << "\n";
}

}  // namespace loadgate
