// url.h (core layer): the parts of an absolute http(s)/ws(s) URL that a driver needs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace loadgate {

/// Url is an absolute URL split for a client: "https://h:8443/a?b" ->
/// {scheme "https", host "h", port 8443, target "/a?b"}.
struct Url {
  std::string scheme;  ///< lower case: http, https, ws, wss
  std::string host;    ///< without brackets for IPv6
  uint16_t port = 0;   ///< explicit port or the scheme's default
  std::string target;  ///< path and query, at least "/"
  bool tls() const { return scheme == "https" || scheme == "wss"; }
  /// "host:port" for the Host header (port omitted when it is the default; IPv6 bracketed).
  std::string authority() const;
  /// scheme://host:port, the key of a connection pool.
  std::string origin() const;
};

/// Parses an absolute http, https, ws or wss URL; nullopt when it is not one, or when it holds a
/// space or a control byte. An empty host with a port ("http://:6060/") is the local system,
/// "localhost", as in Go.
std::optional<Url> parse_url(std::string_view text);

/// Resolves `location` (absolute, or a path) against `base` for redirects; nullopt for a
/// location that does not parse or holds a space or a control byte.
std::optional<Url> resolve_url(const Url& base, std::string_view location);

}  // namespace loadgate
