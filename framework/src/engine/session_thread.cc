// session_thread.cc: the engine's session attack: opens on a ramp, messages on each session's
// schedule, answers matched to messages, the drain and the close at the end.
//
// Each thread owns its sessions. One timer opens them on the ramp; one timer, over a min-heap of
// due times, sends every session's messages on schedule: a wake-up sends every message due by
// then, each session's messages of that wake-up in one write (Session::flush), and the next
// wake-up is at the next due time but at least a tick later (schedule.h). Messages keep their
// exact scheduled times, so the latency a tick adds is measured, never hidden.
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <cmath>
#include <queue>
#include <vector>

#include "engine/launch.h"
#include "engine/schedule.h"
#include "engine/session.h"
#include "loadgate/interner.h"

namespace loadgate::engine {
namespace {

using Clock = std::chrono::steady_clock;
Clock::time_point at(int64_t ns) { return Clock::time_point(Nanos(ns)); }

// A message sent and not yet answered.
struct Sent {
  uint64_t seq;
  int64_t scheduled_steady;
  int64_t scheduled_unix;
  int64_t sent_steady;
};

// A FIFO of messages awaiting their answer: a ring that grows, and never shrinks (no allocation
// per message once a session has reached its most in flight).
class SentRing {
 public:
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  const Sent& front() const { return items_[head_]; }
  const Sent& at(size_t k) const { return items_[(head_ + k) & (items_.size() - 1)]; }
  void pop() {
    head_ = (head_ + 1) & (items_.size() - 1);
    --size_;
  }
  void push(const Sent& s) {
    if (size_ == items_.size()) grow();
    items_[(head_ + size_) & (items_.size() - 1)] = s;
    ++size_;
  }
  void clear() { head_ = size_ = 0; }

 private:
  void grow() {
    std::vector<Sent> bigger(std::max<size_t>(4, items_.size() * 2));
    for (size_t k = 0; k < size_; ++k) bigger[k] = at(k);
    items_ = std::move(bigger);
    head_ = 0;
  }
  std::vector<Sent> items_;  // a power of two long
  size_t head_ = 0, size_ = 0;
};

class SessionThread final : public ThreadLoop, public SessionEvents {
  enum Phase : uint8_t { kWaiting, kOpening, kOpen, kClosed };
  struct State {
    std::unique_ptr<Session> session;
    SentRing sent;              // awaiting their answer
    int64_t open_scheduled = 0;  // steady ns
    int64_t open_started = 0;
    int64_t opened_at = 0;     // steady ns of the open
    int64_t last_message = 0;  // steady ns of the last pushed message (push mode gaps)
    int64_t base = 0;          // steady ns its message schedule counts from
    uint64_t seq = 0;          // number of its next message
    Phase phase = kWaiting;
    bool closing = false;  // the engine asked for the close
    bool touched = false;  // sent to at this wake-up: flush it
  };

 public:
  SessionThread(const AttackOptions& options, SessionDriver& driver, const SessionPlan& plan, int index, int threads,
                Collector* collector)
      : ThreadLoop(options, collector, ASIO_CONCURRENCY_HINT_UNSAFE_IO),
        driver_(driver),
        plan_(plan),
        open_timer_(io_),
        send_timer_(io_),
        end_timer_(io_) {
    const int shards = std::max(1, options.load.shards);
    for (int g = options.load.shard + shards * index; g < plan.sessions; g += shards * threads) global_.push_back(g);
    states_.resize(global_.size());
  }

  void prepare() override { mark_ready(); }  // sessions are the load itself: they open on the schedule

  void on_begin() override {
    const Nanos d = o_.load.duration;
    end_steady_ = d.count() > 0 ? start_.steady_ns + d.count() : INT64_MAX;
    open_due();
    if (end_steady_ != INT64_MAX) {
      end_timer_.expires_at(at(end_steady_));
      end_timer_.async_wait([this](const asio::error_code& ec) {
        if (!ec) wind_down(o_.load.timeout);
      });
    }
    maybe_done();
  }

  void after_run() override {
    opened = opened_;
    states_.clear();
  }

  void request_stop() override {
    asio::post(io_, [this] { wind_down(o_.interrupt_grace); });
  }

  // ---- what the sessions say ----

