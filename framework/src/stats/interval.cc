// interval.cc: intervals on quantiles (order statistics, block bootstrap), rates and ratios.
#include <algorithm>
#include <cmath>
#include <random>

#include "loadgate/stats.h"

namespace loadgate {

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

namespace {

// log of the binomial probability P(B = k), B ~ Binomial(n, q).
double log_pmf(uint64_t n, uint64_t k, double q) {
  const double nn = static_cast<double>(n), kk = static_cast<double>(k);
  return std::lgamma(nn + 1) - std::lgamma(kk + 1) - std::lgamma(nn - kk + 1) + kk * std::log(q) +
         (nn - kk) * std::log1p(-q);
}

// Sparse copy of one block's histogram: (bucket index in the layout, count).
using Sparse = std::vector<std::pair<size_t, uint64_t>>;

// The value of the middle `level` of sorted `v`: its two quantiles.
std::pair<double, double> middle(std::vector<double>& v, double level) {
  std::sort(v.begin(), v.end());
  const double tail = (1 - level) / 2;
  auto at = [&v](double q) {
    const double pos = q * static_cast<double>(v.size() - 1);
    const auto i = static_cast<size_t>(pos);
    const double f = pos - static_cast<double>(i);
    return i + 1 < v.size() ? v[i] * (1 - f) + v[i + 1] * f : v[i];
  };
  return {at(tail), at(1 - tail)};
}

}  // namespace

Interval Interval::widest(const Interval& o) const {
  if (!known) return o.known ? Interval{value, std::min(value, o.low), std::max(value, o.high), true} : *this;
  if (!o.known) return *this;
  return {value, std::min(low, o.low), std::max(high, o.high), true};
}

double normal_quantile(double p) {
  // Acklam's rational approximation (relative error below 1.2e-9), one Newton step on erfc.
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  p = std::clamp(p, 1e-300, 1 - 1e-16);
  double x;
  if (p < 0.02425) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p > 1 - 0.02425) {
    const double q = std::sqrt(-2 * std::log1p(-p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  const double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
  const double u = e * std::sqrt(2 * M_PI) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

std::pair<uint64_t, uint64_t> quantile_ranks(uint64_t n, double q, double level) {
  if (n == 0) return {0, 1};
  const double tail = (1 - level) / 2;
  const double mean = static_cast<double>(n) * q, sd = std::sqrt(static_cast<double>(n) * q * (1 - q));
  if (n > 100'000) {
    const double z = normal_quantile(1 - tail);
    const auto lo = static_cast<int64_t>(std::floor(mean - z * sd));
    const auto hi = static_cast<int64_t>(std::ceil(mean + z * sd)) + 1;
    return {static_cast<uint64_t>(std::max<int64_t>(0, lo)), static_cast<uint64_t>(std::min<int64_t>(hi, n + 1))};
  }
  // B = the number of samples at or below the quantile, Binomial(n, q). X(l) <= quantile iff
  // B >= l, and X(u) > quantile iff B < u: pick l and u with P(B < l) and P(B >= u) each at most
  // the tail. Probabilities outside mean +- 40 sd are below double precision: not summed.
  const auto from = static_cast<uint64_t>(std::max(0.0, std::floor(mean - 40 * sd - 2)));
  const auto to = static_cast<uint64_t>(std::min(static_cast<double>(n), std::ceil(mean + 40 * sd + 2)));
  uint64_t l = from, u = n + 1;  // P(B < from) is below double precision
  double cdf = 0;                // P(B <= k)
  bool upper_found = false;
  for (uint64_t k = from; k <= to; ++k) {
    cdf += std::exp(log_pmf(n, k, q));
    if (cdf <= tail) l = k + 1;  // P(B < k + 1) <= tail
    if (!upper_found && cdf >= 1 - tail) {
      u = k + 1;
      upper_found = true;
    }
  }
  return {std::min(l, n), u};
}

double value_at_rank(const Histogram& h, uint64_t rank, bool lowest) {
  uint64_t seen = 0;
  double out = static_cast<double>(h.max());
  bool found = false;
  h.for_each([&](const Histogram::Bucket& b) {
    if (found) return;
    seen += b.count;
    if (seen >= rank) {
      out = static_cast<double>(lowest ? std::max(b.lowest, h.min()) : std::min(b.highest, h.max()));
      found = true;
    }
  });
  return out;
}

Interval quantile_interval(const Histogram& h, double percentile, double level) {
  Interval out;
  out.value = static_cast<double>(h.percentile(percentile));
  const uint64_t n = h.count();
  if (n == 0) return out;
  const auto [l, u] = quantile_ranks(n, percentile / 100, level);
  if (l < 1 || u > n) return out;
  out.low = value_at_rank(h, l, true);
  out.high = value_at_rank(h, u, false);
  out.known = true;
  return out;
}

Interval window_quantile_interval(const std::vector<const Histogram*>& windows, double percentile, int rounds,
                                  uint64_t seed, double level) {
  return window_quantile_intervals(windows, {percentile}, rounds, seed, level)[0];
}

std::vector<Interval> window_quantile_intervals(const std::vector<const Histogram*>& windows,
                                                const std::vector<double>& percentiles, int rounds, uint64_t seed,
                                                double level) {
  std::vector<Interval> out(percentiles.size());
  std::vector<const Histogram*> full;
  for (const Histogram* w : windows)
    if (w && w->count() > 0) full.push_back(w);
  if (full.empty()) return out;
  // The union's figures, and a layout to count the draws in.
  Histogram all(full[0]->highest(), full[0]->digits());
  for (const Histogram* w : full) all.merge(*w);
  for (size_t k = 0; k < percentiles.size(); ++k) out[k].value = static_cast<double>(all.percentile(percentiles[k]));
  if (full.size() < 8) return out;
  // Blocks of consecutive windows, at most 64: the draws stay cheap on an hour of seconds, and a
  // block keeps neighbouring seconds (which resemble each other) together.
  const size_t blocks = std::min<size_t>(64, full.size());
  std::vector<Sparse> block(blocks);
  for (size_t w = 0; w < full.size(); ++w) {
    Sparse& s = block[w * blocks / full.size()];
    full[w]->for_each([&](const Histogram::Bucket& b) { s.emplace_back(all.index_of(b.lowest), b.count); });
  }
  const size_t buckets = all.index_of(all.highest()) + 1;
  std::vector<uint64_t> counts(buckets);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, blocks - 1);
  std::vector<std::vector<double>> draws(percentiles.size());
  for (int r = 0; r < rounds; ++r) {
    std::fill(counts.begin(), counts.end(), 0);
    uint64_t total = 0;
    for (size_t k = 0; k < blocks; ++k)
      for (const auto& [i, c] : block[pick(rng)]) {
        counts[i] += c;
        total += c;
      }
    if (total == 0) continue;
    // Every percentile from one walk up the buckets, in increasing order of rank.
    std::vector<size_t> order(percentiles.size());
    for (size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return percentiles[a] < percentiles[b]; });
    uint64_t seen = 0;
    size_t i = 0;
    for (size_t k : order) {
      const auto rank = std::max<uint64_t>(
          1, static_cast<uint64_t>(std::ceil(percentiles[k] / 100 * static_cast<double>(total))));
      while (i < buckets && seen + counts[i] < rank) seen += counts[i++];
      if (i < buckets) draws[k].push_back(static_cast<double>(std::min(all.highest_of(i), all.max())));
    }
  }
  for (size_t k = 0; k < percentiles.size(); ++k) {
    if (draws[k].size() < 2) continue;
    const auto [lo, hi] = middle(draws[k], level);
    out[k].low = std::min(lo, out[k].value);
    out[k].high = std::max(hi, out[k].value);
    out[k].known = true;
  }
  return out;
}

Interval window_ratio_interval(const std::vector<double>& hits, const std::vector<double>& totals, int rounds,
                               uint64_t seed, double level) {
  Interval out;
  std::vector<size_t> used;
  double h = 0, t = 0;
  for (size_t k = 0; k < totals.size() && k < hits.size(); ++k)
    if (totals[k] > 0) {
      used.push_back(k);
      h += hits[k];
      t += totals[k];
    }
  if (t <= 0) return out;
  out.value = h / t;
  if (used.size() < 8) return out;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, used.size() - 1);
  std::vector<double> draws;
  for (int r = 0; r < rounds; ++r) {
    double dh = 0, dt = 0;
    for (size_t k = 0; k < used.size(); ++k) {
      const size_t w = used[pick(rng)];
      dh += hits[w];
      dt += totals[w];
    }
    draws.push_back(dh / dt);
  }
  const auto [lo, hi] = middle(draws, level);
  out.low = std::min(lo, out.value);
  out.high = std::max(hi, out.value);
  out.known = true;
  return out;
}

Interval window_rate_interval(const std::vector<double>& counts, double width_s, int rounds, uint64_t seed,
                              double level) {
  Interval out;
  if (counts.empty() || width_s <= 0) return out;
  double sum = 0;
  for (double c : counts) sum += c;
  out.value = sum / static_cast<double>(counts.size()) / width_s;
  if (counts.size() < 8) return out;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, counts.size() - 1);
  std::vector<double> draws;
  for (int r = 0; r < rounds; ++r) {
    double s = 0;
    for (size_t k = 0; k < counts.size(); ++k) s += counts[pick(rng)];
    draws.push_back(s / static_cast<double>(counts.size()) / width_s);
  }
  const auto [lo, hi] = middle(draws, level);
  out.low = std::min(lo, out.value);
  out.high = std::max(hi, out.value);
  out.known = true;
  return out;
}

Interval wilson_interval(uint64_t successes, uint64_t n, double level) {
  Interval out;
  if (n == 0) return out;
  const double nn = static_cast<double>(n), p = static_cast<double>(successes) / nn;
  const double z = normal_quantile(1 - (1 - level) / 2), z2 = z * z;
  const double centre = (p + z2 / (2 * nn)) / (1 + z2 / nn);
  const double half = z * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / (1 + z2 / nn);
  out.value = p;
  out.low = std::max(0.0, std::min(p, centre - half));
  out.high = std::min(1.0, std::max(p, centre + half));
  out.known = true;
  return out;
}

}  // namespace loadgate
