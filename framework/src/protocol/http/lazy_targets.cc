// lazy_targets.cc: the reader thread of streamed targets and the store the hits take from.
#include "protocol/http/lazy_targets.h"

namespace loadgate::http {

LazyTargets::LazyTargets(std::function<bool(uint64_t, Target&)> make, Prepare prepare, int shard, int shards)
    : make_(std::move(make)), prepare_(std::move(prepare)), shard_(static_cast<uint64_t>(shard)),
      shards_(static_cast<uint64_t>(std::max(1, shards))) {
  thread_ = std::thread([this] { run(); });
}

LazyTargets::~LazyTargets() {
  {
    std::lock_guard lock(mu_);
    closing_ = true;
  }
  made_cv_.notify_all();
  space_cv_.notify_all();
  thread_.join();
}

bool LazyTargets::pop(uint64_t seq, Made& t) {
  std::unique_lock lock(mu_);
  if (seq + 1 > wanted_) {
    wanted_ = seq + 1;
    if (made_ <= seq) space_cv_.notify_one();  // the reader may be resting on a full store
  }
  made_cv_.wait(lock, [&] { return made_ > seq || over_; });
  auto it = store_.find(seq);
  if (it == store_.end()) return false;
  t = std::move(it->second);
  store_.erase(it);
  // The reader rests until half the store is taken, then refills it in one go: waking it for
  // every target cost a context switch per hit when it shares the I/O thread's core.
  if (store_.size() == kAhead / 2) space_cv_.notify_one();
  return true;
}

std::optional<uint32_t> LazyTargets::first_origin() {
  std::unique_lock lock(mu_);
  if (!made_cv_.wait_for(lock, std::chrono::seconds(1), [&] { return made_ > shard_ || over_; })) return std::nullopt;
  auto it = store_.find(shard_);
  if (it == store_.end() || !it->second.prepared) return std::nullopt;
  return it->second.prepared->origin;
}

std::optional<InputError> LazyTargets::error() const {
  std::lock_guard lock(mu_);
  return error_;
}

void LazyTargets::run() {
  for (uint64_t n = 0;; ++n) {
    Target t;
    bool more = false;
    std::optional<InputError> failed;
    try {
      more = make_(n, t);
    } catch (const InputError& e) {
      failed = e;
    }
    std::unique_lock lock(mu_);
    if (failed) error_ = failed;
    if (!more || closing_) {
      over_ = true;
      made_cv_.notify_all();
      return;
    }
    if (n % shards_ == shard_) {
      // Ahead of the hits by at most kAhead (then resting until half are taken), unless a hit
      // already waits for this one.
      if (store_.size() >= kAhead)
        space_cv_.wait(lock, [&] { return store_.size() <= kAhead / 2 || n < wanted_ || closing_; });
      lock.unlock();
      Made m;
      try {
        m.prepared = prepare_(t);
      } catch (const InputError& e) {
        m.error = e;
      }
      lock.lock();
      store_.emplace(n, std::move(m));
    }
    made_ = n + 1;
    made_cv_.notify_all();
  }
}

}  // namespace loadgate::http
