// histogram.h (stats layer): a log-linear ("HDR") histogram of non-negative integer values.
//
// Written here rather than taken from HdrHistogram_c because Debian 12 ships no C/C++ HDR
// histogram package, and loadgate needs only four operations (record, merge, percentile,
// iterate) on one fixed layout. The layout is Gil Tene's: values below `sub_bucket_count` are
// kept exactly; above that every power-of-two bucket is split into `sub_bucket_count / 2` linear
// sub-buckets, so the width of the bucket holding v is at most v / (sub_bucket_count / 2).
//
//   loadgate::Histogram h;                 // 1 ns .. 1 h, 3 significant digits
//   h.record(1'500'000);                   // 1.5 ms in ns
//   int64_t p99 = h.percentile(99.0);      // ns, never under the true value by more than 0.1 %
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace loadgate {

/// Histogram counts integer values (loadgate records nanoseconds) in fixed memory.
/// record() is O(1) and never allocates; percentile() is O(buckets). Relative error of any
/// reported value is at most 10^-digits (0.1 % for the default 3 digits).
class Histogram {
 public:
  /// Largest value tracked by default: one hour in nanoseconds.
  static constexpr int64_t kDefaultHighest = 3'600'000'000'000;
  /// Default precision in significant decimal digits.
  static constexpr int kDefaultDigits = 3;

  /// Creates a histogram that tracks 0..highest (>= 2) with `digits` (1..5) significant digits.
  /// Out-of-range arguments are clamped into range.
  explicit Histogram(int64_t highest = kDefaultHighest, int digits = kDefaultDigits);

  /// Records `count` occurrences of `value`. Negative values are recorded as 0; values above
  /// highest() are recorded as highest() and counted in clamped(). O(1), no allocation.
  void record(int64_t value, uint64_t count = 1);

  /// Adds every count of `other`. Histograms of different layouts are merged value by value
  /// (slower, same result up to bucket precision).
  void merge(const Histogram& other);

  /// Removes every recorded value.
  void reset();

  /// Value at `percentile` (0..100, nearest rank: the smallest recorded value v such that at
  /// least percentile % of the values are <= v), reported as the highest value equivalent to
  /// v's bucket, capped at max(). Returns 0 when empty.
  int64_t percentile(double percentile) const;

  /// Number of values recorded.
  uint64_t count() const { return total_; }
  /// Smallest value recorded, exact; 0 when empty.
  int64_t min() const { return total_ ? min_ : 0; }
  /// Largest value recorded, exact (before clamping); 0 when empty.
  int64_t max() const { return total_ ? max_ : 0; }
  /// Arithmetic mean of the recorded values, exact up to double rounding; 0 when empty.
  double mean() const { return total_ ? sum_ / static_cast<double>(total_) : 0.0; }
  /// Sum of the recorded values (as double: an hour of requests overflows 64 bits of ns).
  double sum() const { return sum_; }
  /// Number of values that were above highest() and recorded as highest().
  uint64_t clamped() const { return clamped_; }
  /// Largest trackable value.
  int64_t highest() const { return highest_; }
  /// Significant digits this histogram was built with.
  int digits() const { return digits_; }
  /// Bytes this histogram holds: the object and its table of counters. Fixed at construction.
  size_t memory_bytes() const { return sizeof(*this) + counts_.size() * sizeof(uint64_t); }

  /// One non-empty bucket, for iteration.
  struct Bucket {
    int64_t lowest;   ///< smallest value that falls into this bucket
    int64_t highest;  ///< largest value that falls into this bucket
    uint64_t count;   ///< values recorded in it
  };
  /// Calls fn(Bucket) for every non-empty bucket in increasing value order.
  template <class Fn>
  void for_each(Fn fn) const {
    for (size_t i = 0; i < counts_.size(); ++i)
      if (counts_[i]) fn(Bucket{lowest_of(i), highest_of(i), counts_[i]});
  }

  /// Bucket index of `value` (exposed for tests).
  size_t index_of(int64_t value) const;
  /// Smallest value of the bucket at `index`.
  int64_t lowest_of(size_t index) const;
  /// Largest value of the bucket at `index`.
  int64_t highest_of(size_t index) const;

 private:
  // Zeroed counters whose pages the kernel gives only when a value lands in them: an hour's
  // range at 3 digits is 33,000 counters (260 KB), of which a run touches a few pages. A table
  // filled with zeros by hand cost a new target's first result 260 KB of page faults (the
  // hot path of a replay meeting its URLs), and resident memory for every one of them.
  class Counters {
   public:
    Counters() = default;
    explicit Counters(size_t n);
    Counters(const Counters& other);
    Counters(Counters&& other) noexcept : n_(other.n_), p_(other.p_) { other.n_ = 0, other.p_ = nullptr; }
    Counters& operator=(Counters other) noexcept {
      std::swap(n_, other.n_);
      std::swap(p_, other.p_);
      return *this;
    }
    ~Counters();
    size_t size() const { return n_; }
    uint64_t& operator[](size_t i) { return p_[i]; }
    uint64_t operator[](size_t i) const { return p_[i]; }

   private:
    size_t n_ = 0;
    uint64_t* p_ = nullptr;
  };

  int64_t highest_;
  int digits_;
  int sub_bucket_magnitude_;  // log2(sub_bucket_count)
  int64_t sub_bucket_half_;   // sub_bucket_count / 2
  Counters counts_;
  uint64_t total_ = 0;
  uint64_t clamped_ = 0;
  int64_t min_ = 0;
  int64_t max_ = 0;
  double sum_ = 0;
};

}  // namespace loadgate
