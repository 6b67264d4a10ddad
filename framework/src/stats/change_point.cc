// change_point.cc: E-divisive means with a permutation test (Matteson and James, 2014).
//
// For a segment v[0..m), a split t and an end k (t < k <= m), the energy statistic compares
// the points before t with those in [t, k): with D(a, b) = |v_a - v_b|^alpha,
//   Q(t, k) = t (k - t) / k * ( 2/(t (k - t)) sum_{i<t<=j<k} D(i, j)
//                               - 1/C(t,2) sum_{i<l<t} D(i, l) - 1/C(k-t,2) sum_{t<=j<l<k} D(j, l) )
// The split is the t of the largest Q over all (t, k): ending the second sample at k < m is
// what finds a shift that comes back (a bump) in one segment. It is kept when that largest Q
// is larger than in all but `alpha` of random permutations of the segment. Every (t, k) is
// scored in O(m^2) from prefix sums of the distance matrix.
#include <algorithm>
#include <cmath>
#include <random>

#include "loadgate/stats.h"

namespace loadgate {
namespace {

// The distance exponent: below 2 (the method's condition for telling any two distributions
// apart), close to it for the power of a mean's shift, which is what a perf history shows.
constexpr double kExponent = 1.9;

struct Split {
  size_t at = 0;  // first index of the second sample, within the segment
  double q = -1;  // its statistic; -1 = no admissible split
};

// Scores every (t, k) of v, whose distance matrix is d (m x m).
Split best_split(const std::vector<double>& d, size_t m, size_t min_size) {
  Split best;
  if (m < 2 * min_size) return best;
  // col[j][i] = sum_{a < i} d(a, j): prefix sums down each column.
  std::vector<double> col((m + 1) * m, 0.0);
  auto c = [&col, m](size_t i, size_t j) -> double& { return col[i * m + j]; };
  for (size_t j = 0; j < m; ++j)
    for (size_t i = 0; i < m; ++i) c(i + 1, j) = c(i, j) + d[i * m + j];
  // within(a, b) = sum_{a <= i < l < b} d(i, l), built for a = 0 and for each t as needed.
  std::vector<double> left(m + 1, 0.0);  // left[t] = within(0, t)
  for (size_t t = 1; t <= m; ++t) left[t] = left[t - 1] + c(t - 1, t - 1);
  for (size_t t = min_size; t + min_size <= m; ++t) {
    double between = 0, right = 0;  // for the second sample [t, k)
    for (size_t k = t + 1; k <= m; ++k) {
      const size_t j = k - 1;                // the point joining the second sample
      between += c(t, j);                    // its distances to [0, t)
      right += c(j, j) - c(t, j);            // its distances to [t, j)
      const size_t r = k - t;
      if (r < min_size) continue;
      const double dl = static_cast<double>(t), dr = static_cast<double>(r), dk = static_cast<double>(k);
      const double e = 2 * between / (dl * dr) - left[t] / (dl * (dl - 1) / 2) - right / (dr * (dr - 1) / 2);
      const double q = dl * dr / dk * e;
      if (q > best.q) best = {t, q};
    }
  }
  return best;
}

std::vector<double> distances(const std::vector<double>& v) {
  const size_t m = v.size();
  std::vector<double> d(m * m);
  for (size_t i = 0; i < m; ++i)
    for (size_t j = 0; j < m; ++j) d[i * m + j] = std::pow(std::fabs(v[i] - v[j]), kExponent);
  return d;
}

}  // namespace

std::vector<size_t> change_points(const std::vector<double>& series, const ChangePointOptions& o) {
  std::vector<size_t> found;
  std::mt19937_64 rng(o.seed);
  // Segments still to search, as [begin, end) of the series.
  std::vector<std::pair<size_t, size_t>> segments = {{0, series.size()}};
  for (;;) {
    // The strongest split of any segment.
    size_t which = 0;
    Split top;
    for (size_t s = 0; s < segments.size(); ++s) {
      const std::vector<double> v(series.begin() + static_cast<long>(segments[s].first),
                                  series.begin() + static_cast<long>(segments[s].second));
      const Split sp = best_split(distances(v), v.size(), o.min_size);
      if (sp.q > top.q) {
        top = sp;
        which = s;
      }
    }
    if (top.q < 0) break;
    // Permutation test: how often does a shuffled segment split as strongly?
    const auto [b, e] = segments[which];
    const std::vector<double> v(series.begin() + static_cast<long>(b), series.begin() + static_cast<long>(e));
    const std::vector<double> d = distances(v);
    const size_t m = v.size();
    std::vector<size_t> order(m);
    for (size_t i = 0; i < m; ++i) order[i] = i;
    std::vector<double> shuffled(m * m);
    int as_strong = 0;
    for (int p = 0; p < o.permutations; ++p) {
      std::shuffle(order.begin(), order.end(), rng);  // the distances of a shuffled segment
      for (size_t i = 0; i < m; ++i)
        for (size_t j = 0; j < m; ++j) shuffled[i * m + j] = d[order[i] * m + order[j]];
      if (best_split(shuffled, m, o.min_size).q >= top.q) ++as_strong;
    }
    const double p_value = static_cast<double>(as_strong + 1) / static_cast<double>(o.permutations + 1);
    if (p_value > o.alpha) break;
    found.push_back(b + top.at);
    segments[which] = {b, b + top.at};
    segments.push_back({b + top.at, e});
  }
  std::sort(found.begin(), found.end());
  // Each point moves to where the means on either side differ most between its neighbours (the
  // least-squares split of one shift): the energy statistic finds a change well but places it
  // one or two runs off more often.
  for (size_t k = 0; k < found.size(); ++k) {
    const size_t a = k == 0 ? 0 : found[k - 1], b = k + 1 == found.size() ? series.size() : found[k + 1];
    double best = -1, total = 0;
    for (size_t i = a; i < b; ++i) total += series[i];
    double left = 0;
    for (size_t t = a + 1; t < b; ++t) {
      left += series[t - 1];
      const double nl = static_cast<double>(t - a), nr = static_cast<double>(b - t);
      if (t - a < o.min_size || b - t < o.min_size) continue;
      const double diff = left / nl - (total - left) / nr;
      const double score = nl * nr / (nl + nr) * diff * diff;
      if (score > best) {
        best = score;
        found[k] = t;
      }
    }
  }
  return found;
}

}  // namespace loadgate
