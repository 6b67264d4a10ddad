// histogram.cc: the log-linear layout described in histogram.h.
//
// Index maths, with S = sub_bucket_count = 2^m and H = S/2:
//   bucket b  = max(0, floor(log2(v)) - (m - 1))      (values < S live in bucket 0, exactly)
//   sub s     = v >> b                                 (in [H, S) for b > 0)
//   index     = b * H + s
// and back: index < S -> (b = 0, s = index); else b = index / H - 1, s = index - b * H.
// The bucket at (b, s) holds values [s << b, (s + 1) << b), so its width over its lowest value
// is 1 / s <= 1 / H, which is below 10^-digits by the choice of S >= 2 * 10^digits.
#include "loadgate/histogram.h"

#include <sys/mman.h>

#include <cstdlib>
#include <new>

#include <algorithm>
#include <cmath>

namespace loadgate {
namespace {

int floor_log2(uint64_t v) { return 63 - __builtin_clzll(v | 1); }

}  // namespace

Histogram::Histogram(int64_t highest, int digits)
    : highest_(std::max<int64_t>(highest, 2)), digits_(std::clamp(digits, 1, 5)) {
  const double single_unit_limit = 2.0 * std::pow(10.0, digits_);
  sub_bucket_magnitude_ = static_cast<int>(std::ceil(std::log2(single_unit_limit)));
  sub_bucket_half_ = int64_t{1} << (sub_bucket_magnitude_ - 1);
  counts_ = Counters(index_of(highest_) + 1);
}

// Below a page's worth of counters the heap's zeroed memory is as good; above, anonymous pages
// are zero without being written.
constexpr size_t kMappedBytes = 4096;

Histogram::Counters::Counters(size_t n) : n_(n) {
  const size_t bytes = n * sizeof(uint64_t);
  void* p = nullptr;
  if (bytes >= kMappedBytes) {
    p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
  } else {
    p = std::calloc(n, sizeof(uint64_t));
    if (!p && n > 0) throw std::bad_alloc();
  }
  p_ = static_cast<uint64_t*>(p);
}

Histogram::Counters::Counters(const Counters& other) : Counters(other.n_) {
  for (size_t i = 0; i < n_; ++i)  // only what was counted: a copy touches no more pages
    if (other.p_[i]) p_[i] = other.p_[i];
}

Histogram::Counters::~Counters() {
  if (!p_) return;
  if (n_ * sizeof(uint64_t) >= kMappedBytes)
    ::munmap(p_, n_ * sizeof(uint64_t));
  else
    std::free(p_);
}

size_t Histogram::index_of(int64_t value) const {
  const uint64_t v = value < 0 ? 0 : static_cast<uint64_t>(value);
  const int b = std::max(0, floor_log2(v) - (sub_bucket_magnitude_ - 1));
  return static_cast<size_t>(b) * static_cast<size_t>(sub_bucket_half_) + (v >> b);
}

int64_t Histogram::lowest_of(size_t index) const {
  const auto half = static_cast<size_t>(sub_bucket_half_);
  if (index < 2 * half) return static_cast<int64_t>(index);
  const size_t b = index / half - 1;
  const size_t s = index - b * half;
  return static_cast<int64_t>(s << b);
}

int64_t Histogram::highest_of(size_t index) const {
  const auto half = static_cast<size_t>(sub_bucket_half_);
  if (index < 2 * half) return static_cast<int64_t>(index);
  const size_t b = index / half - 1;
  return lowest_of(index) + (int64_t{1} << b) - 1;
}

void Histogram::record(int64_t value, uint64_t count) {
  if (count == 0) return;
  if (value < 0) value = 0;
  if (total_ == 0) {
    min_ = max_ = value;
  } else {
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }
  sum_ += static_cast<double>(value) * static_cast<double>(count);
  total_ += count;
  if (value > highest_) {
    clamped_ += count;
    value = highest_;
  }
  counts_[index_of(value)] += count;
}

void Histogram::merge(const Histogram& other) {
  if (other.total_ == 0) return;
  if (other.digits_ == digits_ && other.highest_ == highest_) {
    for (size_t i = 0; i < counts_.size(); ++i)
      if (other.counts_[i]) counts_[i] += other.counts_[i];  // untouched pages stay untouched
    if (total_ == 0) {
      min_ = other.min_;
      max_ = other.max_;
    } else {
      min_ = std::min(min_, other.min_);
      max_ = std::max(max_, other.max_);
    }
    total_ += other.total_;
    sum_ += other.sum_;
    clamped_ += other.clamped_;
    return;
  }
  // Different layouts: re-record each bucket at its lowest value, then restore the exact
  // min, max and sum, which the other histogram knows better than its buckets do.
  const double sum_before = sum_;
  const uint64_t total_before = total_;
  const int64_t min_before = min_, max_before = max_;
  other.for_each([&](const Bucket& b) { record(b.lowest, b.count); });
  sum_ = sum_before + other.sum_;
  min_ = total_before ? std::min(min_before, other.min_) : other.min_;
  max_ = total_before ? std::max(max_before, other.max_) : other.max_;
}

void Histogram::reset() {
  counts_ = Counters(counts_.size());
  total_ = clamped_ = 0;
  min_ = max_ = 0;
  sum_ = 0;
}

int64_t Histogram::percentile(double percentile) const {
  if (total_ == 0) return 0;
  if (percentile <= 0) return min_;
  if (percentile >= 100) return max_;
  // Nearest rank, ceil(p/100 * n); the epsilon keeps 99.9 % of 2000 at 1998, not 1999.
  auto rank = static_cast<uint64_t>(std::ceil(percentile / 100.0 * static_cast<double>(total_) - 1e-6));
  rank = std::clamp<uint64_t>(rank, 1, total_);
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::clamp(highest_of(i), min_, max_);
  }
  return max_;
}

}  // namespace loadgate
