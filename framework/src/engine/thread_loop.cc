// thread_loop.cc: one attacker thread's loop: prepare, begin at the shared start, tick, record, stop.
#include "engine/thread_loop.h"

#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>

namespace loadgate::engine {

ThreadLoop::ThreadLoop(const AttackOptions& o, Collector* collector, int concurrency_hint)
    : o_(o), io_(concurrency_hint), tick_(io_), collector_(collector) {
  if (collector_) batch_.reserve(Collector::kBatch);
}

void ThreadLoop::run() {
  // Wake-ups on time: no timer slack (Linux adds 50 us to a normal thread's sleeps by default).
  prctl(PR_SET_TIMERSLACK, 1UL);
  if (nice_ != 0) setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), nice_);
  generator.threads = 1;
  generator.precision_ns = o_.load.precision.count();
  prepare();
  // Drivers whose completions are posted from other threads (gRPC) leave the context without
  // pending work between calls: only stop_loop() ends it.
  auto guard = asio::make_work_guard(io_);
  loop();
  if (start_.steady_ns > 0) generator.ran_ns = std::max<int64_t>(0, steady_now_ns() - start_.steady_ns);
  after_run();
  flush_batch();
  finished.store(true);
}

// A thread that reads at its ticks sleeps on its pacing clock alone: answers that arrive
// between ticks do not wake it (their end is the kernel's receive time), and at a tick one
// poll of the reactor reads them all, runs the alarm and sends. A wake-up costs this machine
// more CPU than a request's I/O (ci/bench-http section 3: a bare sleeping thread). Anything
// else (a timeout, a stop posted from another thread) waits for the tick, at most the precision.
void ThreadLoop::loop() {
  constexpr int kTickWaitMs = 50;  // bounds a wait whose tick was stopped from this thread
  if (!may_tick()) {
    io_.run();
    return;
  }
  for (;;) {
    const int fd = tick_fd();
    if (fd < 0) {
      if (ticking_) {
        ticking_ = false;
        leave_ticks();
      }
      if (io_.run_one() == 0) return;
      continue;
    }
    ticking_ = true;
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, kTickWaitMs);
    // poll() runs the reactor again after the handlers it found, until it finds none: answers
    // that come while the tick's work runs are read in the same tick.
    io_.poll();
    if (io_.stopped()) return;
  }
}

void ThreadLoop::begin(const Start& start) {
  asio::post(io_, [this, start] {
    start_ = start;
    if (o_.progress || collector_) tick();
    on_begin();
  });
}

void ThreadLoop::stop_loop() {
  tick_.cancel();
  io_.stop();
}

// Every 250 ms: hands a partial batch to the sink (so that `attack | report -every=1s` sees
// results while they happen) and publishes p99 so far for the progress line.
void ThreadLoop::tick() {
  flush_batch();
  if (o_.progress)
    if (const Group* g = metrics_.group(metrics_.primary()))
      p99.store(g->total.latency.percentile(99), std::memory_order_relaxed);
  tick_.expires_after(std::chrono::milliseconds(250));
  tick_.async_wait([this](const asio::error_code& ec) {
    if (!ec) tick();
  });
}

void ThreadLoop::record(const Result& r, std::string_view body, std::string_view headers, const ConnectPhases& opened,
                        const TraceId& trace) {
  bool keep_trace = metrics_.add(r, opened, trace);
  if (!trace.empty()) {
    const int64_t second = r.scheduled_ns / 1'000'000'000;
    if (second != trace_second_) trace_second_ = second, trace_second_max_ = 0;
    if (r.latency_ns > trace_second_max_) trace_second_max_ = r.latency_ns, keep_trace = true;
  }
  // Single writer: plain load + store, relaxed, for the progress reader.
  completed.store(completed.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  if (!r.ok()) failed.store(failed.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  if (collector_) {
    if (!body.empty() || !headers.empty() || opened.any() || keep_trace)
      bodies_.push_back({static_cast<uint32_t>(batch_.size()), std::string(body), std::string(headers), opened,
                         keep_trace ? trace : TraceId{}});
    batch_.push_back(r);
    if (batch_.size() >= Collector::kBatch) flush_batch();
  }
}

bool ThreadLoop::woke_stalled(int64_t armed_steady, int64_t now_steady) {
  if (!probe_) return false;
  const int cpu = sched_getcpu();
  const int before = wake_cpu_;
  wake_cpu_ = cpu;
  const int64_t late = now_steady - armed_steady;
  if (late <= late_after()) return false;
  if (probe_->held(cpu, armed_steady, now_steady, late / 2) ||
      (before != cpu && probe_->held(before, armed_steady, now_steady, late / 2))) {
    ++generator.stalls;
    generator.stall_ns += late;
    catch_up_until_ = now_steady + late;
    return true;
  }
  return now_steady < catch_up_until_;
}

void ThreadLoop::flush_batch() {
  if (collector_ && !batch_.empty()) {
    batch_ = collector_->hand_over(std::move(batch_), std::move(bodies_));
    bodies_.clear();
  }
}

}  // namespace loadgate::engine
