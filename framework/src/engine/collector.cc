// collector.cc: the queue between the attacker's threads and the results sink.
#include "engine/collector.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace loadgate::engine {

Collector::Collector(ResultsSink& sink) : sink_(sink), thread_([this] { loop(); }) {}

Collector::~Collector() { close(); }

void Collector::push(Item item) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(item));
  }
  cv_.notify_one();
}

void Collector::header(const AttackInfo& info) {
  Item item;
  item.header = info;
  push(std::move(item));
}

void Collector::sample(const Sample& s) {
  Item item;
  item.sample = s;
  push(std::move(item));
}

void Collector::end(const RunEnd& e) {
  Item item;
  item.end = e;
  push(std::move(item));
}

std::vector<Result> Collector::hand_over(std::vector<Result>&& full, std::vector<KeptResponse>&& bodies) {
  std::vector<Result> empty;
  {
    std::lock_guard lock(mu_);
    if (!full.empty()) queue_.push_back(Item{std::nullopt, std::move(full), std::move(bodies), std::nullopt, std::nullopt});
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
  // Behind the attacker's threads on a shared core (nice 10: a tenth of their weight), so that
  // writing results never delays a send; batches queue meanwhile.
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return closing_ || !queue_.empty(); });
    if (queue_.empty()) return;  // closing and drained
    Item item = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    if (item.header) sink_.header(*item.header);
    if (item.sample) sink_.sample(*item.sample);
    if (!item.results.empty() && item.bodies.empty()) sink_.results(item.results.data(), item.results.size());
    if (!item.results.empty() && !item.bodies.empty())
      sink_.results(item.results.data(), item.results.size(), item.bodies);
    if (item.end) sink_.end(*item.end);
    item.results.clear();
    lock.lock();
    if (item.results.capacity() >= kBatch && free_.size() < 64) free_.push_back(std::move(item.results));
  }
}

}  // namespace loadgate::engine
