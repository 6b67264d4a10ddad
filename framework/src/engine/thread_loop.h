// thread_loop.h (internal): one attacker thread, whatever its protocol: its own event loop and
// Metrics, its batch of results for the sink, and the counters the progress line reads.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <memory>
#include <string_view>
#include <vector>

#include "engine/collector.h"
#include "engine/stall_probe.h"
#include "loadgate/attack.h"

namespace loadgate::engine {

/// Start is the instant an attack's schedule counts from, on both clocks.
struct Start {
  int64_t steady_ns = 0;  ///< steady clock (ns)
  int64_t unix_ns = 0;    ///< the same instant in Unix time (ns)
};

/// ThreadLoop is one attacker thread (not a -workers worker: those are its connections, streams
/// or call slots). A loop first prepares (opens what it can ahead of the start) and says when it
/// is ready; the launcher then begins every loop at one Start; the loop ends with stop_loop()
/// when its thread's share of the attack is over.
class ThreadLoop {
 public:
  /// `collector` may be null (no sink); `concurrency_hint` is passed to the io_context.
  ThreadLoop(const AttackOptions& o, Collector* collector, int concurrency_hint = 1);
  virtual ~ThreadLoop() = default;
  /// The thread body: prepare(), the event loop until stop_loop(), after_run(), then finished.
  void run();
  /// Thread-safe: begins the schedule at `start` (on this loop's thread).
  void begin(const Start& start);
  /// Thread-safe: ends the attack early (interrupt).
  virtual void request_stop() = 0;
  /// The machine's stall probe (may be null), before run().
  void set_probe(const StallProbe* probe) { probe_ = probe; }
  /// Before run(): the thread runs at `nice` (setpriority; refused quietly when not allowed).
  void set_nice(int nice) { nice_ = nice; }

  /// Everything this thread measured (read after it finished).
  Metrics& metrics() { return metrics_; }
  /// Set once prepare() has opened what it opens ahead of the start.
  std::atomic<bool> ready{false};
  /// Results so far (progress line).
  std::atomic<uint64_t> completed{0};
  /// Failed results so far (progress line).
  std::atomic<uint64_t> failed{0};
  /// Hits handed to a worker so far (live counters: in flight = started - completed).
  std::atomic<uint64_t> started{0};
  /// Workers (connections, streams, call slots) open now (live counters).
  std::atomic<uint32_t> workers_open{0};
  /// p99 so far, ns (progress line; published by the tick).
  std::atomic<int64_t> p99{0};
  /// Set when run() is over.
  std::atomic<bool> finished{false};
  /// Workers (connections, call slots) this thread opened; read after it finished.
  size_t opened = 0;
  /// This thread's own account of its schedule; read after it finished.
  GeneratorStats generator;

 protected:
  /// On this thread, with the loop about to run: start what should be open before the start
  /// (connections), and call mark_ready() once it is (default: ready at once).
  virtual void prepare() { mark_ready(); }
  /// On this thread, at the start: begin the schedule; start_ is set.
  virtual void on_begin() = 0;
  /// On this thread, after the loop ended: release connections, set `opened`.
  virtual void after_run() {}
  /// A descriptor that becomes readable at this thread's next pacing tick when the thread may
  /// sleep until then whatever else happens (SlotOwner::reads_at_ticks()); -1 otherwise. Looked
  /// at before every wait of the loop.
  virtual int tick_fd() const { return -1; }
  /// Whether tick_fd() may ever be >= 0 (decided before the loop runs): a loop that never
  /// ticks runs its io_context plainly.
  virtual bool may_tick() const { return false; }
  /// The loop stops sleeping from tick to tick (tick_fd() became -1): whatever waits for the
  /// next tick must wait for its own events now.
  virtual void leave_ticks() {}
  /// Whether the loop sleeps from tick to tick now (tick_fd() was >= 0 at its last wait).
  bool ticking() const { return ticking_; }
  /// Says that prepare() is done.
  void mark_ready() { ready.store(true); }
  /// Ends the event loop (the attack is over for this thread).
  void stop_loop();
  /// Adds a result to the metrics, the counters and the sink's batch. O(1); `body`, the kept
  /// start of its response body (-max-body), and `headers`, its kept header lines
  /// (-keep-headers), are copied only when non-empty; `opened`, the phases of the connection
  /// opened for it, go beside it only when one was; `trace`, the trace id its request carried,
  /// only when it is among the thread's slowest so far or the slowest of its second so far (a
  /// bounded reservoir whose union over threads holds the run's slowest exactly).
  void record(const Result& r, std::string_view body = {}, std::string_view headers = {}, const ConnectPhases& opened = {},
              const TraceId& trace = {});
  /// Counts a hit handed to a worker (single writer: a plain relaxed store).
  void count_started() { started.store(started.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); }
  /// Counts a scheduled hit due at `due_steady`, handed over at `now_steady`, at a wake-up that
  /// `stalled` (woke_stalled()) (GeneratorStats).
  void count_hit(int64_t due_steady, int64_t now_steady, bool stalled = false) {
    ++generator.scheduled;
    if (now_steady - due_steady > late_after()) {
      ++generator.late;
      if (stalled) ++generator.stalled;
    }
  }
  /// How late a hit may go out before the generator counts it as its own delay (ns):
  /// kLateThreshold past what the precision allows (Load::precision; automatic: nothing).
  int64_t late_after() const { return kLateThreshold.count() + o_.load.precision.count(); }
  /// Call at every pacing wake-up, armed for `armed_steady`, now `now_steady`: whether it came
  /// late in a stall of the machine: the stall probe of this thread's CPU (now or at its previous
  /// wake-up) was held through at least half of the lateness. A late wake-up while the thread
  /// catches up on a stall (for as long again as the stall) is the stall's too.
  bool woke_stalled(int64_t armed_steady, int64_t now_steady);

  const AttackOptions& o_;
  asio::io_context io_;  ///< this thread's event loop
  Start start_;          ///< set before on_begin()

 private:
  void loop();
  void flush_batch();
  void tick();
  bool ticking_ = false;  // ticking()
  asio::steady_timer tick_;
  Collector* collector_;
  Metrics metrics_;
  std::vector<Result> batch_;
  std::vector<KeptResponse> bodies_;  // of results in batch_
  const StallProbe* probe_ = nullptr;
  int wake_cpu_ = -1;              // the CPU of the previous pacing wake-up
  int nice_ = 0;                   // set_nice()
  int64_t catch_up_until_ = 0;     // steady ns until which the thread catches up on a stall
  int64_t trace_second_ = -1;      // the second (of scheduled time) of the traced results met last
  int64_t trace_second_max_ = 0;   // the slowest latency of a traced result in it so far (ns)
};

}  // namespace loadgate::engine
