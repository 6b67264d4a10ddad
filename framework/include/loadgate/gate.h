// gate.h (gate layer): the verdict of a run against thresholds: a pure function, shared by the gtest
// macros and `loadgate check`, so that the two never disagree.
//
//   loadgate::Verdict v = loadgate::evaluate(run.metrics, loadgate::find_scenario("api.heavy").criteria());
//   if (!v.pass()) std::cerr << v.table();
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "loadgate/figures.h"
#include "loadgate/metrics.h"
#include "loadgate/thresholds.h"

namespace loadgate {

/// Check is one line of a verdict: a measured figure against a limit.
struct Check {
  /// How measured compares to limit for the check to pass.
  enum class Op { kBelow, kAtLeast, kAtMost };
  std::string name;  ///< "p99", "success", "p99 regression", "p99 in window 30s..1m0s"
  double measured = 0;
  double limit = 0;
  Op op = Op::kBelow;
  Unit unit = Unit::kNanos;
  bool pass = false;
  std::string source;  ///< where the limit came from, e.g. "baselines/api.json: scenarios.heavy.thresholds.p99"
  /// Passed although measured is past the limit, for the reason in source (the generator checks
  /// of a run that cannot flatter the service: generator_checks()); shown as "warn".
  bool warned = false;
  /// "612.4ms", "99.50%", "95.2/s", "3".
  std::string measured_text() const;
  /// "< 500ms", ">= 99.00%", "<= 3".
  std::string limit_text() const;
  /// "FAIL p99  measured 612.4ms  limit < 500ms  (source)".
  std::string line() const;
  /// "ok", "warn" or "FAIL".
  const char* state() const { return !pass ? "FAIL" : warned ? "warn" : "ok"; }
};

/// Verdict is every check of a run and one line of context.
struct Verdict {
  std::vector<Check> checks;
  std::string context;  ///< requests, rate, success, p50/p99, top error
  bool pass() const;
  size_t failures() const;
  /// One aligned line per check, then the context line.
  std::string table() const;
};

/// Checks that hold for every gated run: something was measured, and the service answered at
/// least once. Without them an unreachable service would pass every latency threshold.
void check_measured(const Metrics& m, Kind kind, Verdict& v);

/// The check "latency percentile `percentile` (0..100) of the primary kind below `limit`",
/// named "p97" (or "max" for 100); `source` says where the limit came from.
Check latency_check(const Metrics& m, double percentile, Nanos limit, const std::string& source = "");

/// A failed check that is no threshold: something happened to the run (its service ended, it
/// was cut short). Measured 1 (it happened once) against at most 0; `source` says what.
Check event_check(const std::string& name, const std::string& source);

/// The largest share of hits the generator may send late by its own doing (GeneratorStats), the
/// number of late hits always allowed (one scheduling hiccup of the machine must not fail a short
/// run), and the share of its threads' CPU above which it counts as saturated.
inline constexpr double kGeneratorLateLimit = 0.01;
inline constexpr double kGeneratorLateAllowance = 10;
inline constexpr double kGeneratorCpuLimit = 0.95;

/// Checks that hold for every gated run the generator reported on: "generator" (at most
/// kGeneratorLateLimit of the hits, or kGeneratorLateAllowance, sent late by the generator
/// itself) and, when it was sampled, "generator cpu" (its mean CPU below kGeneratorCpuLimit of
/// its threads). Call it after every other check of the run is in `v`.
///
/// A generator that fell behind puts its own delay into every latency figure, measured from the
/// scheduled send (coordinated omission corrected), and sends every hit all the same, only
/// later and burstier: it can make the service look worse, never better. So when `delay_counted`
/// (no threshold gates on uncorrected latency) and no hit was dropped, the generator checks pass
/// with a warning (Check::warned) when every check already in `v` passed (the service held its
/// thresholds with the generator's delay charged to it), or when `failures_stand` (the failed
/// checks fail as well with latency from the actual send: the delay is not what failed them;
/// asked only when a generator check and another check failed).
/// Otherwise they fail: a failure that the generator's delay may explain, or figures that leave
/// its delay out, say nothing of the service (a suite measures such a run again once).
void generator_checks(const Metrics& m, Verdict& v, bool delay_counted = true,
                      const std::function<bool()>& failures_stand = nullptr);

/// One line saying the generator fell behind or was saturated, e.g. "generator fell behind:
/// 7.0 % of hits late; figures include its delay"; "" when it kept up or is unknown.
std::string generator_warning(const Metrics& m);

/// A note on the hits that went out late in stalls of the machine (GeneratorStats::stalled):
/// how many, in how many stalls, for how long; "" when none.
std::string stall_note(const Metrics& m);

/// Evaluates `t` against the results of kind `t.kind` (default: the primary kind), with
/// check_measured() and, unless t.generator is false, generator_checks(). `source` prefixes each
/// check's source ("baselines/api.json: scenarios.heavy.thresholds").
Verdict evaluate(const Metrics& m, const Thresholds& t, const std::string& source = "");

/// Evaluates a run against `c`: its thresholds, the regression checks of its reference and
/// tolerance (reference_checks()), and check_measured(). `trials`: each trial's summary when the
/// run was several (AttackRun::trials).
Verdict evaluate(const Metrics& m, const Criteria& c, const std::vector<Summary>& trials = {});

/// The regression checks of `c`'s reference, one per figure with a tolerance ("p99
/// regression"). A reference recorded with its trials or intervals is judged with statistics
/// (judge.h: the run's trials, or its own intervals): the check fails only on a regression, both
/// significant and beyond the tolerance, and its source is the evidence ("p99 +14.8 % [+9.1 %,
/// +20.3 %], p = 0.002, tolerance 10 %: regression"); an older reference of single figures keeps
/// the fixed rule (the figure beyond reference x (1 + tolerance)). Empty without a reference.
std::vector<Check> reference_checks(const Summary& s, const Criteria& c, const std::vector<Summary>& trials = {});

/// Why window `w` breaches the latency percentiles and success ratio of `t`, or "" when it
/// does not (the per-window checks of soak tests).
std::string window_breach(const Window& w, const Thresholds& t);

/// "6000 requests at 99.98/s, success 100.00%, p50 1.2ms, p99 4.5ms, late 0, top error: none".
std::string context_line(const Summary& s);

/// Appends one JSON line describing this run and its verdict to `path` (a history that runs
/// can be compared with: `loadgate compare`). Throws InputError if it cannot be written.
/// With `trials` (a run of several trials), each trial's figures too. The entry also names the
/// commit ($LOADGATE_COMMIT, $GITHUB_SHA, $CI_COMMIT_SHA) and the run ($LOADGATE_RUN_ID,
/// $GITHUB_RUN_ID, $CI_PIPELINE_ID) when the environment says them, and the 95 % intervals of
/// the figures.
void append_history(const std::string& path, const std::string& scenario, const Summary& s, const Verdict& v,
                    const std::vector<Summary>& trials = {});

/// Kind named `name` ("http", "grpc", "ws-message", ...); the primary kind of `m` when empty.
/// Throws InputError for an unknown name.
Kind kind_for(const Metrics& m, const std::string& name);

}  // namespace loadgate
