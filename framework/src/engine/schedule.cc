// schedule.cc: walking a thread's hits.
#include "engine/schedule.h"

namespace loadgate::engine {

Schedule::Schedule(const Pacer& pacer, uint64_t first, uint64_t stride, Nanos duration, uint64_t max_hits,
                   int64_t start_steady, Nanos precision)
    : pacer_(pacer),
      stride_(stride),
      duration_(duration),
      max_hits_(max_hits),
      start_(start_steady),
      precision_(precision.count()),
      seq_(first) {
  load();
}

void Schedule::advance() {
  const int64_t last = due_;
  seq_ += stride_;
  load();
  if (!over_) gap_ = due_ - last;
}

void Schedule::load() {
  const std::optional<Nanos> due = pacer_.due(seq_);
  if (!due || (duration_.count() > 0 && *due >= duration_) || (max_hits_ && seq_ >= max_hits_)) {
    over_ = true;
    return;
  }
  due_ = start_ + due->count();
}

}  // namespace loadgate::engine
