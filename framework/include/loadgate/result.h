// result.h (core layer): the one record every driver produces and every report consumes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace loadgate {

/// Kind says what a Result measured; it selects how `status` is read.
enum class Kind : uint8_t {
  kHttp = 0,         ///< one HTTP request; status is the HTTP code (0 = no response)
  kGrpcUnary = 1,    ///< one unary gRPC call; status is the gRPC code
  kGrpcStream = 2,   ///< one server-streaming gRPC call; status is the gRPC code
  kWsMessage = 3,    ///< one WebSocket message round trip; status is a WsOutcome
  kWsHandshake = 4,  ///< one WebSocket opening handshake; status is the HTTP code (101 = ok)
  kWsPush = 5,       ///< one message pushed by the server (push mode); status is a WsOutcome
  kWsClose = 6,      ///< the end of one WebSocket connection; status is the close code
  kJourney = 7,      ///< one user journey, all its steps (journey.h); status is the steps run
  kGrpcClientStream = 8,  ///< one client-streaming gRPC call; status is the gRPC code
  kGrpcBidi = 9,          ///< one bidirectional-streaming gRPC call; status is the gRPC code
};
/// Number of Kind values.
inline constexpr int kKindCount = 10;

/// Whether a kind's calls send a stream of messages (client-streaming and bidi gRPC): their
/// `messages` field counts both ways (Result::messages_in(), Result::messages_out()).
constexpr bool sends_stream(Kind k) { return k == Kind::kGrpcClientStream || k == Kind::kGrpcBidi; }

/// ErrorKind classifies failures without allocating. The human-readable detail, when there is
/// one, is interned separately (Result::error).
enum class ErrorKind : uint8_t {
  kNone = 0,
  kConnect,    ///< could not open a connection (refused, unreachable, DNS)
  kTimeout,    ///< no complete response within the timeout
  kIo,         ///< the connection failed or closed mid-request
  kProtocol,   ///< the peer spoke the protocol wrongly (unparsable response, bad frame)
  kStatus,     ///< a response arrived with a status that counts as failure
  kTls,        ///< TLS handshake or certificate failure
  kDropped,    ///< never sent: the generator could not send it before the attack ended
  kCancelled,  ///< sent, then abandoned when the attack was interrupted
  kUnused9,    ///< never produced; the number stays taken so that results files keep their meaning
  kClosed,     ///< the peer closed the connection (WebSocket drop)
  kOther,
  kLost,  ///< sent, and no answer ever came (WebSocket echo): its latency is unknown
};
/// Number of ErrorKind values.
inline constexpr int kErrorKindCount = 13;

/// Result is the fixed-size (64 bytes) record of one request, call, message or handshake.
/// Times are nanoseconds. Latency is measured from the *scheduled* time (coordinated-omission
/// corrected, as wrk2); the uncorrected latency, from the actual send, is latency_ns - send_delay_ns.
struct Result {
  int64_t scheduled_ns = 0;   ///< Unix time at which the request was due (ns)
  int64_t send_delay_ns = 0;  ///< actual send time minus scheduled time (ns, >= 0)
  int64_t latency_ns = 0;     ///< completion minus scheduled time (ns); corrected latency
  int64_t first_ns = 0;       ///< send to first response byte or message (ns); 0 = not measured
  uint64_t bytes_in = 0;      ///< response bytes received (body for HTTP, payload for gRPC/WS)
  uint64_t bytes_out = 0;     ///< request bytes sent (body for HTTP, payload for gRPC/WS)
  uint32_t target = 0;        ///< interned id of the target's label (see interner.h)
  uint32_t error = 0;         ///< interned id of the error text; 0 = no error
  uint32_t messages = 0;      ///< messages received (streams); 0 = not a stream. For kinds that
                              ///< send streams (sends_stream()), received in the low 16 bits and
                              ///< sent in the high 16 (each saturating at 65535); for HTTP, the
                              ///< request's sending time (sending_ns()): use the accessors
  uint16_t status = 0;        ///< HTTP code, gRPC code or WsOutcome, by kind
  Kind kind = Kind::kHttp;
  ErrorKind error_kind = ErrorKind::kNone;

