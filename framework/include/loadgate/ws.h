// ws.h (protocol layer): WebSocket load: many connections opened on a ramp, each sending paced messages whose
// echoes are matched for round-trip latency (or counting what the server pushes).
//
//   loadgate::WsOptions w;
//   w.url = "ws://127.0.0.1:8000/echo";
//   w.connections = 1000;  w.connect_rate = 500;  w.rate_per_conn = 100;
//   loadgate::AttackOptions o;  o.load.duration = std::chrono::seconds(60);
//   loadgate::AttackRun run = loadgate::attack_ws(w, o);
//
// Results: one per handshake (Kind kWsHandshake, status 101 when it opened), one per message
// (kWsMessage: round trip from the scheduled send; kWsPush: a message the server pushed,
// latency from its sender's scheduled time), one per connection end (kWsClose, status = the
// close code; an error when the connection dropped before the attack ended).
#pragma once

#include <string>
#include <vector>

#include "loadgate/attack.h"
#include "loadgate/fd_limit.h"
#include "loadgate/pacer.h"
#include "loadgate/targets.h"

namespace loadgate {

/// Bytes at the start of every message: a marker, the sequence number and the scheduled send
/// time (20 bytes in binary frames, 36 ASCII characters in text frames).
inline constexpr int kWsHeaderBytes = 36;

/// WsOptions describe the connections and their messages.
struct WsOptions {
  std::string url = "ws://127.0.0.1:8000/echo";  ///< ws:// or wss://
  int connections = 100;                         ///< concurrent connections to open and hold
  double connect_rate = 1000;                    ///< connections opened per second (a ramp, not a burst)
  double rate_per_conn = 1;                      ///< messages per second per connection (0 = idle connections)
  /// Optional schedule of connection openings (overrides connect_rate), e.g. a ramp
  /// "10..200@30s": connection n opens when the pacer's hit n is due.
  std::shared_ptr<const Pacer> connect_pacer;
  /// Optional schedule of each connection's messages, from its open (overrides rate_per_conn),
  /// e.g. steps "10,50,100@20s".
  std::shared_ptr<const Pacer> message_pacer;
  int message_size = 64;             ///< bytes per message (at least kWsHeaderBytes)
  std::string payload;               ///< message template (its first bytes carry the header); "" = filler
  bool binary = false;               ///< binary frames instead of text
  bool push = false;                 ///< count what the server sends rather than match echoes
  std::string subprotocol;           ///< Sec-WebSocket-Protocol to request
  std::vector<Header> headers;       ///< extra handshake headers
  bool insecure = false;             ///< wss: skip certificate verification
  /// Offer permessage-deflate (RFC 7692); messages are compressed both ways when the server
  /// accepts. AttackRun::wire_bytes_out/in then say what the frames took on the wire.
  bool compression = true;
  std::vector<std::string> sources;  ///< local source addresses (loopback targets only); empty = automatic
};

/// Opens connections per `w` and sends messages for `options.load.duration` (counted from the start of
/// the ramp); the open model per connection keeps every message's scheduled time. At the end,
/// echoes still missing after load.timeout are counted as lost (without a latency), connections are
/// closed with 1000, and the run is returned. Raises the open-files limit as far as allowed.
/// Throws InputError for a bad URL or options; failures of the server are results.
AttackRun attack_ws(const WsOptions& w, const AttackOptions& options);

/// `w` made to send `rate` messages per second in all over its connections (a breakpoint step):
/// each connection paced at rate / connections, and every connection opened within the first
/// few percent of the step (a slow ramp would read as the generator falling behind).
WsOptions ws_at_rate(WsOptions w, double rate);


}  // namespace loadgate
