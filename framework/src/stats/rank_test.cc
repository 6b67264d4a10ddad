// rank_test.cc: Mann-Whitney U and the Hodges-Lehmann shift, on log values.
#include <algorithm>
#include <cmath>
#include <map>

#include "loadgate/stats.h"

namespace loadgate {
namespace {

// Exact distribution of U for samples of m and n without ties: counts[u] = the arrangements
// with U = u, from the recurrence f(m, n, u) = f(m - 1, n, u - n) + f(m, n - 1, u).
std::vector<double> exact_u(size_t m, size_t n) {
  // f[j][u] for the current i (rows over n), rolling over i.
  std::vector<std::vector<double>> prev(n + 1), cur(n + 1);
  for (size_t j = 0; j <= n; ++j) prev[j] = {1.0};  // i = 0: U = 0 only
  for (size_t i = 1; i <= m; ++i) {
    cur[0] = {1.0};  // j = 0: U = 0 only
    for (size_t j = 1; j <= n; ++j) {
      std::vector<double> f(i * j + 1, 0.0);
      for (size_t u = 0; u < prev[j].size(); ++u) f[u + j] += prev[j][u];  // the i-th of the first above all j
      for (size_t u = 0; u < cur[j - 1].size(); ++u) f[u] += cur[j - 1][u];
      cur[j] = std::move(f);
    }
    std::swap(prev, cur);
  }
  return prev[n];
}

}  // namespace

RankTest mann_whitney(const std::vector<double>& a, const std::vector<double>& b, double level) {
  RankTest t;
  t.n_old = a.size();
  t.n_new = b.size();
  if (a.empty() || b.empty()) return t;
  std::vector<double> la, lb;
  for (double v : a) la.push_back(std::log(std::max(v, 1e-300)));
  for (double v : b) lb.push_back(std::log(std::max(v, 1e-300)));
  const size_t m = la.size(), n = lb.size();
  // U counts the pairs where the new value is above the old one (ties count half), and the
  // pairwise differences give the shift.
  double u = 0;
  std::vector<double> diffs;
  diffs.reserve(m * n);
  bool ties = false;
  for (double x : la)
    for (double y : lb) {
      diffs.push_back(y - x);
      if (y > x) u += 1;
      else if (y == x) {
        u += 0.5;
        ties = true;
      }
    }
  std::sort(diffs.begin(), diffs.end());
  const size_t pairs = diffs.size();
  t.ratio = std::exp(pairs % 2 ? diffs[pairs / 2] : (diffs[pairs / 2 - 1] + diffs[pairs / 2]) / 2);
  const double mean = static_cast<double>(m * n) / 2;
  const double alpha = 1 - level;
  // C: the largest count with P(U <= C) <= alpha / 2; the interval is [d(C+1), d(mn - C)].
  int64_t c = -1;
  if (!ties && m <= 25 && n <= 25) {
    const std::vector<double> counts = exact_u(m, n);
    double total = 0;
    for (double x : counts) total += x;
    // Two-sided p: twice the smaller tail at the observed U.
    const auto lo_u = static_cast<size_t>(std::min(u, static_cast<double>(m * n) - u));
    double tail = 0;
    for (size_t k = 0; k <= lo_u && k < counts.size(); ++k) tail += counts[k];
    t.p = std::min(1.0, 2 * tail / total);
    double cum = 0;
    for (size_t k = 0; k < counts.size(); ++k) {
      cum += counts[k] / total;
      if (cum > alpha / 2) break;
      c = static_cast<int64_t>(k);
    }
  } else {
    std::map<double, size_t> tie_groups;
    for (double v : la) ++tie_groups[v];
    for (double v : lb) ++tie_groups[v];
    double tie_term = 0;
    for (const auto& [v, k] : tie_groups) tie_term += std::pow(static_cast<double>(k), 3) - static_cast<double>(k);
    const double big_n = static_cast<double>(m + n);
    const double var = static_cast<double>(m * n) / 12 * ((big_n + 1) - tie_term / (big_n * (big_n - 1)));
    if (var > 0) {
      const double z = (std::fabs(u - mean) - 0.5) / std::sqrt(var);  // continuity-corrected
      t.p = std::min(1.0, std::erfc(std::max(0.0, z) / std::sqrt(2.0)));
      c = static_cast<int64_t>(std::floor(mean - normal_quantile(1 - alpha / 2) * std::sqrt(var)));
    }
  }
  if (c >= 0 && static_cast<size_t>(c) < pairs / 2) {
    t.ratio_low = std::exp(diffs[static_cast<size_t>(c)]);
    t.ratio_high = std::exp(diffs[pairs - 1 - static_cast<size_t>(c)]);
    t.interval_known = true;
  }
  return t;
}

}  // namespace loadgate
