// http.h (protocol layer): HTTP/1.1 and HTTP/2 load over Asio, Vegeta's semantics.
//
//   auto targets = loadgate::load_targets("targets/api.txt");
//   loadgate::AttackOptions o;  o.load.rate = ...;  o.load.duration = 30s;
//   loadgate::AttackRun run = loadgate::attack_http(targets, {}, o);
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "loadgate/attack.h"
#include "loadgate/feeder.h"
#include "loadgate/journey.h"
#include "loadgate/targets.h"

namespace loadgate {

/// HttpOptions are the HTTP driver's settings (Vegeta's flags of the same names).
struct HttpOptions {
  std::vector<Header> headers;          ///< -header: added to every request, before the target's own
  std::string body;                     ///< -body: body of targets that have none
  bool keepalive = true;                ///< -keepalive: reuse connections
  /// -trace: every request carries a W3C `traceparent` header with a fresh trace id (and span
  /// id, sampled flag set); the slowest requests' ids are kept in the results and listed by
  /// the reports, for the service's tracing UI.
  bool trace = false;
  int redirects = 10;                   ///< -redirects: follow up to N; -1 = do not follow (3xx is the result)
  int64_t max_body = -1;                ///< -max-body: bytes of each body counted in bytes_in; -1 = all
  size_t keep_headers = 0;              ///< -keep-headers: bytes of each response's header lines kept in the results (0 = none)
  bool insecure = false;                ///< -insecure: skip TLS certificate verification
  std::vector<std::string> root_certs;  ///< -root-certs: PEM files of trusted CAs (default: system)
  std::string cert;                     ///< -cert: client certificate (PEM) for mutual TLS
  std::string key;                      ///< -key: client private key (PEM)
  bool http2 = true;                    ///< -http2: offer h2 by ALPN to https origins (false: HTTP/1.1 only)
  bool h2c = false;                     ///< -h2c: HTTP/2 without TLS, with prior knowledge, to http origins
  /// -h2c-upgrade: HTTP/2 without TLS to http origins by an HTTP/1.1 "Upgrade: h2c" on each new
  /// connection (an "OPTIONS /" that no result counts), for servers that refuse prior knowledge;
  /// an origin whose server does not switch (asked once before the attack) gets HTTP/1.1.
  bool h2c_upgrade = false;
  int connections = 0;                  ///< -connections: HTTP/2 connections per origin (0 = as streams need)
  bool chunked = false;                 ///< -chunked: HTTP/1.1 bodies in chunked transfer encoding
  std::string unix_socket;              ///< -unix-socket: every connection goes to this socket path
  std::string laddr;                    ///< -laddr: local IP address to connect from ("" = any)
  std::vector<std::string> resolvers;   ///< -resolvers: DNS servers "ip:port" (default: the system's)
  /// -proxy-header: headers of the CONNECT sent to the proxy of https targets. The proxy comes
  /// from $HTTPS_PROXY / $HTTP_PROXY (not for localhost or loopback, nor hosts in $NO_PROXY),
  /// as in Go: https goes through a CONNECT tunnel, http as absolute-form requests.
  std::vector<Header> proxy_headers;
  /// -connect-to: "host:port" -> "host:port" to dial instead (the URL, Host and SNI stay).
  std::map<std::string, std::string> connect_to;
  /// Targets made while the attack runs instead of a fixed list: -lazy reads them from a
  /// stream (TargetReader); code may build them. Called from one thread of its own, in order,
  /// n = 0, 1, 2, ..., up to 4096 ahead of the hits; fills `t` and returns true, or false when
  /// there are no more: the attack then ends, as Vegeta's does at the end of a lazy stream. An
  /// InputError it throws ends the attack too and is rethrown by attack_http() (the results
  /// until then went to the sink). Labels: the first 1024 distinct "METHOD URL", then
  /// "METHOD origin (other URLs)", so that memory stays constant over any number of targets.
  std::function<bool(uint64_t n, Target& t)> targeter;
  /// Rows for {{feed.column}} placeholders in the targets (feeder.h); a sequential feeder ends
  /// the attack when its rows are used up. Targets may hold placeholders (template.h) in their
  /// path, query, header values and body with or without one.
  std::shared_ptr<const Feeder> feeder;
  /// What {{shard}} says: "i/n" of a sharded attack.
  std::string shard = "0/1";
  /// Names of journey variables the targets may use ({{token}}); journey.h sets them.
  std::vector<std::string> variables;
};

/// Runs an HTTP attack over `targets` (round-robin), or over what http.targeter makes (then
/// `targets` must be empty), and returns its measurements.
/// Throws InputError for invalid options or unreadable certificate files. Connection and
/// protocol failures are results (status 0 and an error), never exceptions.
AttackRun attack_http(const std::vector<Target>& targets, const HttpOptions& http, const AttackOptions& options);

/// Runs `j` with `options`'s pacing (journeys per second): its HTTP steps with `http`'s settings
/// (its targets, targeter and feeder are the journey's), its gRPC and WebSocket steps with their
/// own (JourneyGrpc, JourneyWs). Returns every step's and every journey's results. Throws
/// InputError for a journey that cannot run (a gRPC step's method unknown to its server, say).
/// Built in the loadgate_journey library (protocol/journey/), which links every protocol.
AttackRun attack_journey(const Journey& j, const HttpOptions& http, const AttackOptions& options);

}  // namespace loadgate
