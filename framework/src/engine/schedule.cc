// schedule.cc: walking a thread's hits.
#include "engine/schedule.h"

namespace loadgate::engine {

Schedule::Schedule(const Pacer& pacer, uint64_t first, uint64_t stride, Nanos duration, uint64_t max_hits,
                   int64_t start_steady)
    : pacer_(pacer), stride_(stride), duration_(duration), max_hits_(max_hits), start_(start_steady), seq_(first), first_(first) {
  load();
}

void Schedule::advance() {
  seq_ += stride_;
  load();
}

void Schedule::load() {
  const std::optional<Nanos> due = pacer_.due(seq_);
  if (!due || (duration_.count() > 0 && *due >= duration_) || (max_hits_ && seq_ >= max_hits_)) {
    over_ = true;
    return;
  }
  const int64_t next = start_ + due->count();
  if (seq_ != first_) gap_ = next - due_;
  due_ = next;
}

}  // namespace loadgate::engine
