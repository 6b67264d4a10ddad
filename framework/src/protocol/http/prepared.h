// prepared.h (internal): a target made ready to write before the attack: its origin, label,
// and the bytes its origin's protocol needs (or the template that fills them per hit).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "loadgate/http.h"
#include "loadgate/targets.h"
#include "loadgate/url.h"
#include "protocol/http/connection.h"
#include "protocol/http/h2_session.h"
#include "protocol/http/request.h"

namespace loadgate::http {

/// Prepared is one target, ready to write: HTTP/1.1 bytes, or an HTTP/2 request, as its origin
/// speaks; a target with placeholders keeps its template instead.
struct Prepared {
  uint32_t origin = 0;  ///< origin number (Origins)
  std::string bytes;    ///< HTTP/1.1: the whole request
  H2Request h2;         ///< HTTP/2
  uint64_t body_size = 0;
  uint32_t label = 0;  ///< interned "METHOD URL" (or a journey step's name)
  bool head = false;
  std::string method;  ///< for redirects
  std::string body;    ///< for 307/308 redirects, and HTTP/2's DATA
  std::vector<Header> headers;
  Url url;
  std::shared_ptr<const RequestTemplate> tpl;  ///< set when the target holds placeholders
};

/// `t`, whose URL is `url` (target_url()), prepared for origin number `origin` (`to`) under
/// label `label`. Throws InputError when `t` cannot go on the wire (a header or body that would
/// end it early or smuggle another request).
Prepared prepare_target(const Target& t, const Url& url, const HttpOptions& o, uint32_t origin, const Origin& to,
                        uint32_t label);

/// The URL of `t` as an http or https URL (placeholders shaped). Throws InputError.
Url target_url(const Target& t);

}  // namespace loadgate::http