  void on_open(size_t i, uint16_t status) override {
    State& s = states_[i];
    s.phase = kOpen;
    s.last_message = s.opened_at = steady_now_ns();
    record_open(i, status, ErrorKind::kNone, {});
    if (ending_) {
      close(i);
      return;
    }
    if (plan_.messages) {
      // Spread the sessions' phases over their first interval so that they do not send in step.
      const int64_t interval = plan_.messages->due(1).value_or(Nanos(0)).count();
      const double phase = std::fmod(static_cast<double>(global_[i]) * 0.6180339887, 1.0);
      s.base = s.opened_at + static_cast<int64_t>(phase * static_cast<double>(interval));
      if (auto due = next_due(i)) schedule(i, *due);
    }
  }

  void on_open_failed(size_t i, uint16_t status, ErrorKind kind, std::string_view why) override {
    states_[i].phase = kClosed;
    record_open(i, status, kind, why);
    maybe_done();
  }

  void on_answer(size_t i, uint64_t seq, uint64_t bytes) override {
    State& s = states_[i];
    const int64_t now = steady_now_ns();
    while (!s.sent.empty() && s.sent.front().seq < seq) {
      static const uint32_t kOvertaken = intern("lost: a later message came back first");
      record_lost(s.sent.front(), now, kOvertaken);
      s.sent.pop();
    }
    if (s.sent.empty() || s.sent.front().seq != seq) return;  // not one we wait for
    Result r = message_result(s.sent.front(), now);
    r.status = kWsOk;
    r.bytes_in = bytes;
    record(r);
    s.sent.pop();
    --in_flight_;
    if (ending_ && in_flight_ == 0) close_all();
  }

  void on_push(size_t i, int64_t sender_scheduled_ns, uint64_t bytes) override {
    State& s = states_[i];
    const int64_t now = steady_now_ns();
    Result r;
    r.kind = plan_.push_kind;
    r.status = kWsOk;
    r.bytes_in = bytes;
    r.target = driver_.label();
    if (sender_scheduled_ns != 0) {  // one of ours, broadcast: from its sender's scheduled time
      r.scheduled_ns = sender_scheduled_ns;
      r.latency_ns = std::max<int64_t>(0, unix_of(now) - sender_scheduled_ns);
      if (in_flight_ > 0) --in_flight_;
    } else {  // the service's own: the gap since this session's previous message
      r.scheduled_ns = unix_of(s.last_message);
      r.latency_ns = now - s.last_message;
    }
    s.last_message = now;
    record(r);
  }

  void on_unsent(size_t i, uint64_t seq, std::string_view why) override {
    State& s = states_[i];
    SentRing kept;
    for (size_t k = 0; k < s.sent.size(); ++k) {
      const Sent& m = s.sent.at(k);
      if (m.seq != seq) {
        kept.push(m);
        continue;
      }
      Result r = message_result(m, steady_now_ns());
      r.status = kWsFailed;
      r.error_kind = ErrorKind::kIo;
      r.error = intern(std::string(why));
      record(r);
      --in_flight_;
    }
    s.sent = std::move(kept);
  }

  void on_close(size_t i, uint16_t code, std::string_view why) override {
    State& s = states_[i];
    static const uint32_t kEnded = intern("lost: no answer before the attack ended");
    static const uint32_t kFirst = intern("lost: the connection closed first");
    lose_outstanding(i, s.closing ? kEnded : kFirst);
    Result r;  // the close record's latency is the session's lifetime
    r.kind = plan_.close_kind;
    const int64_t now = steady_now_ns();
    r.scheduled_ns = unix_of(s.opened_at);
    r.latency_ns = now - s.opened_at;
    r.target = driver_.label();
    r.status = code;
    if (!why.empty()) {
      r.error_kind = ErrorKind::kClosed;
      r.error = intern(std::string(why));
    }
    record(r);
    s.phase = kClosed;
    maybe_done();
  }

 private:
  // The pacing tick: -precision, or kSessionTick.
  int64_t tick_ns() const { return o_.load.precision.count() > 0 ? o_.load.precision.count() : kSessionTick; }
  int64_t unix_of(int64_t steady) const { return start_.unix_ns + (steady - start_.steady_ns); }

