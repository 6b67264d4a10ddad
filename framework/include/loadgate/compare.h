// compare.h: figures of two runs side by side, relative change and regressions, in the spirit
// of Google Benchmark's compare.py. Runs come from results files, JSON reports, or a history
// file written by the gates (LOADGATE_HISTORY, `loadgate check -history`).
#pragma once

#include <map>
#include <string>
#include <vector>

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

/// Reads a run: a results file (any encoding) or a JSON report (loadgate's or Vegeta's).
/// Throws InputError naming the file when it is neither.
Figures load_figures(const std::string& path);

/// The runs of `scenario` (all when empty) in a history file, oldest first. Throws InputError
/// naming the file and line of a malformed entry.
std::vector<Figures> history_figures(const std::string& path, const std::string& scenario);

/// One figure compared.
struct Delta {
  std::string figure;
  double old_value = 0;
  double new_value = 0;
  double change = 0;  ///< (new - old) / old; 0 when old is 0
  double tolerance = 0;
  bool regression = false;  ///< worse by more than the tolerance
};

/// Compares every figure present in both: latencies regress when they grow by more than the
/// tolerance, success and throughput when they shrink by more. `tolerance` applies to figures
/// without an entry in `per_figure`.
std::vector<Delta> compare(const Figures& old_run, const Figures& new_run, double tolerance,
                           const std::map<std::string, double>& per_figure = {});

/// The comparison as an aligned table, one line per figure.
std::string compare_table(const std::vector<Delta>& deltas);

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

/// Reads a side: a results file, whose runs (one per header: `attack -trials=N`, `loadgate ab`)
/// are its trials, or a JSON report (one trial, with its "intervals" when it has them). Throws
/// InputError naming the file when it is neither.
Side load_side(const std::string& path);

/// Outcome of comparing one figure, or a whole comparison.
enum class Outcome {
  kNoChange,      ///< within the noise, or a shift smaller than the tolerance
  kImprovement,   ///< significantly better, by more than the tolerance
  kRegression,    ///< significantly worse, by more than the tolerance
  kInconclusive,  ///< not significant, and the interval does not rule out a change beyond the tolerance
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

/// HistoryEntry is one run of a history file (LOADGATE_HISTORY, check -history).
struct HistoryEntry {
  int line = 0;            ///< its line in the file
  std::string time;        ///< RFC 3339
  std::string scenario;    ///< "api.heavy"
  std::string commit;      ///< the commit it ran on, when recorded
  std::string run;         ///< the CI run, when recorded
  bool pass = false;       ///< its verdict
  Side side;               ///< its figures: each trial's, or the run's with their intervals
};

/// The runs of `scenario` (all when empty) in a history file, oldest first. Throws InputError
/// naming the file and line of a malformed entry.
std::vector<HistoryEntry> read_history(const std::string& path, const std::string& scenario);

}  // namespace loadgate
