// breakpoint.cc: exponential search, then bisection, for the highest rate that holds.
#include "loadgate/breakpoint.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <thread>

#include "format/number.h"
#include "loadgate/error.h"

namespace loadgate {
namespace {

std::string fixed(double v, const char* f = "%.1f") { return format::format_number(f, v); }

}  // namespace

BreakpointStep judge_step(double rate, const Metrics& m, const Objective& o) {
  BreakpointStep st;
  st.rate = rate;
  const Summary s = m.summarize();
  st.throughput = s.throughput;
  st.p99_ns = s.latency.p99;
  st.success = s.success_ratio;
  std::string why;
  if (s.requests == 0) {
    why = "nothing was measured";
    st.excess = 1e9;
  } else if (o.success && s.success_ratio < *o.success) {
    why = "success " + fixed(s.success_ratio * 100, "%.2f%%") + " < " + fixed(*o.success * 100, "%.2f%%");
    st.excess = *o.success < 1 ? (1 - s.success_ratio) / (1 - *o.success) : 1e9;  // failures over those allowed
  } else if (o.p99 && s.latency.p99 >= o.p99->count()) {
    why = "p99 " + format_duration_short(Nanos(s.latency.p99)) + " >= " + format_duration_short(*o.p99);
    st.excess = static_cast<double>(s.latency.p99) / static_cast<double>(o.p99->count());
  } else if (s.dropped > 0 || s.rate < rate * (1 - o.rate_tolerance)) {
    why = "sent " + fixed(s.rate) + "/s of " + fixed(rate) + "/s (" + std::to_string(s.dropped) + " dropped)";
    st.excess = s.rate > 0 ? rate * (1 - o.rate_tolerance) / s.rate : 1e9;
  }
  st.held = why.empty();
  st.why = why;
  return st;
}

bool capacity_holds(const Breakpoint& b, double min_capacity) { return b.capacity > 0 && b.capacity >= min_capacity; }

Breakpoint find_breakpoint(const StepRunner& run, const Objective& o, const SearchOptions& s) {
  if (s.start <= 0) throw InputError("", 0, "-start", "must be positive");
  if (s.max_rate < s.start) throw InputError("", 0, "-max-rate", "must be at least -start");
  if (s.growth <= 1) throw InputError("", 0, "-growth", "must be greater than 1");
  if (s.step.count() <= 0) throw InputError("", 0, "-step", "must be positive");
  if (s.precision <= 0) throw InputError("", 0, "-precision", "must be positive");
  if (s.settle.count() < 0) throw InputError("", 0, "-settle", "must not be negative");
  Breakpoint b;
  const bool planned = s.settle.count() > 0;
  const int64_t began = steady_now_ns();
  const Nanos cooldown = s.cooldown.count() > 0 ? s.cooldown : 2 * s.step;
  bool cool = false;  // the previous step broke: let the service drain first
  Nanos plan{0};      // planned: the next step's start, from the search's start
  int index = 0;
  // Time since the search started: the plan's, or the clock's.
  auto elapsed = [&] { return planned ? plan : Nanos(steady_now_ns() - began); };
  auto time_left = [&] {
    if (s.stop && s.stop->load()) return false;
    if (elapsed() + s.step + (cool ? cooldown : Nanos(0)) <= s.max_time) return true;
    b.timed_out = true;
    return false;
  };
  auto measure = [&](double rate, bool retry) {
    if (cool && planned) plan += cooldown;
    if (cool && !planned) std::this_thread::sleep_for(cooldown);
    BreakpointStep st = judge_step(rate, run(StepPlan{rate, s.step, index++, elapsed()}), o);
    if (planned) plan += s.step + s.settle;
    st.retry = retry;
    b.steps.push_back(st);
    if (s.on_step) s.on_step(st);
    cool = !st.held;
    return st;
  };
  // One step; a break is measured again before it counts, when there is time for it.
  auto step = [&](double rate) {
    BreakpointStep st = measure(rate, false);
    if (!st.held && s.confirm && st.excess < 2 && time_left()) st = measure(rate, true);
    return st;
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

}  // namespace loadgate