  // Scheduled open time of global session g: the ramp.
  int64_t open_due_at(int g) const {
    return start_.steady_ns + plan_.opens->due(static_cast<uint64_t>(g)).value_or(Nanos(INT64_MAX / 4)).count();
  }

  // ---- opening ----

  void open_due() {
    const int64_t now = steady_now_ns();
    while (next_open_ < states_.size() && !ending_ && open_due_at(global_[next_open_]) <= now) open(next_open_++);
    if (next_open_ < states_.size() && !ending_) {
      open_timer_.expires_at(at(open_due_at(global_[next_open_])));
      open_timer_.async_wait([this](const asio::error_code& ec) {
        if (!ec) open_due();
      });
    }
  }

  void open(size_t i) {
    State& s = states_[i];
    s.open_scheduled = open_due_at(global_[i]);
    s.open_started = steady_now_ns();
    s.phase = kOpening;
    ++opened_;
    workers_open.store(static_cast<uint32_t>(opened_), std::memory_order_relaxed);
    s.session = driver_.make_session(io_, *this, i, global_[i]);
    s.session->open();
  }

  void record_open(size_t i, uint16_t status, ErrorKind kind, std::string_view why) {
    const State& s = states_[i];
    Result r;
    r.kind = plan_.open_kind;
    r.scheduled_ns = unix_of(s.open_scheduled);
    r.send_delay_ns = std::max<int64_t>(0, s.open_started - s.open_scheduled);
    r.latency_ns = std::max<int64_t>(r.send_delay_ns, steady_now_ns() - s.open_scheduled);
    r.status = status;
    r.target = driver_.label();
    if (kind != ErrorKind::kNone) {
      r.error_kind = kind;
      r.error = intern(std::string(why));
    }
    record(r);
  }

  // ---- messages ----

  void schedule(size_t i, int64_t due) {
    if (due >= end_steady_ || ending_) return;
    heap_.emplace(due, i);
    if (!send_armed_ || due < send_at_) arm_send(due);
  }

  // Wakes at `due`, but not sooner than a tick after the last wake-up (schedule.h): a wake-up
  // sends every message due by then.
  void arm_send(int64_t due) {
    send_at_ = std::max(due, last_wake_ + tick_ns());
    send_armed_ = true;
    send_timer_.expires_at(at(send_at_));
    send_timer_.async_wait([this](const asio::error_code& ec) {
      if (ec) return;
      send_armed_ = false;
      send_due();
    });
  }

  // When session i's next message is due: its base plus the pacer's offset of that message.
  std::optional<int64_t> next_due(size_t i) const {
    auto d = plan_.messages->due(states_[i].seq);
    if (!d) return std::nullopt;
    return states_[i].base + d->count();
  }

  void send_due() {
    ++generator.wakes;
    const int64_t now = steady_now_ns();
    const bool stalled = woke_stalled(send_at_, now);
    last_wake_ = now;
    while (!heap_.empty() && heap_.top().first <= now && !ending_) {
      auto [due, i] = heap_.top();
      heap_.pop();
      State& s = states_[i];
      if (s.phase != kOpen || s.closing) continue;
      count_hit(due, now, stalled);
      count_started();
      const uint64_t seq = s.seq++;
      const int64_t unix_due = unix_of(due);
      s.session->send(seq, unix_due);
      if (!plan_.push) s.sent.push(Sent{seq, due, unix_due, now});
      ++in_flight_;
      if (!s.touched) {
        s.touched = true;
        touched_.push_back(i);
      }
      if (auto next = next_due(i); next && *next < end_steady_) heap_.emplace(*next, i);
    }
    // Each session's messages of this wake-up in one write. A flush may close a session whose
    // write failed; its state stays valid (sessions are never removed before the end).
    for (size_t i : touched_) {
      states_[i].touched = false;
      if (states_[i].phase == kOpen) states_[i].session->flush();
    }
    touched_.clear();
    if (!heap_.empty() && !ending_) arm_send(heap_.top().first);
  }

  Result message_result(const Sent& m, int64_t end) const {
    Result r;
    r.kind = plan_.message_kind;
    r.scheduled_ns = m.scheduled_unix;
    r.send_delay_ns = std::max<int64_t>(0, m.sent_steady - m.scheduled_steady);
    r.latency_ns = std::max<int64_t>(r.send_delay_ns, end - m.scheduled_steady);
    r.bytes_out = driver_.message_bytes();
    r.target = driver_.label();
    return r;
  }

