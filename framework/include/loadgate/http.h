// http.h: HTTP/1.1 load over Asio, Vegeta's semantics.
//
//   auto targets = loadgate::load_targets("targets/api.txt");
//   loadgate::AttackOptions load;  load.rate = ...;  load.duration = 30s;
//   loadgate::AttackRun run = loadgate::attack_http(targets, {}, load);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "loadgate/attack.h"
#include "loadgate/targets.h"

namespace loadgate {

/// HttpOptions are the HTTP driver's settings (Vegeta's flags of the same names).
struct HttpOptions {
  std::vector<Header> headers;          ///< -header: added to every request, before the target's own
  std::string body;                     ///< -body: body of targets that have none
  bool keepalive = true;                ///< -keepalive: reuse connections
  int redirects = 10;                   ///< -redirects: follow up to N; -1 = do not follow (3xx is the result)
  int64_t max_body = -1;                ///< -max-body: bytes of each body counted in bytes_in; -1 = all
  bool insecure = false;                ///< -insecure: skip TLS certificate verification
  std::vector<std::string> root_certs;  ///< -root-certs: PEM files of trusted CAs (default: system)
  std::string cert;                     ///< -cert: client certificate (PEM) for mutual TLS
  std::string key;                      ///< -key: client private key (PEM)
};

/// Runs an HTTP attack over `targets` (round-robin) and returns its measurements.
/// Throws InputError for invalid options or unreadable certificate files. Connection and
/// protocol failures are results (status 0 and an error), never exceptions.
AttackRun attack_http(const std::vector<Target>& targets, const HttpOptions& http, const AttackOptions& load);

}  // namespace loadgate
