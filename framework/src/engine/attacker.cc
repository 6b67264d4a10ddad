// attacker.cc: pacing, worker slots, pending hits and the end of an attack.
//
// Open model: each thread walks its Schedule (schedule.h), waking once per tick at most and at
// every completion to send what is due. Where its driver times answers by their arrival (plain
// TCP HTTP/1.1), it sends at ticks only and sleeps through the answers, read at the next tick.
// A due hit takes a free slot, or a new slot while under the per-thread cap, or waits in a fixed
// ring (it will be late, and the lateness is measured), or - ring full - is recorded as dropped.
// Closed model: N slots back to back.
#include "engine/attacker.h"

#include <algorithm>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <cmath>
#include <sched.h>
#include <vector>

#include "engine/collector.h"
#include "engine/launch.h"
#include "engine/pacing_clock.h"
#include "engine/schedule.h"
#include "loadgate/error.h"
#include "loadgate/fd_limit.h"
#include "loadgate/interner.h"

namespace loadgate::engine {

Result make_result(const Hit& hit, int64_t sent_steady, int64_t end_steady, Kind kind) {
  Result r;
  r.scheduled_ns = hit.scheduled_ns;
  r.send_delay_ns = std::max<int64_t>(0, sent_steady - hit.scheduled_steady);
  r.latency_ns = std::max<int64_t>(r.send_delay_ns, end_steady - hit.scheduled_steady);
  r.kind = kind;
  return r;
}

namespace {

using Clock = std::chrono::steady_clock;

Clock::time_point at(int64_t steady_ns) { return Clock::time_point(Nanos(steady_ns)); }

// Hits that find every connection busy wait for one to free up; only when some have been
// waiting continuously for this long (ns) is a new connection opened. Against a fast service a
// busy connection frees within microseconds: opening one per momentary shortage grew the pool
// by hundreds at 50,000 req/s, and every connection costs the generator more than the wait.
constexpr int64_t kGrowAfter = 200'000;
// At most one connection is opened for waiting hits per this many ns (10,000 a second).
constexpr int64_t kGrowEvery = 100'000;
// Warm-up connections opening at once, per thread.
constexpr int kWarmAtOnce = 4;

// Fixed-capacity FIFO of hits waiting for a slot, and since when it has not been empty.
class HitRing {
 public:
  explicit HitRing(size_t capacity) : items_(capacity) {}
  bool empty() const { return size_ == 0; }
  bool full() const { return size_ == items_.size(); }
  void push(const Hit& h, int64_t now) {
    if (size_ == 0) since_ = now;
    items_[(head_ + size_) % items_.size()] = h;
    ++size_;
  }
  // Steady ns since which the ring has held hits. Precondition: !empty().
  int64_t since() const { return since_; }
  Hit pop() {
    Hit h = items_[head_];
    head_ = (head_ + 1) % items_.size();
    --size_;
    return h;
  }

