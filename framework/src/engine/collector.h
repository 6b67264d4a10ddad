// collector.h (internal): hands batches of results from worker threads to one sink thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "loadgate/attack.h"

namespace loadgate::engine {

/// Collector runs `sink` on its own thread over batches handed in by workers: one lock per
/// batch, never per result, and a worker never blocks on the sink's I/O.
class Collector {
 public:
  /// Results per batch.
  static constexpr size_t kBatch = 1024;
  /// Starts the sink thread.
  explicit Collector(ResultsSink sink);
  /// Drains and joins (close()).
  ~Collector();
  /// Queues `full` for the sink and returns an empty batch (capacity kBatch) to refill.
  std::vector<Result> hand_over(std::vector<Result>&& full);
  /// Delivers everything queued, then stops the thread. Idempotent.
  void close();

 private:
  void loop();
  ResultsSink sink_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::vector<Result>> queue_;
  std::vector<std::vector<Result>> free_;
  bool closing_ = false;
  std::thread thread_;
};

}  // namespace loadgate::engine
