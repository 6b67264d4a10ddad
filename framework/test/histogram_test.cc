// histogram_test.cc: percentiles against exact sorted values.
#include "loadgate/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace loadgate {
namespace {

// Nearest-rank percentile of sorted values: the value at rank ceil(p/100 * n), computed in
// integers (p has at most 3 decimals here) so that it cannot share a rounding bug.
int64_t exact_percentile(const std::vector<int64_t>& sorted, double p) {
  if (p <= 0) return sorted.front();
  const auto milli = static_cast<uint64_t>(std::llround(p * 1000));
  uint64_t rank = (milli * sorted.size() + 99'999) / 100'000;
  rank = std::clamp<uint64_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

// Checks every interesting percentile of `values` within the 3-digit bound: never below the
// exact value, never above it by more than 0.1 %.
void expect_percentiles_match(std::vector<int64_t> values) {
  Histogram h;
  for (int64_t v : values) h.record(v);
  std::sort(values.begin(), values.end());
  for (double p : {0.0, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 99.99, 100.0}) {
    const int64_t exact = exact_percentile(values, p);
    const int64_t got = h.percentile(p);
    EXPECT_GE(got, exact) << "p" << p;
    EXPECT_LE(static_cast<double>(got - exact), static_cast<double>(exact) * 0.001 + 1e-9) << "p" << p;
  }
  EXPECT_EQ(h.min(), values.front());
  EXPECT_EQ(h.max(), values.back());
  EXPECT_EQ(h.count(), values.size());
}

TEST(Histogram, ExactBelowTwoThousand) {
  // Values below the sub-bucket count are kept exactly.
  Histogram h;
  for (int64_t v = 1; v <= 2000; ++v) h.record(v);
  EXPECT_EQ(h.percentile(50), 1000);
  EXPECT_EQ(h.percentile(99), 1980);
  EXPECT_EQ(h.percentile(99.9), 1998);
  EXPECT_EQ(h.percentile(100), 2000);
  EXPECT_EQ(h.percentile(0), 1);
  EXPECT_DOUBLE_EQ(h.mean(), 1000.5);
}

TEST(Histogram, UniformRandomMatchesSortedValues) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int64_t> d(1'000, 500'000'000);  // 1 µs .. 500 ms
  std::vector<int64_t> v(100'000);
  for (auto& x : v) x = d(rng);
  expect_percentiles_match(v);
}

TEST(Histogram, SkewedLogNormalMatchesSortedValues) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> d(std::log(2e6), 1.5);  // median 2 ms, long tail
  std::vector<int64_t> v(200'000);
  for (auto& x : v) x = static_cast<int64_t>(d(rng));
  expect_percentiles_match(v);
}

TEST(Histogram, BimodalTailMatches) {
  // 99 % fast, 1 % one-second stalls: the p99 sits exactly on the boundary.
  std::vector<int64_t> v;
  for (int i = 0; i < 9900; ++i) v.push_back(200'000 + i);
  for (int i = 0; i < 100; ++i) v.push_back(1'000'000'000 + i * 1000);
  expect_percentiles_match(v);
  Histogram h;
  for (auto x : v) h.record(x);
  EXPECT_LT(h.percentile(99), 300'000);  // rank 9900 is the last fast value
  EXPECT_GE(h.percentile(99.01), 1'000'000'000);
}

TEST(Histogram, RelativeErrorBoundEverywhere) {
  Histogram h;
  for (int64_t v = 1; v < Histogram::kDefaultHighest; v = v * 3 / 2 + 1) {
    const size_t i = h.index_of(v);
    EXPECT_LE(h.lowest_of(i), v);
    EXPECT_GE(h.highest_of(i), v);
    EXPECT_LE(static_cast<double>(h.highest_of(i) - h.lowest_of(i)), std::max(1.0, v * 0.001)) << v;
  }
}

TEST(Histogram, ClampsAboveHighestAndCountsIt) {
  Histogram h(1'000'000);
  h.record(5'000'000);
  h.record(-3);
  EXPECT_EQ(h.clamped(), 1u);
  EXPECT_EQ(h.max(), 5'000'000);  // exact max is kept
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.percentile(100), 5'000'000);
}

TEST(Histogram, MergeEqualsRecordingEverything) {
  std::mt19937_64 rng(1);
  std::exponential_distribution<double> d(1.0 / 5e6);
  Histogram a, b, all;
  for (int i = 0; i < 50'000; ++i) {
    const auto v = static_cast<int64_t>(d(rng));
    (i % 2 ? a : b).record(v);
    all.record(v);
  }
  a.merge(b);
  for (double p : {50.0, 90.0, 99.0, 99.9}) EXPECT_EQ(a.percentile(p), all.percentile(p));
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_DOUBLE_EQ(a.sum(), all.sum());
}

TEST(Histogram, MergeAcrossPrecisionsKeepsCountsAndExtremes) {
  Histogram fine, coarse(Histogram::kDefaultHighest, 2);
  for (int64_t v = 1000; v < 1'000'000; v += 997) coarse.record(v);
  fine.merge(coarse);
  EXPECT_EQ(fine.count(), coarse.count());
  EXPECT_EQ(fine.min(), coarse.min());
  EXPECT_EQ(fine.max(), coarse.max());
  EXPECT_NEAR(static_cast<double>(fine.percentile(50)), static_cast<double>(coarse.percentile(50)),
              coarse.percentile(50) * 0.01);
}

TEST(Histogram, EmptyReportsZero) {
  Histogram h;
  EXPECT_EQ(h.percentile(99), 0);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.mean(), 0);
}

TEST(Histogram, MemoryIsFixed) {
  // One hour at 3 digits fits in a fixed table; recording and merging never grow it.
  Histogram h, other;
  const size_t before = h.memory_bytes();
  EXPECT_LT(before, 320'000u) << "about 270 KB of counters for 1 ns .. 1 h at 3 digits";
  uint64_t x = 88172645463325252ull;  // xorshift: values all over the range, and beyond it
  for (int i = 0; i < 1'000'000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    h.record(static_cast<int64_t>(x % (2 * static_cast<uint64_t>(Histogram::kDefaultHighest))));
    other.record(static_cast<int64_t>(x % 1'000'000));
  }
  h.merge(other);
  EXPECT_EQ(h.memory_bytes(), before);
  EXPECT_EQ(h.count(), 2'000'000u);
  EXPECT_GT(h.clamped(), 0u) << "values past one hour were clamped, not stored";
}

}  // namespace
}  // namespace loadgate