 private:
  std::vector<Hit> items_;
  size_t head_ = 0, size_ = 0;
  int64_t since_ = 0;
};

// What every worker reads and nobody writes.
struct Plan {
  const AttackOptions* opts;
  Driver* driver;
  int threads;
};

int share(int total, int threads, int index) { return total / threads + (index < total % threads ? 1 : 0); }

class AttackThread final : public ThreadLoop, public SlotOwner {
 public:
  AttackThread(const Plan& plan, int index, Collector* collector)
      // One thread runs all I/O of this context, so the reactor needs no per-socket locks; the
      // scheduler keeps its lock for request_stop() and begin() posted from the launcher.
      : ThreadLoop(*plan.opts, collector, ASIO_CONCURRENCY_HINT_UNSAFE_IO),
        plan_(plan),
        index_(index),
        timer_(io_),
        clock_(io_,
               [this] {
                 ++generator.wakes;
                 on_wake();
               }),
        deadline_(io_),
        wind_down_(io_),
        pending_(o_.load.rate.unlimited() ? 1 : kPendingCapacity) {
    const int t = plan.threads;
    const bool streams = plan.driver->multiplexed() && o_.load.stream_workers > 0;
    workers_ = streams ? o_.load.stream_workers : o_.load.workers;
    const int max_workers = streams ? o_.load.stream_max_workers : o_.load.max_workers;
    // A shard closes its share of the workers (the open model's caps are per generator).
    if (o_.load.rate.unlimited()) workers_ = std::max(1, share(workers_, std::max(1, o_.load.shards), o_.load.shard));
    max_slots_ = o_.load.rate.unlimited() ? share(workers_, t, index) : share(std::max(max_workers, workers_), t, index);
    max_slots_ = std::max(1, max_slots_);
    const auto threads = static_cast<uint64_t>(t), i = static_cast<uint64_t>(index);
    const auto shards = static_cast<uint64_t>(std::max(1, o_.load.shards)), shard = static_cast<uint64_t>(o_.load.shard);
    const uint64_t mine = o_.load.requests / shards + (shard < o_.load.requests % shards ? 1 : 0);  // this shard's
    quota_ = mine / threads + (i < mine % threads ? 1 : 0);
    // The driver's origins are fixed before the attack: whether it stamps its reads is too.
    if (!o_.load.rate.unlimited() && plan.driver->stamps_reads())
      tick_ns_ = o_.load.precision.count() > 0 ? o_.load.precision.count() : kReadTick;
  }

  // Opens the initial connections before the start; ready when they are open (or failed).
  void prepare() override {
    std::vector<uint32_t> labels;
    for (uint32_t i = 0; i < plan_.driver->target_count() && i < Metrics::kMaxTargets; ++i)
      labels.push_back(plan_.driver->target_label(i));
    metrics().prepare(plan_.driver->kind(), labels);
    if (!closed_model()) {
      initial_ = std::min(max_slots_, std::max({1, share(workers_, plan_.threads, index_), starting_need()}));
      for (int i = 0; i < initial_; ++i) add_slot();
      warm_next();
    }
    if (connecting_ == 0) mark_ready();
  }

  // Connections this thread needs at the start: the hits it has due in its first kGrowAfter (at
  // 150,000/s, 30; each answer takes some tens of us, and hits sent 50 us apart overlap). Fewer
  // made the first milliseconds of a fast attack queue for connections while the pool grew.
  int starting_need() const {
    const Pacer& p = *o_.load.rate.pacer;
    const auto threads = static_cast<uint64_t>(plan_.threads) * static_cast<uint64_t>(std::max(1, o_.load.shards));
    // A thread that reads at its ticks holds each connection for a tick at least.
    const int64_t window = kGrowAfter + 2 * tick_ns_;
    uint64_t n = 0;
    while (n < static_cast<uint64_t>(max_slots_) * threads && p.due(n).value_or(Nanos::max()).count() < window) ++n;
    return static_cast<int>(n / threads);
  }

  // Opens the next warm-up connections, kWarmAtOnce at a time: a burst of connects overflows the
  // small listen backlogs of some servers (Python's is 5), and an overflowed SYN waits a second.
  void warm_next() {
    while (warmed_ < slots_.size() && connecting_ < kWarmAtOnce) slots_[warmed_++]->warm();
  }

  void after_run() override {
    opened = slots_.size();
    slots_.clear();
  }

  // Thread-safe: ends the attack early (interrupt).
  void request_stop() override {
    asio::post(io_, [this] { stop(true); });
  }

  // With every response timed by the kernel, the thread sleeps from tick to tick while its
  // alarm runs periodically (ThreadLoop::loop), unless hits wait for a connection: then every
  // answer read as it comes frees one at once, as without a tick, until the thread caught up.
  bool reads_at_ticks() const override { return reads_at_ticks_; }
  bool await_tick(Slot& s) override {
    if (!ticking()) return false;
    awaiting_.push_back(&s);
    return true;
  }
  // The answers of a tick: each slot reads once; one that finds nothing yet asks again.
  void read_awaiting() {
    reading_.swap(awaiting_);
    generator.tick_reads += reading_.size();
    for (Slot* s : reading_) s->read_at_tick();
    reading_.clear();
  }
  void leave_ticks() override { read_awaiting(); }
  void cannot_stamp() override { reads_at_ticks_ = false; }
  bool may_tick() const override { return tick_ns_ > 0; }
  int tick_fd() const override {
    return reads_at_ticks_ && !schedule_over_ && pending_.empty() && clock_.period() > 0 ? clock_.fd() : -1;
  }

