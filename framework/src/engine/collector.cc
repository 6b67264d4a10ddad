// collector.cc: the batch queue between workers and the results sink.
#include "engine/collector.h"

namespace loadgate::engine {

Collector::Collector(ResultsSink sink) : sink_(std::move(sink)), thread_([this] { loop(); }) {}

Collector::~Collector() { close(); }

std::vector<Result> Collector::hand_over(std::vector<Result>&& full) {
  std::vector<Result> empty;
  {
    std::lock_guard lock(mu_);
    if (!full.empty()) queue_.push_back(std::move(full));
    if (!free_.empty()) {
      empty = std::move(free_.back());
      free_.pop_back();
    }
  }
  cv_.notify_one();
  empty.clear();
  empty.reserve(kBatch);
  return empty;
}

void Collector::close() {
  {
    std::lock_guard lock(mu_);
    if (closing_ && !thread_.joinable()) return;
    closing_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Collector::loop() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return closing_ || !queue_.empty(); });
    if (queue_.empty()) return;  // closing and drained
    std::vector<Result> batch = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    sink_(batch.data(), batch.size());
    batch.clear();
    lock.lock();
    if (free_.size() < 64) free_.push_back(std::move(batch));
  }
}

}  // namespace loadgate::engine
