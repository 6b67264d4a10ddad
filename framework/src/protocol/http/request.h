// request.h (internal): the bytes of one HTTP/1.1 request, built once per target before the
// attack (and per redirect), never on the hot path.
#pragma once

#include <string>
#include <vector>

#include "loadgate/targets.h"
#include "loadgate/url.h"

namespace loadgate::http {

/// The User-Agent sent when a target sets none.
inline constexpr char kUserAgent[] = "loadgate/0.1";

/// METHOD target HTTP/1.1, Host (unless given), User-Agent (unless given), `headers` as written,
/// Content-Length for a body (or for POST, PUT, PATCH), "Connection: close" without keep-alive,
/// then the body. `chunked`: the body as one chunk and the last chunk instead of a
/// Content-Length. `absolute`: the request target in absolute form, for a proxy.
std::string build_request(const std::string& method, const Url& url, const std::vector<Header>& headers,
                          const std::string& body, bool keepalive, bool chunked, bool absolute = false);

}  // namespace loadgate::http