 private:
  bool closed_model() const { return o_.load.rate.unlimited(); }
  int64_t now() const { return steady_now_ns(); }

  void on_begin() override {
    began_ = true;
    if (closed_model()) {
      // The start was posted ahead of its instant: the first hit goes out at it, not before
      // (a hit sent early would measure its latency from a later, scheduled time).
      if (now() < start_.steady_ns) {
        timer_.expires_at(at(start_.steady_ns));
        timer_.async_wait([this](const asio::error_code& ec) {
          if (!ec) begin_closed();
        });
        return;
      }
      begin_closed();
    } else {
      // Hit k belongs to shard k mod shards; within the shard, to thread (k div shards) mod threads.
      const auto shards = static_cast<uint64_t>(std::max(1, o_.load.shards));
      reads_at_ticks_ = tick_ns_ > 0;
      schedule_.emplace(*o_.load.rate.pacer, static_cast<uint64_t>(o_.load.shard) + shards * static_cast<uint64_t>(index_),
                        shards * static_cast<uint64_t>(plan_.threads), o_.load.duration, o_.load.requests, start_.steady_ns,
                        Nanos(tick_ns_ > 0 ? tick_ns_ : o_.load.precision.count()));
      on_wake();
    }
    maybe_finish();
  }

  // N workers back to back; the clock, not a pacer, ends the schedule.
  void begin_closed() {
    if (o_.load.requests && quota_ == 0) stop(false);
    for (int i = 0; i < max_slots_ && !schedule_over_; ++i) {
      slots_.push_back(plan_.driver->make_slot(io_, *this));
      workers_open.store(static_cast<uint32_t>(slots_.size()), std::memory_order_relaxed);
      if (!try_start_closed(*slots_.back())) idle_.push_back(slots_.back().get());
    }
    if (o_.load.duration.count() > 0 && !schedule_over_) {
      timer_.expires_at(at(start_.steady_ns + o_.load.duration.count()));
      timer_.async_wait([this](const asio::error_code& ec) {
        if (!ec) stop(false);
      });
    }
    maybe_finish();
  }

  Slot* add_slot() {
    slots_.push_back(plan_.driver->make_slot(io_, *this));
    workers_open.store(static_cast<uint32_t>(slots_.size()), std::memory_order_relaxed);
    idle_.push_back(slots_.back().get());
    return slots_.back().get();
  }

  // The hit `seq` due at `due_steady`, or nullopt when its targets are over (a streamed list ended).
  std::optional<Hit> hit_for(uint64_t seq, int64_t due_steady) const {
    const std::optional<uint32_t> target = plan_.driver->target_for(seq);
    if (!target) return std::nullopt;
    Hit h;
    h.seq = seq;
    h.scheduled_steady = due_steady;
    h.scheduled_ns = start_.unix_ns + (due_steady - start_.steady_ns);
    h.target = *target;
    return h;
  }

  // ---- open model ----

