// judge.h (gate layer): is a run a regression of another, decided with statistics (issue #24): over the
// trials of each side (a Mann-Whitney U test, the Hodges-Lehmann change and its interval), or,
// for one run a side, over the runs' own 95 % intervals. A regression is both significant and
// larger than the tolerance; an outcome that the data cannot settle is "inconclusive".
//
//   loadgate::Side a = loadgate::side_of(old_trials, "old"), b = loadgate::side_of(new_trials, "new");
//   for (const loadgate::Judgement& j : loadgate::judge(a, b)) std::cout << j.evidence() << "\n";
//   // p99 +14.8 % [+9.1 %, +20.3 %], p = 0.002, tolerance 10 %
#pragma once

#include <map>
#include <string>
#include <vector>

#include "loadgate/figures.h"
#include "loadgate/metrics.h"
#include "loadgate/stats.h"

namespace loadgate {

/// Figures of one run: p50 p90 p95 p99 p99.9 max (ns), success (ratio), throughput (per s).
struct Figures {
  std::string name;  ///< where they came from
  std::map<std::string, double> values;
};

/// The figures of a summary.
Figures figures_of(const Summary& s, const std::string& name);

// ---- Deciding with statistics (issue #24) --------------------------------------------------

/// Side is one side of a comparison: the figures of each of its trials and, for a side of one
/// trial, the 95 % intervals of that run's figures (Summary::intervals).
struct Side {
  std::string name;                           ///< where it came from
  std::vector<Figures> trials;                ///< one per trial, in order
  std::map<std::string, Interval> intervals;  ///< of the one trial, when there is one
};

/// A side from trials' summaries (the first one's intervals kept when there is only one).
Side side_of(const std::vector<Summary>& trials, const std::string& name);

/// Outcome of comparing one figure, or a whole comparison.
enum class Outcome {
  kNoChange,      ///< within the noise (the interval rules out a regression beyond the tolerance), or a
                  ///< significant shift smaller than the tolerance
  kImprovement,   ///< significantly better, by more than the tolerance
  kRegression,    ///< significantly worse, by more than the tolerance
  kInconclusive,  ///< not significant, and the interval does not rule out a regression beyond the tolerance
};

/// "no change", "improvement", "regression", "inconclusive".
const char* outcome_name(Outcome o);

/// Judgement is one figure compared with statistics.
struct Judgement {
  std::string figure;
  double old_value = 0;     ///< the old side's median over its trials
  double new_value = 0;     ///< the new side's
  double change = 0;        ///< estimated relative change, new / old - 1
  double change_low = 0;    ///< its 95 % interval
  double change_high = 0;
  bool interval_known = false;
  double p = 1;             ///< two-sided p value of "no change"
  double tolerance = 0;     ///< the change allowed (0.1 = 10 %)
  Outcome outcome = Outcome::kInconclusive;
  std::string method;       ///< how: "Mann-Whitney U, 10 and 10 trials" or "one run each: their 95 % intervals"
  /// "p99 +14.8 % [+9.1 %, +20.3 %], p = 0.002, tolerance 10 %".
  std::string evidence() const;
};

/// JudgeOptions set what a regression is.
struct JudgeOptions {
  double tolerance = 0.1;                     ///< relative change allowed, every figure
  std::map<std::string, double> per_figure;   ///< ... or per figure
  double alpha = 0.05;                        ///< significance
  std::vector<std::string> figures;           ///< judged; empty = p50 p90 p99 success throughput
};

/// Compares every judged figure of `new_side` with `old_side`. With two or more trials a side:
/// a Mann-Whitney U test of the trials' values and the Hodges-Lehmann estimate of the change
/// with its interval (the trials' spread is the noise between runs). With one run a side: the
/// change of the figures and an interval from their own 95 % intervals (the noise within each
/// run only: drift between runs is not seen; say -trials). A regression is both significant
/// (p < alpha) and worse than the tolerance; see Outcome for the rest.
std::vector<Judgement> judge(const Side& old_side, const Side& new_side, const JudgeOptions& o = {});

/// A comparison's outcome: regression if any figure regressed, else inconclusive if any was,
/// else improvement if any improved, else no change.
Outcome overall(const std::vector<Judgement>& judgements);

/// The judgements as an aligned table, one line per figure.
std::string judgement_table(const std::vector<Judgement>& judgements);


}  // namespace loadgate