  /// Actual send time (Unix ns).
  int64_t sent_ns() const { return scheduled_ns + send_delay_ns; }
  /// Completion time (Unix ns).
  int64_t end_ns() const { return scheduled_ns + latency_ns; }
  /// Latency from the actual send (ns): what a tool without CO correction reports.
  int64_t uncorrected_ns() const { return latency_ns - send_delay_ns; }
  /// Messages received in a stream (0 = not a stream).
  uint32_t messages_in() const {
    return sends_stream(kind) ? messages & 0xffff : kind == Kind::kHttp ? 0 : messages;
  }
  /// Messages sent in a stream: the client's stream for client-streaming and bidi calls, else 1
  /// for a call with one request and 0 for other kinds.
  uint32_t messages_out() const;
  /// Sets both counts of a client-streaming or bidi call (saturating at 65535 each).
  void set_stream_messages(uint32_t in, uint32_t out) {
    messages = std::min<uint32_t>(in, 0xffff) | std::min<uint32_t>(out, 0xffff) << 16;
  }
  /// HTTP: the time writing the request took, from its first byte handed to the kernel to its
  /// last (ns, saturating at 2^32-1, about 4.3 s); 0 = not measured. HTTP results keep it in
  /// `messages`, which they have no other use for.
  int64_t sending_ns() const { return kind == Kind::kHttp ? messages : 0; }
  /// Sets sending_ns() of an HTTP result.
  void set_sending_ns(int64_t ns) { messages = static_cast<uint32_t>(std::clamp<int64_t>(ns, 0, UINT32_MAX)); }
  /// Whether this result counts as a success (Vegeta's rule for HTTP: 200..399 and no error).
  bool ok() const;
};
static_assert(sizeof(Result) == 64, "Result is a fixed 64-byte record");

/// ConnectPhases are the phases of opening a connection for one request (HTTP): none for a
/// request that reused one, the common case, so they go beside its Result (a frame of their own
/// in results files) only when a connection was opened for it (any()).
struct ConnectPhases {
  int64_t connect_ns = 0;  ///< TCP connect (through a proxy: to the proxy, and its CONNECT), ns
  int64_t tls_ns = 0;      ///< TLS handshake, ns; 0: none
  /// Whether a connection was opened for the request.
  bool any() const { return connect_ns > 0 || tls_ns > 0; }
};

/// Phases is where one request's time went (ns), in k6's terms, from the send (Result::sent_ns())
/// to the end: connect and tls (0 on a reused connection), sending (writing the request),
/// waiting (the rest, to the first response byte) and receiving (from it to the last). They add
/// up to the uncorrected latency; the time before the send is Result::send_delay_ns. A result
/// without a first byte (a failure) has connect, tls and sending only.
struct Phases {
  int64_t connect = 0;
  int64_t tls = 0;
  int64_t sending = 0;
  int64_t waiting = 0;    ///< 0 with no first byte
  int64_t receiving = 0;  ///< 0 with no first byte
};
/// Where `r`'s time went, given the phases of the connection opened for it (`c`; none: {}).
Phases phases_of(const Result& r, const ConnectPhases& c);

/// TraceId is a W3C trace context's trace id (16 bytes): the id a request sent in its
/// `traceparent` header (-trace), kept beside the slowest results so that a user can find the
/// service's own trace of them. All zero: none.
struct TraceId {
  uint8_t bytes[16] = {};
  /// Whether there is none (all zero, which W3C forbids as an id).
  bool empty() const;
  /// 32 lower-case hex digits (as in traceparent); "" when empty().
  std::string hex() const;
  /// The id of 32 hex digits `text`; nullopt when it is not one.
  static std::optional<TraceId> from_hex(std::string_view text);
};

/// A fresh trace's `traceparent` value (W3C Trace Context version 00, sampled flag set) from
/// three random numbers: `id` becomes its trace id (`high`, `low`), `span` its parent id (each
/// made non-zero, as W3C requires).
std::string traceparent(TraceId& id, uint64_t high, uint64_t low, uint64_t span);

/// WsOutcome is the status of a WebSocket message result.
enum WsOutcome : uint16_t {
  kWsOk = 1,      ///< the echo came back
  kWsLost = 2,    ///< no echo before the connection ended or the attack finished
  kWsFailed = 3,  ///< could not be sent (connection not open)
};

/// Name of an ErrorKind ("connect", "timeout", ...).
std::string_view error_kind_name(ErrorKind kind);
/// Name of a Kind ("http", "grpc", "grpc-stream", "ws-message", ...).
std::string_view kind_name(Kind kind);
/// The Kind named `name` (see kind_name()), or nullopt.
std::optional<Kind> kind_from_name(std::string_view name);
/// Every kind's name, comma-separated, for error messages.
std::string kind_names();
/// Name of a gRPC status code ("OK", "UNAVAILABLE", ...); "CODE(n)" text for unknown codes is
/// not produced here: returns an empty view for codes above 16.
std::string_view grpc_code_name(uint16_t code);
/// Label of a status for reports: the number for HTTP, the code name for gRPC, "ok"/"lost"/...
/// for WebSocket messages.
std::string status_label(Kind kind, uint16_t status);

}  // namespace loadgate