  // Sends every hit due by now (catching up after a stall); ends the schedule when it is over.
  // `stalled`: this is a wake-up that came late while the thread was off its core.
  void pump(bool stalled = false) {
    // Not re-entered: a hit that fails inside dispatch() (a connect refused at once) completes
    // into done(), which would pump the same hit, not yet advanced past, again and again.
    if (schedule_over_ || pumping_) return;
    int64_t t = now();
    // A polling thread sends at most once per tick (kPollTick, see there).
    if (polled_at_ != 0 && t < last_pump_ + schedule_->tick()) return;
    last_pump_ = t;
    // This thread's own lag: a hit found due long ago means the thread was busy or preempted.
    if (!schedule_->over() && t - schedule_->due() > kGrowAfter + tick_ns_) behind_until_ = t + kGrowAfter;
    pumping_ = true;
    while (!schedule_->over() && schedule_->due() <= t) {
      const std::optional<Hit> h = hit_for(schedule_->seq(), schedule_->due());
      if (!h) {  // the targets stream ended: so does the schedule, as in Vegeta
        pumping_ = false;
        stop(false);
        return;
      }
      count_hit(schedule_->due(), t, stalled);
      dispatch(*h, t);
      schedule_->advance();
      t = now();  // a long catch-up takes time of its own: each hit is handed over when it is
    }
    pumping_ = false;
    grow(t);
    if (schedule_->over()) stop(false);
  }

  // The pacing wake-up: send what is due, then sleep until the next hit is due, but at least a
  // tick (see schedule.h), or until waiting hits may grow the pool. At a high rate the thread
  // busy-polls instead (Schedule::polls()): a turn of the loop sends what is due, once a kPollTick.
  void on_wake() {
    if (!awaiting_.empty()) read_awaiting();  // answers first: they free connections for the sends
    pump(woke_stalled(armed_, now()));
    if (schedule_over_) return;
    const int64_t t = now();
    if (schedule_->polls()) {
      clock_.stop();
      poll_turn(t);
      return;
    }
    polled_at_ = 0;
    const int64_t tick = schedule_->tick();
    if (schedule_->gap() <= tick && schedule_->explicit_precision()) {
      // Hits due at least once a tick: an alarm every tick, left running while they are (no
      // system call per wake-up; pacing_clock.h). Waiting hits are looked at on the next tick.
      clock_.set(clock_.period() == tick ? clock_.next(t) : schedule_->wake(last_pump_), tick);
    } else {
      int64_t wake = schedule_->wake(last_pump_);
      if (!pending_.empty()) wake = std::min(wake, std::max(pending_.since() + kGrowAfter, last_grow_ + kGrowEvery));
      clock_.set(std::max(wake, t), 0);
    }
    armed_ = clock_.next(t);
  }

  // One turn of the busy poll: the next pump runs after every handler ready now (the reactor
  // polls its sockets without blocking). A turn in which nothing else happened was idle: its
  // time is counted (GeneratorStats::polled_ns), and the core is offered to any other runnable
  // thread (the sink's, a service's), so that polling never takes CPU somebody needs.
  void poll_turn(int64_t t) {
    const uint64_t events = completed.load(std::memory_order_relaxed) + issued_;
    if (polled_at_ != 0 && events == polled_events_) {
      idle_at_ = t;
      generator.polled_ns += t - polled_at_;
      sched_yield();
    }
    polled_at_ = t;
    armed_ = t + schedule_->tick();
    polled_events_ = events;
    asio::post(io_, [this] { on_wake(); });
  }

  void dispatch(const Hit& h, int64_t t) {
    ++issued_;
    count_started();
    if (!idle_.empty()) {
      Slot* s = idle_.back();
      idle_.pop_back();
      s->start(h);
    } else if (!pending_.full()) {
      pending_.push(h, t);  // a busy connection will take it, or grow() opens one
    } else {
      record_dropped(h);
    }
  }

  // Opens one connection when hits have been waiting for a busy one continuously for kGrowAfter,
  // at most one per kGrowEvery and within the caps, and not while this thread itself is behind
  // its schedule: a stall (a preemption, deferred network processing) or a saturated thread
  // queues hits too, but then the answers are waiting to be read, and more connections would
  // only add cost. Only a shortage while the thread keeps up means the service holds them all.
  void grow(int64_t t) {
    // A polling thread knows better: it keeps up if a turn of its loop found nothing to do lately.
    const bool busy = polled_at_ != 0 ? t - idle_at_ > kGrowAfter : t < behind_until_;
    if (pending_.empty() || t - pending_.since() < kGrowAfter || t - last_grow_ < kGrowEvery || busy ||
        static_cast<int>(slots_.size()) >= max_slots_ || connecting_ >= kMaxConnecting)
      return;
    last_grow_ = t;
    add_slot();
    idle_.pop_back();
    slots_.back()->start(pending_.pop());
  }

