// session.h (internal): the engine's model of long-lived connections that send messages on a
// schedule of their own (WebSocket; fit for gRPC streams and journeys).
//
// The engine (session_thread.cc) owns everything but the wire: which thread and shard a session
// belongs to, when it opens (a ramp), when each of its messages is due (a pacer from the
// session's open, phases spread), matching answers to messages, what was lost, the drain at the
// end and the results. A SessionDriver makes Sessions that speak one protocol: open, send the
// message numbered `seq`, say what came back, close.
//
// Every call either way happens on the io_context's thread. A Session's calls into its owner
// are the last thing it does in a handler (the owner may call it back from inside them).
#pragma once

#include <asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "loadgate/attack.h"
#include "loadgate/pacer.h"
#include "loadgate/result.h"

namespace loadgate::engine {

/// SessionEvents receives what a session's peer did. `index` is the session's (make_session()).
class SessionEvents {
 public:
  virtual ~SessionEvents() = default;
  /// The session opened; `status` is the protocol's code for it (101 for WebSocket).
  virtual void on_open(size_t index, uint16_t status) = 0;
  /// The session could not open: `status` as the peer answered (0 = no answer), `why` in words.
  virtual void on_open_failed(size_t index, uint16_t status, ErrorKind kind, std::string_view why) = 0;
  /// The answer to message `seq` came back, `bytes` long.
  virtual void on_answer(size_t index, uint64_t seq, uint64_t bytes) = 0;
  /// The peer sent a message of its own (push mode): `sender_scheduled_ns` is the Unix time it was
  /// due at when it carries one of our headers (a broadcast of a message we sent), else 0.
  virtual void on_push(size_t index, int64_t sender_scheduled_ns, uint64_t bytes) = 0;
  /// Message `seq` could not be sent (`why`); no answer will come.
  virtual void on_unsent(size_t index, uint64_t seq, std::string_view why) = 0;
  /// The session ended. `code` is the protocol's close code; `why` is empty for a clean end the
  /// engine asked for, else what ended it ("closed by server: 1001 going away").
  virtual void on_close(size_t index, uint16_t code, std::string_view why) = 0;
};

/// Session is one long-lived connection.
class Session {
 public:
  virtual ~Session() = default;
  /// Starts opening; on_open() or on_open_failed() follows.
  virtual void open() = 0;
  /// Queues message `seq`, due at Unix ns `scheduled_ns`, for the next flush(). Precondition: opened.
  virtual void send(uint64_t seq, int64_t scheduled_ns) = 0;
  /// Writes every message queued since the last flush, in as few writes as it can.
  virtual void flush() = 0;
  /// Starts a clean close; on_close() follows. A session destroyed before it ends is dropped
  /// without a word (the close timeout of the attack ran out).
  virtual void close() = 0;
};

/// SessionDriver makes sessions of one protocol.
class SessionDriver {
 public:
  virtual ~SessionDriver() = default;
  /// A session on `io` reporting to `events` as session `index` of its thread; `global` is its
  /// number in the whole attack (0-based), for choosing a source address or a target.
  virtual std::unique_ptr<Session> make_session(asio::io_context& io, SessionEvents& events, size_t index,
                                                int global) = 0;
  /// Interned label of the sessions' target (Result::target).
  virtual uint32_t label() const = 0;
  /// Payload bytes of each message sent (Result::bytes_out).
  virtual uint64_t message_bytes() const = 0;
  /// "ws", ...
  virtual std::string protocol() const = 0;
};

/// SessionPlan is the shape of a session attack.
struct SessionPlan {
  int sessions = 0;                        ///< sessions in the whole attack (all shards)
  std::shared_ptr<const Pacer> opens;      ///< session n opens when the pacer's hit n is due
  std::shared_ptr<const Pacer> messages;   ///< each session's messages, from its open; null = idle
  bool push = false;                       ///< count what the peer sends instead of matching answers
  Nanos close_timeout = std::chrono::milliseconds(2500);  ///< the longest a close handshake is waited for
  Kind open_kind = Kind::kWsHandshake;     ///< kind of the open results
  Kind message_kind = Kind::kWsMessage;    ///< kind of the message results
  Kind push_kind = Kind::kWsPush;          ///< kind of the pushed-message results
  Kind close_kind = Kind::kWsClose;        ///< kind of the end-of-session results
};

/// Runs a session attack on `threads` threads: session g belongs to shard g mod shards and,
/// within the shard, to thread (g div shards) mod threads; it opens when plan.opens says and
/// sends on its own schedule until load.duration (from the start) ends; then answers still
/// missing get load.timeout (load.interrupt_grace on interrupt) and count as lost, and every
/// session is closed. `rate` describes the plan in the results header.
AttackRun run_sessions(const AttackOptions& options, SessionDriver& driver, const SessionPlan& plan, int threads,
                       const std::string& rate);

}  // namespace loadgate::engine
