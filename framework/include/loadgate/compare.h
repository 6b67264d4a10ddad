// compare.h (gate layer): figures of two runs side by side, relative change and regressions, in the spirit
// of Google Benchmark's compare.py. Runs come from results files, JSON reports, or a history
// file written by the gates (LOADGATE_HISTORY, `loadgate check -history`).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "loadgate/metrics.h"
#include "loadgate/judge.h"
#include "loadgate/stats.h"

namespace loadgate {

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

// ---- Sides read from files (judged with judge.h) ----------------------------------------

/// Reads a side: a results file, whose runs (one per header: `attack -trials=N`, `loadgate ab`)
/// are its trials, or a JSON report (one trial, with its "intervals" when it has them). Throws
/// InputError naming the file when it is neither.
Side load_side(const std::string& path);

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
