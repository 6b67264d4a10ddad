// ws_handshake.h (protocol layer): the RFC 6455 opening handshake, both sides, no I/O. HTTP is parsed by
// http-parser and the accept key computed with OpenSSL's SHA-1: only the WebSocket rules are
// written here.
//
//   client: request = client_request(...);  ResponseReader r;  r.feed(bytes) until kDone;
//           r.check(key, subprotocol) == "" -> frames follow the consumed bytes
//   server: RequestReader q;  q.feed(bytes) until kDone;  q.refusal() == 0 ->
//           write accept_response(q.key()), frames follow
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loadgate::ws {

/// Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + the RFC's GUID)).
std::string accept_key(std::string_view key);

/// A Sec-WebSocket-Key from 16 random bytes (base64, 24 characters).
std::string make_key(const unsigned char (&random)[16]);

/// The client's opening request for `resource` ("/echo?x=1") on `host` ("h:8000"), with extra
/// `headers` (name, value), a requested `subprotocol` ("" = none) and offered `extensions`
/// (Sec-WebSocket-Extensions, "" = none).
std::string client_request(std::string_view host, std::string_view resource, std::string_view key,
                           const std::vector<std::pair<std::string, std::string>>& headers,
                           std::string_view subprotocol, std::string_view extensions = {});

/// The server's answer accepting a request with Sec-WebSocket-Key `key`, with the accepted
/// `extensions` ("" = none).
std::string accept_response(std::string_view key, std::string_view subprotocol = {}, std::string_view extensions = {});

/// The server's answer refusing a request: `status` ("403") and its reason, then the close.
std::string refuse_response(int status, std::string_view reason);

/// Where a reader stands.
enum class ParseState {
  kMore,   ///< the head is not whole yet
  kDone,   ///< the head is whole; bytes after it were not consumed
  kError,  ///< not HTTP (error() says why)
};

/// ResponseReader reads the server's answer to the opening request.
class ResponseReader {
 public:
  ResponseReader();
  ~ResponseReader();
  /// Feeds `n` bytes; `consumed` is set to how many belong to the response head.
  ParseState feed(const char* data, size_t n, size_t& consumed);
  /// HTTP status (valid after kDone).
  int status() const;
  /// Reason phrase, as sent.
  const std::string& reason() const;
  /// "" when the answer accepts a request made with `key` and `subprotocol` (RFC 6455 4.1:
  /// 101, Upgrade: websocket, Connection: Upgrade, the right accept key, no extension
  /// (unless `extensions_offered`) or subprotocol that was not asked for); otherwise why not
  /// ("handshake: 403 Forbidden").
  std::string check(std::string_view key, std::string_view subprotocol, bool extensions_offered = false) const;
  /// The Sec-WebSocket-Extensions the server accepted ("" = none), after kDone.
  std::string extensions() const;
  /// What was wrong after kError.
  const std::string& error() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// RequestReader reads a client's opening request.
class RequestReader {
 public:
  RequestReader();
  ~RequestReader();
  /// Feeds `n` bytes; `consumed` is set to how many belong to the request head.
  ParseState feed(const char* data, size_t n, size_t& consumed);
  /// The request target ("/echo?room=a").
  const std::string& resource() const;
  /// Sec-WebSocket-Key.
  const std::string& key() const;
  /// Value of header `name` (lower case), "" when absent.
  std::string header(std::string_view name) const;
  /// 0 when the request is a valid WebSocket opening (GET, HTTP/1.1, Upgrade, Connection,
  /// version 13, a 16-byte key); else the status to refuse it with (400, 426).
  int refusal() const;
  /// What was wrong after kError, or why refusal() refuses.
  const std::string& error() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace loadgate::ws