  // ---- closed model ----

  // Starts the next back-to-back hit on `s`; false (and the schedule ends) when the count or
  // the clock is used up.
  bool try_start_closed(Slot& s) {
    if (schedule_over_) return false;
    const int64_t t = now();
    if ((quota_ && issued_ >= quota_) || (o_.load.duration.count() > 0 && t >= start_.steady_ns + o_.load.duration.count())) {
      stop(false);
      return false;
    }
    const auto shards = static_cast<uint64_t>(std::max(1, o_.load.shards));
    const uint64_t seq =
        (issued_ * static_cast<uint64_t>(plan_.threads) + static_cast<uint64_t>(index_)) * shards + static_cast<uint64_t>(o_.load.shard);
    const std::optional<Hit> h = hit_for(seq, std::max(t, start_.steady_ns));
    if (!h) {
      stop(false);
      return false;
    }
    ++issued_;
    count_started();
    s.start(*h);
    return true;
  }

  // ---- completions ----

  void done(Slot& s, const Result& r) override {
    record(r, s.kept_body(), s.kept_headers(), s.opened(), s.trace());
    free(s);
  }

  void cut(Slot& s) override {
    ++generator.cut;
    free(s);
  }

  // `s` finished its hit: the next one waiting, or idle.
  void free(Slot& s) {
    if (!pending_.empty()) {
      s.start(pending_.pop());
      return;
    }
    if (closed_model() && try_start_closed(s)) return;
    idle_.push_back(&s);
    // A hit already due goes out now, on this connection (the last idle), not at the next wake;
    // with a precision set, at the next tick (hits go out at ticks only).
    if (!closed_model() && began_ && !schedule_over_ && !schedule_->over() && o_.load.precision.count() == 0 &&
        schedule_->due() <= now())
      pump();
    maybe_finish();
  }

  void extra(Slot&, const Result& r) override { record(r); }

  void connecting(int delta) override {
    connecting_ += delta;
    if (!began_) {
      if (delta < 0) warm_next();
      if (connecting_ == 0) mark_ready();
      return;
    }
    // A connection finished opening: hits that waited long enough may now open another one.
    if (delta < 0 && !closed_model()) grow(now());
  }

  void record_dropped(const Hit& h) {
    Result r;
    r.scheduled_ns = h.scheduled_ns;
    r.kind = plan_.driver->kind();
    r.target = plan_.driver->target_label(h.target);
    r.error_kind = ErrorKind::kDropped;
    static const uint32_t kText = intern("dropped: no free worker before the attack ended");
    r.error = kText;
    record(r);
    plan_.driver->release(h.target);
  }

  // ---- the end ----

  // Ends the schedule. On interrupt, waiting hits are dropped at once and in-flight ones get
  // interrupt_grace; at a normal end, waiting hits still go out, all within the timeout.
  void stop(bool interrupt) {
    if (interrupt) interrupted_ = true;
    if (schedule_over_ && !interrupt) return;
    schedule_over_ = true;
    timer_.cancel();
    clock_.stop();
    if (interrupt) drop_pending();
    // Sequences (journeys) end before their next part once -duration has passed (think times
    // too); a schedule that ended on -requests lets them finish.
    if (!interrupt && o_.load.duration.count() > 0) {
      const int64_t end = start_.steady_ns + o_.load.duration.count();
      if (steady_now_ns() >= end) {
        wind_down_slots();
      } else {
        wind_down_.expires_at(at(end));
        wind_down_.async_wait([this](const asio::error_code& ec) {
          if (!ec) wind_down_slots();
        });
      }
    }
    const Nanos grace = interrupt ? o_.interrupt_grace : o_.load.timeout;
    // Arm the deadline, or bring it closer (Ctrl-C during the drain of a normal end).
    const int64_t until = steady_now_ns() + grace.count();
    if (grace.count() > 0 && (!deadline_armed_ || until < deadline_at_)) {
      deadline_armed_ = true;
      deadline_at_ = until;
      deadline_.expires_at(at(until));
      deadline_.async_wait([this](const asio::error_code& ec) {
        if (ec) return;
        drop_pending();
        for_each_busy([](Slot& s) { s.cancel(); });
      });
    }
    maybe_finish();
  }

