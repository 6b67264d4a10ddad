// cmd_breakpoint.cc: `loadgate breakpoint`: the highest constant rate at which HTTP targets
// still meet an objective (p99, success, keeping up), found by rising steps and bisection.
#include <cstdio>
#include <fstream>
#include <iostream>

#include "commands.h"
#include "flags.h"
#include "loadgate/breakpoint.h"
#include "loadgate/error.h"
#include "run_attack.h"
#include "signals.h"

namespace loadgate::cli {

int breakpoint(const BreakpointFlags& f) {
  AttackOptions load;
  HttpOptions http;
  std::vector<Target> targets;
  Objective objective;
  SearchOptions search;
  try {
    http_setup(f.http, load, http, targets);
    load.monitor = monitor_flags(f.http.monitor_pids);
    const Nanos p99 = duration_flag("p99", f.p99);
    if (p99.count() > 0) objective.p99 = p99;
    if (f.success < 0 || f.success > 1) throw InputError("", 0, "-success", "want a ratio 0..1");
    if (f.success > 0) objective.success = f.success;
    objective.rate_tolerance = f.rate_tolerance;
    search.start = f.start;
    search.max_rate = f.max_rate;
    search.growth = f.growth;
    search.step = duration_flag("step", f.step);
    search.max_time = duration_flag("max-time", f.max_time);
    search.precision = f.precision;
    search.cooldown = duration_flag("cooldown", f.cooldown);
  } catch (const InputError& e) {
    return fail("breakpoint", e.what(), kBadInput);
  }
  const std::atomic<bool>& stop = install_stop_signals();
  search.stop = &stop;
  if (!f.http.quiet)
    search.on_step = [](const BreakpointStep& st) {
      std::fprintf(stderr, "loadgate breakpoint: %.1f/s: %s\n", st.rate,
                   st.held ? "held" : ("broke: " + st.why).c_str());
    };
  Breakpoint b;
  try {
    b = find_breakpoint(
        [&](double rate, Nanos d) {
          AttackOptions o = load;
          o.rate.pacer = constant_pacer(rate);
          o.duration = d;
          o.max_requests = 0;
          o.stop = &stop;
          return attack_http(targets, http, o).metrics;
        },
        objective, search);
  } catch (const InputError& e) {
    return fail("breakpoint", e.what(), kBadInput);
  }
  std::cout << breakpoint_text(b);
  if (!f.output.empty()) {
    std::ofstream html(f.output);
    if (!html) return fail("breakpoint", f.output + ": cannot open output file", kFailure);
    write_breakpoint_html(html, b, "loadgate breakpoint: " + f.http.targets);
  }
  if (f.min_capacity > 0 && b.capacity < f.min_capacity) {
    std::fprintf(stderr, "loadgate breakpoint: capacity %.1f/s is below -min-capacity %.1f/s\n", b.capacity,
                 f.min_capacity);
    return kBreach;
  }
  return kOk;
}

}  // namespace loadgate::cli
