// exchange.h (internal): one HTTP request and its response on the wire, whichever protocol the
// origin speaks (as h2load keeps each protocol behind one session interface): HTTP/1.1 on a
// connection of the slot's own (http1_exchange.h), or an HTTP/2 stream of the thread's shared
// sessions (http2_exchange.h). The slot that uses one (http_driver.cc) times the request, follows
// redirects and records the result; the exchange only moves bytes and parses the response.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "loadgate/result.h"
#include "protocol/http/h2_session.h"

namespace loadgate::http {

/// WireRequest is what an exchange sends: the bytes its protocol needs, and what to keep of the
/// response. The pointers stay valid until the exchange reports its end.
struct WireRequest {
  const std::string* bytes = nullptr;  ///< HTTP/1.1: the whole request
  const H2Request* h2 = nullptr;       ///< HTTP/2: the headers
  const std::string* body = nullptr;   ///< HTTP/2: the DATA (nullptr or empty: none)
  bool head = false;                   ///< a HEAD request: its response has no body
  size_t keep_body = 0;                ///< response body bytes to keep (kept_body()); 0 = none
  const std::vector<std::string>* capture = nullptr;  ///< response headers to capture; may be null
};

/// Response is a whole response as an exchange read it.
struct Response {
  int status = 0;
  std::string_view reason;  ///< the status line's reason (HTTP/2: the standard one)
  std::string location;     ///< the Location header ("" when none)
  uint64_t body_bytes = 0;  ///< body bytes received (capped by -max-body)
  int64_t received_ns = 0;  ///< steady ns the kernel received the last bytes; 0 = unknown (now)
};

/// ExchangeOwner hears how an exchange goes: the slot.
class ExchangeOwner {
 public:
  virtual ~ExchangeOwner() = default;
  /// The first response byte arrived, at steady ns `at` as the kernel stamped it (0 = now).
  virtual void first_byte(int64_t at) = 0;
  /// The response is complete. The exchange is free when this is called.
  virtual void response(const Response& r) = 0;
  /// No response: why. The exchange is free when this is called.
  virtual void failed(ErrorKind kind, const std::string& why) = 0;
  /// Whether the request in flight was given up (timed out, cancelled): the exchange then stops
  /// and calls gave_up().
  virtual bool stopped() const = 0;
  /// The exchange stopped for stopped(): the owner records why. The exchange is free.
  virtual void gave_up() = 0;
  /// A connection opened ahead of any request (Exchange::warm()) is up, or failed (`kind`).
  virtual void warmed(ErrorKind kind, const std::string& why) = 0;
};

/// Exchange carries one request at a time to an origin of its protocol.
class Exchange {
 public:
  virtual ~Exchange() = default;
  /// Sends `r` to origin number `origin` and reads its response, reporting to the owner (never
  /// from inside send()).
  virtual void send(size_t origin, const WireRequest& r) = 0;
  /// Opens a connection to origin number `origin` ahead of the first request.
  virtual void warm(size_t origin) = 0;
  /// Ends the request in flight at once (a timeout, a cancel: the owner's stopped() is true).
  virtual void abort() = 0;
  /// After a failed request: HTTP/1.1 closes its connection (a response may still be coming).
  virtual void discard() = 0;
  /// Forgets the last response (before a new request: a request that fails before its response
  /// has no response figures).
  virtual void clear() = 0;
  /// The start of the last response's body (WireRequest::keep_body bytes).
  virtual std::string_view kept_body() const = 0;
  /// The last response's header lines ("Name: value\r\n"), up to -keep-headers bytes.
  virtual std::string_view kept_headers() const = 0;
  /// The last response's captured headers, as WireRequest::capture named them.
  virtual const std::vector<std::string>& captured() const = 0;
  /// The phases of the connection opened for the last request ({}: it reused one).
  virtual ConnectPhases opened() const { return {}; }
  /// How long writing the last request took (ns; 0 = not measured). HTTP/2: from the stream's
  /// submission to its END_STREAM frame leaving for the session.
  virtual int64_t sending_ns() const { return 0; }
};

}  // namespace loadgate::http
