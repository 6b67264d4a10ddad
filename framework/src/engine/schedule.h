// schedule.h (internal): one attacker thread's share of a pacer's hits, and when the thread
// should next wake up to send them.
//
// Thread t of T owns hits t, t + T, t + 2T, ... so no hit number is shared and every thread
// computes exact due times from the one Pacer. Waking up for every hit costs a timer re-arm and
// an event-loop wake-up per hit, more than the I/O of the hit itself; a Schedule instead wakes
// at the next due hit, but never sooner than one tick after the last wake-up: at a high rate
// one wake-up sends every hit due in the last tick (each keeps its exact scheduled time, so the
// delay is measured), at a low rate every hit gets a wake-up of its own, on time.
#pragma once

#include <cstdint>

#include "loadgate/duration.h"
#include "loadgate/pacer.h"

namespace loadgate::engine {

/// The shortest time between two pacing wake-ups of a thread (ns). A hit waits at most this
/// long past its due time for the wake-up that sends it (well under the 1 ms "late" rule).
inline constexpr int64_t kPaceTick = 100'000;

/// The automatic precision of a thread whose responses are timed by their arrival
/// (Driver::stamps_reads): it sends every this often while hits are due at least as often, and
/// sleeps through the answers in between (ThreadLoop's loop). A hit waits at most this long for
/// its send, inside the 1 ms "late" rule; measured by ci/bench-http section 3 (README).
inline constexpr int64_t kReadTick = 250'000;

/// The automatic pacing precision of session messages (ns; Load::precision = 0): a session
/// thread wakes at most once per this time. Measured by ci/bench-ws (1000 connections, 20,000
/// messages/s, server and generator on their own cores): a 100 us tick cost 0.67 of the
/// generator's core and left 4 % of the messages late, 250 us 0.49 and 0.9 %, 500 us 0.38 and
/// 0.6 %; wake-ups, not frames, are the cost on a virtual machine. 250 us keeps a message's
/// wait well inside the 1 ms "late" rule.
inline constexpr int64_t kSessionTick = 250'000;

/// A thread whose hits are due less than this far apart (ns; 50,000 hits/s on the thread)
/// busy-polls its sockets instead of sleeping between ticks: at such rates a sleep, and the
/// wake-up that ends it, cost more than the I/O of the hits in between, and the wake-up latency
/// of a sleeping thread (50-150 us on a virtual machine) went into every measured latency.
inline constexpr int64_t kPollBelowGap = 20'000;

/// The shortest time between two sends of a polling thread (ns). Sent one by one, on time to the
/// microsecond, every hit found the service asleep and paid for waking it (an interrupt to its
/// core, charged to the sender on loopback); sent once per this tick, a sixth of the generator's
/// CPU went back to sending at 150,000 hits/s, and no hit waits longer than the tick.
inline constexpr int64_t kPollTick = 50'000;

/// Schedule walks the hits `first`, `first + stride`, ... of `pacer` in due order, until the
/// pacer stops, a hit is due at or after `duration` (0 = no time bound), or its number reaches
/// `max_hits` (0 = no count bound).
class Schedule {
 public:
  /// Due times are offsets from `start_steady` (steady clock, ns). `precision` is the tick
  /// (Load::precision); 0 = automatic: kPaceTick, or kPollTick and busy-polling at high rates.
  Schedule(const Pacer& pacer, uint64_t first, uint64_t stride, Nanos duration, uint64_t max_hits,
           int64_t start_steady, Nanos precision = Nanos(0));
  /// Whether every hit of this thread has been taken.
  bool over() const { return over_; }
  /// Number of the next hit. Precondition: !over().
  uint64_t seq() const { return seq_; }
  /// Due time of the next hit (steady ns). Precondition: !over().
  int64_t due() const { return due_; }
  /// Time between the last two due times of this thread (ns); a large value before the second.
  int64_t gap() const { return gap_; }
  /// Whether the hits are now due close enough together for the thread to poll (kPollBelowGap);
  /// never with an explicit precision.
  bool polls() const { return precision_ == 0 && gap_ < kPollBelowGap; }
  /// Whether the precision was set (Load::precision): hits then go out at ticks only.
  bool explicit_precision() const { return precision_ != 0; }
  /// The thread's tick now: the precision, else kPollTick when it polls, else kPaceTick.
  int64_t tick() const { return precision_ != 0 ? precision_ : polls() ? kPollTick : kPaceTick; }
  /// Moves to the next hit of this thread.
  void advance();
  /// When to wake up next, the last wake-up having been at `last_wake`: the next due time, but
  /// not before `last_wake + tick()`. Precondition: !over().
  int64_t wake(int64_t last_wake) const { return due_ > last_wake + tick() ? due_ : last_wake + tick(); }

 private:
  void load();
  const Pacer& pacer_;
  uint64_t stride_;
  Nanos duration_;
  uint64_t max_hits_;
  int64_t start_;
  int64_t precision_;  // ns; 0 = automatic
  uint64_t seq_;
  int64_t due_ = 0;
  int64_t gap_ = INT64_MAX;
  bool over_ = false;
};

}  // namespace loadgate::engine
