// collector.h (internal): hands what the attacker's threads produce to the ResultsSink, on a
// thread of its own, so that no worker ever waits on the sink's I/O.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "loadgate/attack.h"

namespace loadgate::engine {

/// Collector runs the sink on its own thread over items queued by workers (batches of results)
/// and by the launcher and the monitor (the header, samples): one lock per batch, never per
/// result. The sink sees items in the order they were queued.
class Collector {
 public:
  /// Results per batch.
  static constexpr size_t kBatch = 1024;
  /// Starts the sink thread.
  explicit Collector(ResultsSink& sink);
  /// Drains and joins (close()).
  ~Collector();
  /// Queues the attack's header.
  void header(const AttackInfo& info);
  /// Queues `full` (and the bodies kept by some of its results) for the sink and returns an
  /// empty batch (capacity kBatch) to refill.
  std::vector<Result> hand_over(std::vector<Result>&& full, std::vector<KeptResponse>&& bodies = {});
  /// Queues one resource sample.
  void sample(const Sample& s);
  /// Queues the end of the attack.
  void end(const RunEnd& e);
  /// Delivers everything queued, then stops the thread. Idempotent.
  void close();

 private:
  // One queued item: a header, a batch of results or a sample.
  struct Item {
    std::optional<AttackInfo> header;
    std::vector<Result> results;
    std::vector<KeptResponse> bodies;
    std::optional<Sample> sample;
    std::optional<RunEnd> end;
  };
  void push(Item item);
  void loop();
  ResultsSink& sink_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  std::vector<std::vector<Result>> free_;
  bool closing_ = false;
  std::thread thread_;
};

}  // namespace loadgate::engine