  // A message whose answer never came: no latency, only its send.
  void record_lost(const Sent& m, int64_t now, uint32_t why) {
    Result r = message_result(m, now);
    r.status = kWsLost;
    r.error_kind = ErrorKind::kLost;
    r.error = why;
    record(r);
    --in_flight_;
  }

  void lose_outstanding(size_t i, uint32_t why) {
    State& s = states_[i];
    const int64_t now = steady_now_ns();
    while (!s.sent.empty()) {
      record_lost(s.sent.front(), now, why);
      s.sent.pop();
    }
  }

  // ---- the end ----

  // Stops opening and sending; waits up to `grace` for answers, then closes everything.
  void wind_down(Nanos grace) {
    if (ending_) return;
    ending_ = true;
    open_timer_.cancel();
    send_timer_.cancel();
    while (!heap_.empty()) heap_.pop();
    if (in_flight_ == 0 || plan_.push) {
      close_all();
      return;
    }
    end_timer_.expires_after(grace);
    end_timer_.async_wait([this](const asio::error_code& ec) {
      if (!ec) close_all();
    });
  }

  void close(size_t i) {
    State& s = states_[i];
    if (s.phase != kOpen || s.closing) return;
    s.closing = true;
    s.session->close();
  }

  void close_all() {
    if (closing_all_) return;
    closing_all_ = true;
    end_timer_.cancel();
    for (size_t i = 0; i < states_.size(); ++i) close(i);
    maybe_done();
    if (stopped_) return;
    // Peers that never answer the close: stop anyway after the close timeout.
    end_timer_.expires_after(plan_.close_timeout);
    end_timer_.async_wait([this](const asio::error_code& ec) {
      if (!ec) stop_now();
    });
  }

  void maybe_done() {
    if (!began_opening()) return;
    if (!closing_all_) {
      // Every session attempted and ended, with the ramp over: nothing left to do.
      if (next_open_ < states_.size()) return;
      for (const State& s : states_)
        if (s.phase != kClosed) return;
      wind_down(Nanos(0));
      return;
    }
    for (const State& s : states_)
      if (s.phase == kOpening || s.phase == kOpen) return;
    stop_now();
  }

  bool began_opening() const { return start_.steady_ns != 0; }

  void stop_now() {
    if (stopped_) return;
    stopped_ = true;
    static const uint32_t kEnded = intern("lost: no answer before the attack ended");
    for (size_t i = 0; i < states_.size(); ++i)
      if (states_[i].phase == kOpen) lose_outstanding(i, kEnded);
    open_timer_.cancel();
    send_timer_.cancel();
    end_timer_.cancel();
    stop_loop();
  }

  SessionDriver& driver_;
  const SessionPlan& plan_;
  std::vector<int> global_;  // global number of each local session
  std::vector<State> states_;
  std::vector<size_t> touched_;  // sessions sent to at this wake-up
  size_t next_open_ = 0;
  std::priority_queue<std::pair<int64_t, size_t>, std::vector<std::pair<int64_t, size_t>>, std::greater<>> heap_;
  asio::steady_timer open_timer_, send_timer_, end_timer_;
  int64_t end_steady_ = INT64_MAX;
  int64_t last_wake_ = 0;    // steady ns of the last send wake-up
  int64_t send_at_ = 0;      // steady ns the send timer is armed for
  bool send_armed_ = false;  // the send timer is armed
  uint64_t in_flight_ = 0;
  size_t opened_ = 0;
  bool ending_ = false;
  bool closing_all_ = false;
  bool stopped_ = false;
};

}  // namespace

AttackRun run_sessions(const AttackOptions& options, SessionDriver& driver, const SessionPlan& plan, int threads,
                       const std::string& rate) {
  return launch(options, driver.protocol(), rate, threads, {},
                [&](int index, int n, Collector* c) -> std::unique_ptr<ThreadLoop> {
                  return std::make_unique<SessionThread>(options, driver, plan, index, n, c);
                });
}

}  // namespace loadgate::engine
