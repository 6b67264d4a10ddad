// driver.h (internal): the contract between the attacker and a protocol driver.
//
// The attacker owns threads, pacing and bookkeeping; a Driver makes Slots, each able to carry
// one request at a time (an HTTP/1.1 connection, one gRPC call). A Slot reports the end of
// every request it was given with SlotOwner::done(), exactly once, on its io_context's thread,
// as the last thing it does (the owner may start the next hit from inside done()).
#pragma once

#include <asio/io_context.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "loadgate/result.h"

namespace loadgate::engine {

/// Hit is one scheduled request.
struct Hit {
  uint64_t seq = 0;              ///< global hit number (0-based)
  int64_t scheduled_ns = 0;      ///< Unix ns at which it is due
  int64_t scheduled_steady = 0;  ///< the same instant on the steady clock (ns)
  uint32_t target = 0;           ///< index into the driver's targets
};

class Slot;

/// SlotOwner receives finished requests.
class SlotOwner {
 public:
  virtual ~SlotOwner() = default;
  /// Called once per started hit with its result; `slot` is free again when this is called.
  virtual void done(Slot& slot, const Result& result) = 0;
  /// A result besides the one done() reports: a journey's steps (journey.h), recorded as they end.
  virtual void extra(Slot& slot, const Result& result) {
    (void)slot;
    (void)result;
  }
  /// Called instead of done() for a sequence `slot` cut at the end of the attack's duration
  /// (Slot::wind_down()): no result, the slot is free again, the cut is counted.
  virtual void cut(Slot& slot) = 0;
  /// A slot began (+1) or finished (-1) opening a connection. The owner bounds how many
  /// connections open at once, so that falling behind never becomes a connection storm.
  virtual void connecting(int delta) = 0;
  /// Whether the owner's thread may leave its sockets unread until its next pacing tick
  /// (-precision): a slot then reads responses with their kernel receive time (a plain TCP
  /// connection's Conn::read_stamped), so that the wait is in no latency.
  virtual bool reads_at_ticks() const { return false; }
  /// A slot whose response is due asks (reads_at_ticks() only): true when the owner's thread
  /// sleeps from tick to tick now and will call slot.read_at_tick() at its next tick; false:
  /// the slot waits for the socket itself.
  virtual bool await_tick(Slot& slot) {
    (void)slot;
    return false;
  }
  /// A slot met a connection whose answers it cannot time by their arrival (an https or HTTP/2
  /// origin a redirect or a streamed target led to): the owner reads every answer as it comes
  /// from now on, so that no latency takes in the wait for a tick.
  virtual void cannot_stamp() {}
};

/// Slot carries one request at a time.
class Slot {
 public:
  virtual ~Slot() = default;
  /// Starts `hit`. Must not block. Precondition: the slot is free.
  virtual void start(const Hit& hit) = 0;
  /// Abandons the request in flight, if any; done() follows with ErrorKind::kCancelled.
  virtual void cancel() = 0;
  /// The attack's duration ended: a slot that runs a sequence (a journey) ends it before its
  /// next part, at once when it is waiting (a think time), with cut() instead of done(); the
  /// part in flight finishes. Default: nothing (one request is waited for, within the timeout).
  virtual void wind_down() {}
  /// The owner's tick, after await_tick() said yes: reads what came, or asks again.
  virtual void read_at_tick() {}
  /// Opens a connection ahead of the first hit (before the attack starts); a hit started
  /// meanwhile waits for it. Default: nothing.
  virtual void warm() {}
  /// Journey variables for the placeholders of the next requests (indexed as the driver's
  /// variable names); nullptr: none. Default: the slot's requests have no such placeholders.
  virtual void set_variables(const std::vector<std::string>* values) { (void)values; }
  /// The kept start of the response body of the request just done (valid inside done()).
  virtual std::string_view kept_body() const { return {}; }
  /// The kept header lines of the response of the request just done ("Name: value\r\n" each;
  /// valid inside done()).
  virtual std::string_view kept_headers() const { return {}; }
  /// The phases of the connection opened for the request just done ({}: none was; valid inside
  /// done()).
  virtual ConnectPhases opened() const { return {}; }
  /// The trace id the request just done carried (-trace; empty: none; valid inside done()).
  virtual TraceId trace() const { return {}; }
};

/// Driver makes slots for one protocol. make_slot() is called on the thread that runs `io`.
class Driver {
 public:
  virtual ~Driver() = default;
  /// Creates a slot bound to `io` that reports to `owner`.
  virtual std::unique_ptr<Slot> make_slot(asio::io_context& io, SlotOwner& owner) = 0;
  /// Number of targets hits are spread over (round-robin by hit number).
  virtual uint32_t target_count() const = 0;
  /// The target of hit `seq` (Hit::target): round-robin by default; for targets read as a
  /// stream (-lazy), the next one, or nullopt when the stream is over (the schedule then ends).
  /// Thread-safe. A streamed target is held until release().
  virtual std::optional<uint32_t> target_for(uint64_t seq) { return static_cast<uint32_t>(seq % target_count()); }
  /// Hit with target `index` is over (its result recorded): a streamed target may be reused.
  virtual void release(uint32_t index) { (void)index; }
  /// Interned label of target `index` (Result::target).
  virtual uint32_t target_label(uint32_t index) const = 0;
  /// Kind of the results this driver produces.
  virtual Kind kind() const = 0;
  /// "http", "grpc", ...
  virtual std::string protocol() const = 0;
  /// Whether slots are streams sharing a few connections (HTTP/2) rather than a connection each:
  /// then -connections does not cap the number of slots.
  virtual bool multiplexed() const { return false; }
  /// Whether its slots time every response whenever the owner's thread looks at it (HTTP: by
  /// the kernel's receive time when the owner reads_at_ticks(), every origin plain TCP; gRPC:
  /// on the completion thread): the owner may then sleep through arrivals.
  virtual bool stamps_reads() const { return false; }
  /// The wire protocol of each target by label ("HTTP/2.0"), when it varies; {} otherwise.
  virtual std::map<std::string, std::string> target_protocols() const { return {}; }
};

/// Builds the Result skeleton for `hit` given the send and completion instants (steady ns).
Result make_result(const Hit& hit, int64_t sent_steady, int64_t end_steady, Kind kind);

}  // namespace loadgate::engine
