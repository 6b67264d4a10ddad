// connection_pool.cc: a thread per open connection, started on demand.
#include "connection_pool.h"

#include <algorithm>

namespace loadgate::services {

ConnectionPool::ConnectionPool(size_t initial, size_t max) : max_(std::max<size_t>(1, std::max(initial, max))) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (size_t i = 0; i < std::max<size_t>(1, initial); ++i) spawn();
}

ConnectionPool::~ConnectionPool() { shutdown(); }

void ConnectionPool::spawn() {
  ++idle_;
  threads_.emplace_back([this] { work(); });
}

void ConnectionPool::enqueue(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.push_back(std::move(fn));
    // Every queued task needs an idle thread; one more while the pool may grow.
    if (!shutdown_ && jobs_.size() > idle_ && threads_.size() < max_) spawn();
  }
  ready_.notify_one();
}

void ConnectionPool::shutdown() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (shutdown_) return;
    shutdown_ = true;
    threads.swap(threads_);
  }
  ready_.notify_all();
  for (std::thread& t : threads) t.join();
}

size_t ConnectionPool::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return threads_.size();
}

void ConnectionPool::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    ready_.wait(lock, [this] { return !jobs_.empty() || shutdown_; });
    if (jobs_.empty()) return;  // shut down, nothing left
    std::function<void()> fn = std::move(jobs_.front());
    jobs_.pop_front();
    --idle_;
    lock.unlock();
    fn();
    lock.lock();
    ++idle_;
  }
}

}  // namespace loadgate::services
