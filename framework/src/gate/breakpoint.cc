// breakpoint.cc: exponential search, then bisection, for the highest rate that holds.
#include "loadgate/breakpoint.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <thread>

#include "loadgate/error.h"
#include "loadgate/report.h"
#include "report/number.h"
#include "report/svg_chart.h"
#include "report/tabwriter.h"

namespace loadgate {
namespace {

std::string fixed(double v, const char* f = "%.1f") { return report::format_number(f, v); }

}  // namespace

BreakpointStep judge_step(double rate, const Metrics& m, const Objective& o) {
  BreakpointStep st;
  st.rate = rate;
  const Summary s = m.summarize();
  st.throughput = s.throughput;
  st.p99_ns = s.latency.p99;
  st.success = s.success_ratio;
  std::string why;
  if (s.requests == 0)
    why = "nothing was measured";
  else if (o.success && s.success_ratio < *o.success)
    why = "success " + fixed(s.success_ratio * 100, "%.2f%%") + " < " + fixed(*o.success * 100, "%.2f%%");
  else if (o.p99 && s.latency.p99 >= o.p99->count())
    why = "p99 " + format_duration_short(Nanos(s.latency.p99)) + " >= " + format_duration_short(*o.p99);
  else if (s.dropped > 0 || s.rate < rate * (1 - o.rate_tolerance))
    why = "sent " + fixed(s.rate) + "/s of " + fixed(rate) + "/s (" + std::to_string(s.dropped) + " dropped)";
  st.held = why.empty();
  st.why = why;
  return st;
}

Breakpoint find_breakpoint(const StepRunner& run, const Objective& o, const SearchOptions& s) {
  if (s.start <= 0) throw InputError("", 0, "-start", "must be positive");
  if (s.max_rate < s.start) throw InputError("", 0, "-max-rate", "must be at least -start");
  if (s.growth <= 1) throw InputError("", 0, "-growth", "must be greater than 1");
  if (s.step.count() <= 0) throw InputError("", 0, "-step", "must be positive");
  if (s.precision <= 0) throw InputError("", 0, "-precision", "must be positive");
  Breakpoint b;
  const int64_t deadline = steady_now_ns() + s.max_time.count();
  const Nanos cooldown = s.cooldown.count() > 0 ? s.cooldown : 2 * s.step;
  bool cool = false;  // the previous step broke: let the service drain first
  auto step = [&](double rate) {
    if (cool) std::this_thread::sleep_for(cooldown);
    BreakpointStep st = judge_step(rate, run(rate, s.step), o);
    b.steps.push_back(st);
    if (s.on_step) s.on_step(st);
    cool = !st.held;
    return st;
  };
  auto time_left = [&] {
    if (s.stop && s.stop->load()) return false;
    if (steady_now_ns() + s.step.count() + (cool ? cooldown.count() : 0) <= deadline) return true;
    b.timed_out = true;
    return false;
  };
  double held = 0, broke = 0;
  std::string why;
  // Rising: start, start x growth, ... capped at max_rate.
  for (double rate = s.start; time_left();) {
    const BreakpointStep st = step(rate);
    if (!st.held) {
      broke = rate;
      why = st.why;
      break;
    }
    held = rate;
    if (rate >= s.max_rate) {
      b.reached_max = true;
      break;
    }
    rate = std::min(rate * s.growth, s.max_rate);
  }
  // Refining: bisect between what held and what broke.
  while (broke > 0 && broke > held * (1 + s.precision) && time_left()) {
    const double mid = held > 0 ? (held + broke) / 2 : broke / s.growth;
    const BreakpointStep st = step(mid);
    if (st.held)
      held = mid;
    else
      broke = mid, why = st.why;
    if (held == 0 && broke < s.start * s.precision) break;  // nothing holds, not even a trickle
  }
  b.capacity = held;
  b.broke_at = broke;
  b.why = why;
  return b;
}

std::string breakpoint_text(const Breakpoint& b) {
  report::Tabwriter tw;
  tw.row({"step", "rate", "throughput", "p99", "success", "verdict"});
  for (size_t i = 0; i < b.steps.size(); ++i) {
    const BreakpointStep& st = b.steps[i];
    tw.row({std::to_string(i + 1), fixed(st.rate) + "/s", fixed(st.throughput) + "/s",
            format_duration_short(Nanos(st.p99_ns)), fixed(st.success * 100, "%.2f%%"),
            st.held ? "held" : "broke: " + st.why});
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
  report::ChartSeries p99{"p99", {}, "", false}, success{"success %", {}, "#2ca02c", false},
      through{"throughput/s", {}, "#1f77b4", false}, ideal{"requested/s", {}, "#999", true};
  for (const auto& st : steps) {
    p99.points.emplace_back(st.rate, static_cast<double>(st.p99_ns) / 1e6);
    success.points.emplace_back(st.rate, st.success * 100);
    through.points.emplace_back(st.rate, st.throughput);
    ideal.points.emplace_back(st.rate, st.rate);
  }
  report::ChartOptions o;
  o.x_label = "requested rate (per second)";
  o.title = "p99 by rate";
  o.y_label = "p99 (ms)";
  o.log_y = true;
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + report::escape_html(title) +
      "</title><style>body{font:14px sans-serif;margin:24px;max-width:1000px}pre{background:#f6f6f6;padding:8px}"
      "svg .grid{stroke:#eee}svg .frame{fill:none;stroke:#bbb}svg .tick{font-size:11px}svg .legend{font-size:12px}"
      "svg .title{font-size:13px;font-weight:600}</style></head>\n<body>\n<h1>" +
      report::escape_html(title) + "</h1>\n<pre>" + report::escape_html(breakpoint_text(b)) + "</pre>\n";
  html += report::svg_line_chart({p99}, o);
  o.title = "Throughput by rate";
  o.y_label = "per second";
  o.log_y = false;
  html += report::svg_line_chart({through, ideal}, o);
  o.title = "Success by rate";
  o.y_label = "%";
  html += report::svg_line_chart({success}, o);
  out << html << "</body></html>\n";
}

}  // namespace loadgate
