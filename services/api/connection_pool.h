// connection_pool.h: the API service's threads. cpp-httplib serves a connection on one thread
// for as long as it stays open (keep-alive), so a fixed pool of n threads serves n connections
// and leaves the next waiting, unanswered, until one closes: a client that opens more (a load
// generator growing its pool when the service is slow) saw its requests time out after 30 s,
// which says nothing true about the service. This pool starts `initial` threads and adds one
// whenever a connection arrives with none idle, up to `max`; past that, connections wait.
#pragma once

#include <httplib.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace loadgate::services {

/// ConnectionPool is an httplib task queue that grows to one thread per open connection.
class ConnectionPool final : public httplib::TaskQueue {
 public:
  /// Starts `initial` threads; grows to `max` at most (max >= initial >= 1).
  ConnectionPool(size_t initial, size_t max);
  ~ConnectionPool() override;
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  /// Queues a connection's task; a thread is added when none is idle and the pool is below max.
  void enqueue(std::function<void()> fn) override;
  /// Ends every thread once the queued tasks are done, and joins them.
  void shutdown() override;
  /// Threads started so far.
  size_t size() const;

 private:
  void spawn();  // with mutex_ held
  void work();

  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  size_t idle_ = 0;
  const size_t max_;
  bool shutdown_ = false;
};

}  // namespace loadgate::services
