// breakpoint.h (gate layer): capacity search. Raise a constant rate step by step (times `growth`) until an
// objective breaks, then bisect between the last rate that held and the first that broke; the
// capacity is the highest rate that met the objective. Always bounded by a maximum rate and a
// maximum time.
//
//   loadgate::Objective obj;  obj.p99 = 500ms;  obj.success = 0.99;
//   loadgate::SearchOptions search;  search.start = 50;  search.max_rate = 5000;
//   auto b = loadgate::find_breakpoint([&](double rate, Nanos d) { ...attack at rate for d... }, obj, search);
//   b.capacity;   // req/s
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "loadgate/duration.h"
#include "loadgate/metrics.h"

namespace loadgate {

/// Objective is what a rate must meet to count as held.
struct Objective {
  std::optional<Nanos> p99;       ///< corrected p99 strictly below
  std::optional<double> success;  ///< success ratio at least (0..1)
  double rate_tolerance = 0.05;   ///< requests sent at least rate x (1 - tolerance), none dropped:
                                  ///< the generator kept up (a slow service shows in p99 and success)
};

struct BreakpointStep;

/// SearchOptions bound and shape the search.
struct SearchOptions {
  double start = 10;                         ///< first rate (per second), > 0
  double max_rate = 10000;                   ///< never attack faster
  double growth = 2;                         ///< factor between rising steps, > 1
  Nanos step = std::chrono::seconds(5);      ///< duration of each step
  Nanos max_time = std::chrono::minutes(5);  ///< no step starts after this much time
  double precision = 0.05;                   ///< stop bisecting when broken / held < 1 + this
  /// Pause after a step that broke, so that the service drains its backlog before the next
  /// step (otherwise a good rate is measured on a still-overloaded service). 0 = twice `step`.
  Nanos cooldown{0};
  /// Measure a rate that broke narrowly (less than twice past the objective) once more, after
  /// the cooldown, before trusting the break: one noisy p99 on a busy machine must not decide the
  /// capacity. A wide break is trusted at once, and no rate is re-measured twice, so the search
  /// stays bounded.
  bool confirm = true;
  /// > 0: the steps run on a plan, as the shards of one search must (breakpoint -shard): step
  /// k is asked to start (StepPlan::at) where step k-1 started plus its step, this `settle`
  /// (time to drain and to gather every shard's figures) and, after a break, the cooldown; the
  /// search does not sleep, the runner waits for `at`, and `max_time` is judged on the plan. So
  /// shards that judge the same merged figures take the same steps at the same times. 0: each
  /// step starts when the last ended (after the cooldown's sleep), `max_time` on the clock.
  Nanos settle{0};
  /// Optional: set to end the search before its next step (Ctrl-C).
  const std::atomic<bool>* stop = nullptr;
  /// Optional: told about each step as soon as it is judged (progress).
  std::function<void(const BreakpointStep&)> on_step;
};

/// One step of the search.
struct BreakpointStep {
  double rate = 0;        ///< requested, per second
  double throughput = 0;  ///< successful results per second
  int64_t p99_ns = 0;
  double success = 0;
  bool held = false;
  std::string why;    ///< why it broke ("" when held)
  double excess = 0;   ///< how far past the objective it broke: measured / limit (> 1), 0 when held
  bool retry = false;  ///< this step re-measured a rate that had just broken (SearchOptions::confirm)
};

/// Breakpoint is the outcome of a search.
struct Breakpoint {
  double capacity = 0;                ///< highest rate that held (0 if none did)
  double broke_at = 0;                ///< lowest rate that broke (0 if none did)
  std::string why;                    ///< why broke_at broke
  bool reached_max = false;           ///< max_rate held: the capacity is at least max_rate
  bool timed_out = false;             ///< max_time ended the search
  std::vector<BreakpointStep> steps;  ///< in the order they ran
};

/// StepPlan is one step the search asks for.
struct StepPlan {
  double rate = 0;     ///< per second
  Nanos duration{0};   ///< of the attack
  int index = 0;       ///< 0 for the first step, then in the order they run
  /// Planned start, from the search's start (SearchOptions::settle > 0); without a plan, the
  /// time since the search started (the step starts at once).
  Nanos at{0};
};

/// Runs one step: attack at plan.rate per second for plan.duration (from plan.at, when the
/// search runs on a plan) and return what was measured.
using StepRunner = std::function<Metrics(const StepPlan& plan)>;

/// Evaluates one step's metrics against the objective.
BreakpointStep judge_step(double rate, const Metrics& m, const Objective& o);

/// Searches for the capacity. Throws InputError for inconsistent options.
Breakpoint find_breakpoint(const StepRunner& run, const Objective& o, const SearchOptions& s);

/// The capacity verdict, the same for the CLI's -min-capacity, a breakpoint scenario and
/// PERF_EXPECT_CAPACITY_AT_LEAST: some rate held, and the capacity is at least `min_capacity`
/// per second.
bool capacity_holds(const Breakpoint& b, double min_capacity);

}  // namespace loadgate
