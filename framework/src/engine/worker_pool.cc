// worker_pool.cc: per-thread bookkeeping and the thread loop.
#include "engine/worker_pool.h"

#include <unistd.h>

#include <algorithm>
#include <thread>

#include "engine/progress.h"

namespace loadgate::engine {

WorkerBase::WorkerBase(const AttackOptions& o, Collector* collector, int concurrency_hint)
    : o_(o), io_(concurrency_hint), tick_(io_), collector_(collector) {
  if (collector_) batch_.reserve(Collector::kBatch);
}

void WorkerBase::tick() {
  flush_batch();
  if (o_.progress) publish();
  tick_.expires_after(std::chrono::milliseconds(250));
  tick_.async_wait([this](const asio::error_code& ec) {
    if (!ec) tick();
  });
}

void WorkerBase::record(const Result& r) {
  metrics_.add(r);
  // Single writer: plain load + store, relaxed, for the progress reader.
  completed.store(completed.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  if (!r.ok()) failed.store(failed.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  if (collector_) {
    batch_.push_back(r);
    if (batch_.size() >= Collector::kBatch) batch_ = collector_->hand_over(std::move(batch_));
  }
}

void WorkerBase::flush_batch() {
  if (collector_ && !batch_.empty()) batch_ = collector_->hand_over(std::move(batch_));
}

void WorkerBase::publish() {
  if (const Group* g = metrics_.group(metrics_.primary()))
    p99.store(g->total.latency.percentile(99), std::memory_order_relaxed);
}

void WorkerBase::finish() {
  flush_batch();
  finished.store(true);
}

void run_workers(std::vector<std::unique_ptr<WorkerBase>>& workers, const AttackOptions& o, int64_t start_steady,
                 AttackRun& run) {
  std::vector<Monitor::Target> watched = o.monitor;
  if (o.monitor_self) watched.insert(watched.begin(), Monitor::Target{static_cast<int>(getpid()), "generator"});
  Monitor monitor(watched);
  monitor.start(std::chrono::seconds(1), o.sample_sink);
  std::vector<std::thread> pool;
  for (auto& w : workers) pool.emplace_back([&w] { w->run(); });
  Progress progress(o.progress, o.duration);
  bool stop_sent = false;
  while (!std::all_of(workers.begin(), workers.end(), [](auto& w) { return w->finished.load(); })) {
    if (!stop_sent && o.stop && o.stop->load()) {
      stop_sent = true;
      run.interrupted = true;
      for (auto& w : workers) w->request_stop();
    }
    if (o.progress) {
      uint64_t n = 0, bad = 0;
      int64_t p99 = 0;
      for (auto& w : workers) {
        n += w->completed.load(std::memory_order_relaxed);
        bad += w->failed.load(std::memory_order_relaxed);
        p99 = std::max(p99, w->p99.load(std::memory_order_relaxed));
      }
      progress.update(Nanos(steady_now_ns() - start_steady), n, bad, p99);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (auto& t : pool) t.join();
  monitor.stop();
  progress.finish();
  for (auto& w : workers) {
    run.metrics.merge(w->metrics());
    run.workers += w->opened;
  }
  for (const Sample& s : monitor.samples()) run.metrics.add_sample(s);
  run.elapsed = Nanos(steady_now_ns() - start_steady);
}

}  // namespace loadgate::engine
