// worker_pool.h (internal): what every attacker thread shares, whatever its protocol: its own
// Metrics, its batch of results for the sink, the counters the progress line reads; and the
// loop that runs the threads, forwards a stop, prints progress and merges once at the end.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <memory>
#include <vector>

#include "engine/collector.h"
#include "loadgate/attack.h"

namespace loadgate::engine {

/// WorkerBase is one attacker thread. Subclasses implement run() and request_stop(), and call
/// record() for every result, on their own thread.
class WorkerBase {
 public:
  /// `collector` may be null (no sink); `concurrency_hint` is passed to the io_context.
  WorkerBase(const AttackOptions& o, Collector* collector, int concurrency_hint = 1);
  virtual ~WorkerBase() = default;
  /// The thread body. Must end with finish().
  virtual void run() = 0;
  /// Thread-safe: end the attack early (interrupt).
  virtual void request_stop() = 0;

  /// Everything this thread measured (read after it finished).
  Metrics& metrics() { return metrics_; }
  /// Results so far (progress line).
  std::atomic<uint64_t> completed{0};
  /// Failed results so far (progress line).
  std::atomic<uint64_t> failed{0};
  /// p99 so far, ns (progress line; published by publish()).
  std::atomic<int64_t> p99{0};
  /// Set when run() is over.
  std::atomic<bool> finished{false};
  /// Workers (connections, call slots) this thread opened; read after it finished.
  size_t opened = 0;

 protected:
  /// Adds a result to the metrics, the counters and the sink's batch. O(1).
  void record(const Result& r);
  /// Hands a partial batch to the sink.
  void flush_batch();
  /// Publishes p99 so far for the progress line.
  void publish();
  /// Flushes and marks the thread finished.
  void finish();
  /// Every 250 ms until stop_ticking(): hands a partial batch to the sink (so that
  /// `attack | report -every=1s` sees results while they happen) and publishes p99 so far.
  void tick();
  /// Cancels the tick.
  void stop_ticking() { tick_.cancel(); }

  const AttackOptions& o_;
  asio::io_context io_;  ///< this thread's event loop

 private:
  asio::steady_timer tick_;
  Collector* collector_;
  Metrics metrics_;
  std::vector<Result> batch_;
};

/// Runs `workers` on one thread each until all finish, forwarding AttackOptions::stop,
/// printing progress from `start_steady`, then merges their metrics into `run`.
void run_workers(std::vector<std::unique_ptr<WorkerBase>>& workers, const AttackOptions& o, int64_t start_steady,
                 AttackRun& run);

}  // namespace loadgate::engine