  void wind_down_slots() {
    for_each_busy([](Slot& s) { s.wind_down(); });
  }

  // Calls `f` on every slot that is not idle (has a hit or a journey in hand).
  template <class F>
  void for_each_busy(F f) {
    for (auto& s : slots_)
      if (std::find(idle_.begin(), idle_.end(), s.get()) == idle_.end()) f(*s);
  }

  void drop_pending() {
    while (!pending_.empty()) record_dropped(pending_.pop());
  }

  void maybe_finish() {
    if (!schedule_over_ || !pending_.empty() || idle_.size() != slots_.size()) return;
    deadline_.cancel();
    timer_.cancel();
    clock_.stop();
    wind_down_.cancel();
    stop_loop();
  }

  const Plan& plan_;
  const int index_;
  asio::steady_timer timer_;     // the start and the end of duration (closed model)
  PacingClock clock_;            // the pacing wake-ups (open model)
  asio::steady_timer deadline_;  // end of the drain/grace period
  asio::steady_timer wind_down_;  // end of -duration, when the schedule ended before it
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<Slot*> idle_;
  std::vector<Slot*> awaiting_, reading_;  // slots whose answers are read at the next tick
  HitRing pending_;
  int max_slots_ = 1;
  int workers_ = 0;        // initial workers (open) or concurrency (closed), of this attack
  int connecting_ = 0;     // connections being opened by this thread's slots
  int64_t last_grow_ = 0;  // steady ns of the last connection grow() opened
  int initial_ = 1;        // connections opened before the start
  size_t warmed_ = 0;      // slots whose warm-up connection was started
  int64_t behind_until_ = 0;  // steady ns until which this thread counts as behind its schedule
  int64_t last_pump_ = 0;       // steady ns of the last pump() that looked for due hits
  int64_t armed_ = 0;           // steady ns the next pacing wake-up is armed for
  int64_t idle_at_ = 0;         // steady ns of the last busy-poll turn that found nothing to do
  int64_t polled_at_ = 0;       // steady ns of the last busy-poll turn (0: not polling)
  uint64_t polled_events_ = 0;  // hits issued + results recorded at that turn
  uint64_t quota_ = 0;
  uint64_t issued_ = 0;
  std::optional<Schedule> schedule_;  // open model: this thread's hits
  bool began_ = false;  // on_begin() ran
  bool reads_at_ticks_ = false;  // reads_at_ticks()
  // The tick of a thread that reads at its ticks (ns): the precision, or kReadTick when it is
  // automatic; 0 in the closed model and when the driver cannot time answers by their arrival
  // (TLS, HTTP/2, gRPC).
  int64_t tick_ns_ = 0;
  bool pumping_ = false;  // pump() is running
  bool schedule_over_ = false;
  bool interrupted_ = false;
  bool deadline_armed_ = false;
  int64_t deadline_at_ = 0;  // steady ns of the armed deadline
};

}  // namespace

AttackRun attack(Driver& driver, const AttackOptions& o) {
  validate(o.load);
  raise_fd_limit();
  reserve_fds(static_cast<uint64_t>(std::max(o.load.workers, o.load.max_workers)) + 64);
  Plan plan{&o, &driver, thread_count(o.load)};
  return launch(o, driver.protocol(), o.load.open() ? o.load.rate.pacer->describe() : "0", plan.threads, driver.target_protocols(),
                [&plan](int index, int, Collector* collector) -> std::unique_ptr<ThreadLoop> {
                  return std::make_unique<AttackThread>(plan, index, collector);
                });
}

}  // namespace loadgate::engine
