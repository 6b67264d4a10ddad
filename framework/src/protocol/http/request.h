// request.h (internal): the bytes of one HTTP/1.1 request, built once per target before the
// attack (and per redirect), never on the hot path.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "loadgate/targets.h"
#include "loadgate/template.h"
#include "loadgate/url.h"
#include "protocol/http/h2_session.h"

namespace loadgate::http {

/// The User-Agent sent when a target sets none.
inline constexpr char kUserAgent[] = "loadgate/0.1";

/// METHOD target HTTP/1.1, Host (unless given), User-Agent (unless given), `headers` as written,
/// Content-Length for a body (or for POST, PUT, PATCH), "Connection: close" without keep-alive,
/// then the body. `chunked`: the body as one chunk and the last chunk instead of a
/// Content-Length. `absolute`: the request target in absolute form, for a proxy.
std::string build_request(const std::string& method, const Url& url, const std::vector<Header>& headers,
                          const std::string& body, bool keepalive, bool chunked, bool absolute = false);

/// RequestTemplate is a request whose path, header values and body hold placeholders
/// (template.h): compiled once per target, filled per hit into buffers the caller reuses, so
/// that a fill allocates nothing once they are warm. The scheme, host and port are fixed (they
/// pick the connection): a placeholder there is an error.
class RequestTemplate {
 public:
  /// Compiles the request; `url` is the URL as written, placeholders included. Throws
  /// InputError naming `where` ("target GET http://...") for a bad placeholder, a placeholder
  /// in the origin, or a Content-Length beside a templated body.
  RequestTemplate(const std::string& method, const std::string& url, const std::vector<Header>& headers,
                  const std::string& body, bool keepalive, bool chunked, bool absolute, const TemplateNames& names,
                  const std::string& where);
  /// The HTTP/1.1 bytes for `ctx` into `out` (replaced); `body` is scratch. Returns the body's
  /// size, or nullopt when a data value was refused where it lands (refusal() says which): the
  /// request must not be sent.
  std::optional<size_t> fill_http1(const FillContext& ctx, std::string& out, std::string& body) const;
  /// The HTTP/2 request for `ctx` into `req` and `body` (both replaced, their strings reused);
  /// false when a data value was refused, as fill_http1.
  bool fill_http2(const FillContext& ctx, H2Request& req, std::string& body) const;
  /// Why the last fill of `ctx` was refused ("{{feed.h}} holds a CR, LF or NUL byte ..."), or "".
  std::string refusal(const FillContext& ctx) const;
  /// Feeder columns that land in the request line raw or in a header (Template::guarded_columns).
  std::vector<uint32_t> guarded_columns() const;
  /// The journey variables it uses (indices into TemplateNames::variables).
  std::vector<uint32_t> uses() const;

 private:
  Template head_;  // request line and headers, up to the framing headers
  Template body_;
  Template path_;  // HTTP/2's :path
  std::vector<std::pair<std::string, Template>> h2_headers_;  // lower-case name -> value
  std::string method_, scheme_, authority_;
  bool wants_length_ = false, chunked_ = false, keepalive_ = true;
};

}  // namespace loadgate::http
