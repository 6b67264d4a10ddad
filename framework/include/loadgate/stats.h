// stats.h (stats layer): the statistics that let a perf gate survive a noisy runner: intervals on every
// figure, a rank test between two sets of trials, and change points in a history.
//
//   Interval p99 = quantile_interval(stats.latency, 99);           // order statistics
//   Interval b = window_quantile_interval(windows, 99, 1000, seed);  // block bootstrap
//   RankTest t = mann_whitney(old_p99s, new_p99s);                  // p value, shift and its CI
//   std::vector<size_t> cps = change_points(history, {});          // E-divisive means
//
// Every function here is pure and deterministic for a given seed; no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "loadgate/histogram.h"

namespace loadgate {

/// The confidence level of every interval loadgate reports.
inline constexpr double kConfidence = 0.95;

/// Interval is a figure and the range that holds its true value with kConfidence.
struct Interval {
  double value = 0;  ///< the estimate
  double low = 0;    ///< lower bound
  double high = 0;   ///< upper bound
  bool known = false;  ///< false when there was too little data for an interval
  /// The wider of two intervals of the same figure (the union of their ranges).
  Interval widest(const Interval& other) const;
};

/// The median of `values` (the mean of the middle two for an even count); NaN when empty.
double median(std::vector<double> values);

/// The ranks (1-based, in 1..n) of the order statistics that bound the q-quantile (0 < q < 1)
/// of n independent samples with probability at least `level`: the distribution-free interval
/// [X(l), X(u)], from the exact binomial distribution for n <= 100,000 and its normal
/// approximation beyond. l = 0 or u = n + 1 when the data cannot bound that side.
std::pair<uint64_t, uint64_t> quantile_ranks(uint64_t n, double q, double level = kConfidence);

/// The value of rank `rank` (1-based) of `h`: `lowest` = the lowest value of its bucket, else
/// the highest (so that an interval read with lowest for its low end and highest for its high
/// end loses nothing to the buckets).
double value_at_rank(const Histogram& h, uint64_t rank, bool lowest);

/// The `percentile` (0 < p < 100) of `h` with its order-statistics interval. Unknown (value
/// only) when the sample cannot bound it: fewer than about 3 / (1 - q) values for a high
/// quantile (at 95 %: 59 values for p95, 299 for p99, 2,995 for p99.9).
Interval quantile_interval(const Histogram& h, double percentile, double level = kConfidence);

/// The `percentile` of the union of `windows` with a block-bootstrap interval: the windows
/// (seconds of a run) are drawn with replacement `rounds` times, each draw's histograms merged
/// and its percentile read; the interval is the middle `level` of those. Seconds that are alike
/// (a slow minute) are thus not counted as independent samples. Unknown with fewer than 8
/// non-empty windows.
Interval window_quantile_interval(const std::vector<const Histogram*>& windows, double percentile, int rounds = 400,
                                  uint64_t seed = 1, double level = kConfidence);

/// window_quantile_interval() of several percentiles from the same draws (one pass).
std::vector<Interval> window_quantile_intervals(const std::vector<const Histogram*>& windows,
                                                const std::vector<double>& percentiles, int rounds = 400,
                                                uint64_t seed = 1, double level = kConfidence);

/// A ratio sum(hits) / sum(totals) over windows with a block-bootstrap interval (unknown with
/// fewer than 8 windows with a total).
Interval window_ratio_interval(const std::vector<double>& hits, const std::vector<double>& totals, int rounds = 400,
                               uint64_t seed = 1, double level = kConfidence);

/// A rate (events per second) from per-window counts of width `width_s` seconds: the mean and a
/// block-bootstrap interval over the windows (unknown with fewer than 8 windows).
Interval window_rate_interval(const std::vector<double>& counts, double width_s, int rounds = 400, uint64_t seed = 1,
                              double level = kConfidence);

/// A ratio of successes to trials with Wilson's score interval (binomial; unknown for n = 0).
Interval wilson_interval(uint64_t successes, uint64_t n, double level = kConfidence);

/// The normal quantile z with P(Z <= z) = p (0 < p < 1).
double normal_quantile(double p);

/// RankTest is a Mann-Whitney U test of two samples and the Hodges-Lehmann estimate of the shift
/// between them, on the logarithm of the values: a change as a ratio new / old.
struct RankTest {
  double p = 1;           ///< two-sided p value (exact for small samples without ties)
  double ratio = 1;       ///< new / old: exp of the median of all pairwise log differences
  double ratio_low = 0;   ///< its kConfidence interval (distribution-free, from U's distribution)
  double ratio_high = 0;
  bool interval_known = false;  ///< false when the samples are too small to bound the ratio
  size_t n_old = 0, n_new = 0;
};

/// Compares samples `old_values` and `new_values` (positive values, e.g. each trial's p99).
/// Exact p and interval for up to 25 values a side without ties; the normal approximation with
/// tie correction beyond.
RankTest mann_whitney(const std::vector<double>& old_values, const std::vector<double>& new_values,
                      double level = kConfidence);

/// ChangePointOptions tune change_points().
struct ChangePointOptions {
  /// Significance of each change point (permutation test). 1 %: a flat history of 100 noisy
  /// runs shows no change point in 99 of 100 cases, and a shift of two noise deviations is found.
  double alpha = 0.01;
  int permutations = 199;  ///< permutations per test
  size_t min_size = 3;     ///< fewest points in a segment
  uint64_t seed = 1;       ///< of the permutations
};

/// Change points of `series` (in order), by E-divisive means (Matteson and James, 2014): the
/// split that maximizes the energy distance between the points before and after it, kept when
/// a permutation test finds it significant, then the same within each part (the strongest
/// split first). Returns the indices where a new segment starts, ascending.
std::vector<size_t> change_points(const std::vector<double>& series, const ChangePointOptions& options = {});

}  // namespace loadgate
