// origins.h (internal): where an HTTP attack's requests go: each origin (scheme://host:port)
// resolved and its protocol settled once (ALPN, h2c, an h2c upgrade), and the transport every
// connection opens with (TLS context and certificates, local address, Unix socket, proxy).
#pragma once

#include <asio/ssl/context.hpp>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "loadgate/http.h"
#include "protocol/http/connection.h"
#include "protocol/http/h2_session.h"

namespace loadgate::http {

/// Origins numbers the origins of an attack: the targets' ones, fixed before it starts, then
/// those met while it runs (redirect targets, streamed targets), each resolved once.
class Origins {
 public:
  /// Throws InputError for bad TLS files (-root-certs, -cert, -key), -laddr, -resolvers, or
  /// -h2c with -h2c-upgrade.
  explicit Origins(const HttpOptions& o);
  Origins(const Origins&) = delete;
  Origins& operator=(const Origins&) = delete;

  /// The number of `url`'s origin among the fixed ones, resolved and probed when new. Before
  /// the attack only (not thread-safe).
  size_t fix(const Url& url);
  /// The number of `url`'s origin, resolved and probed once for the whole attack when it is
  /// neither fixed nor met yet (the first caller waits for the lookup). Thread-safe.
  size_t of(const Url& url);
  /// Origin number `i`.
  const Origin& at(size_t i) const {
    if (i < fixed_.size()) return *fixed_[i];
    std::lock_guard lock(met_mu_);
    return *met_[i - fixed_.size()];
  }
  /// The origins fixed before the attack.
  const std::vector<std::unique_ptr<Origin>>& fixed() const { return fixed_; }
  /// How every connection opens.
  const Transport& transport() const { return transport_; }

 private:
  Origin open(const Url& url);
  void setup_tls();

  const HttpOptions& o_;
  asio::ssl::context tls_;
  Transport transport_;
  std::vector<std::unique_ptr<Origin>> fixed_;
  mutable std::mutex met_mu_;
  std::deque<std::unique_ptr<Origin>> met_;  // met during the attack
};

}  // namespace loadgate::http
