// history.h (gate layer): change points in a history of runs (issue #24). A history file (JSON lines written
// by the gates: LOADGATE_HISTORY, `loadgate check -history`) holds one entry per run of each
// scenario; each figure of a scenario over its runs is a series, and a change point is a run
// from which the series shifted (E-divisive means with a permutation test, stats.h). A shift for
// the worse by more than the tolerance is a regression; when it starts within the latest runs,
// `loadgate history -gate` fails.
//
//   auto trends = loadgate::read_trends("history.jsonl", "api.heavy", {});
//   std::cout << loadgate::trends_table(trends);   // every change point with its run and commit
#pragma once

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "loadgate/compare.h"
#include "loadgate/stats.h"

namespace loadgate {

/// ChangePoint is a run from which one figure of a scenario shifted.
struct ChangePoint {
  std::string figure;       ///< "p99"
  size_t index = 0;         ///< the first run of the new segment (into Trend::runs)
  double before = 0;        ///< median of the figure over the segment before
  double after = 0;         ///< ... and over the segment from the change point on
  double change = 0;        ///< after / before - 1
  bool regression = false;  ///< worse by more than the tolerance
  bool improvement = false; ///< better by more than the tolerance
};

/// Trend is one scenario's history: its runs, each figure's series, and their change points.
struct Trend {
  std::string scenario;
  std::vector<HistoryEntry> runs;                       ///< oldest first
  std::map<std::string, std::vector<double>> series;    ///< figure -> value per run (median of its trials)
  std::map<std::string, std::vector<Interval>> bands;   ///< figure -> 95 % interval per run (known = false: none)
  std::vector<ChangePoint> changes;                     ///< every figure's, by run then figure
};

/// TrendOptions set what is searched and what a regression is.
struct TrendOptions {
  std::vector<std::string> figures;  ///< searched; empty = p50 p90 p99 success throughput
  double tolerance = 0.05;           ///< a shift smaller than this (relative) is neither way
  ChangePointOptions search;         ///< significance and segment size of the search
};

/// The trends of `scenario` (every scenario in the file when empty), in order of first
/// appearance. Throws InputError naming the file and line of a malformed entry.
std::vector<Trend> read_trends(const std::string& path, const std::string& scenario, const TrendOptions& o = {});

/// Searches the change points of `t`'s series (fills t.changes). Series with a missing value
/// in some run are searched over the runs that have it.
void find_changes(Trend& t, const TrendOptions& o = {});

/// The regressions that start within the last `recent` runs of their scenario: what the gate
/// option fails on (the latest runs began a new, worse segment).
std::vector<std::pair<const Trend*, const ChangePoint*>> recent_regressions(const std::vector<Trend>& trends,
                                                                           size_t recent);

/// Every scenario's runs and change points as text: "p99 +12.4 % from run 41 (line 83,
/// 2026-11-02T10:00:00Z, commit 3f2a1c0): 2.61ms -> 2.93ms, regression".
std::string trends_table(const std::vector<Trend>& trends);

/// A self-contained HTML page: for each scenario, each figure over its runs with its interval
/// band and the change points marked, and the table of change points.
void write_trends_html(std::ostream& out, const std::vector<Trend>& trends, const std::string& title);

}  // namespace loadgate
