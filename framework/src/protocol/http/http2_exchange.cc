// http2_exchange.cc: an HTTP/2 stream and its response.
#include "protocol/http/http2_exchange.h"

#include <cstdlib>

#include "loadgate/targets.h"

namespace loadgate::http {
namespace {

// HTTP/2's reason phrases: none on the wire, so the standard ones.
std::string_view standard_reason(int code) {
  switch (code) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 418: return "I'm a teapot";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

}  // namespace

Http2Exchange::Http2Exchange(engine::SlotOwner& owner, std::shared_ptr<H2Pool> pool, const Origins& origins,
                             const HttpOptions& o, ExchangeOwner& x)
    : owner_(owner), pool_(std::move(pool)), origins_(origins), o_(o), x_(x) {}

void Http2Exchange::clear() {
  status_ = 0;
  body_bytes_ = 0;
  location_.clear();
  body_.clear();
  headers_.clear();
  headers_full_ = false;
}

void Http2Exchange::send(size_t origin, const WireRequest& r) {
  r_ = &r;
  origin_ = origin;
  clear();
  captured_.assign(r.capture ? r.capture->size() : 0, std::string());
  request = r.h2;
  body = r.body;
  submit();
}

void Http2Exchange::submit() {
  pool_->submit(origin_, origins_.at(origin_), *this, [&owner = owner_](int delta) { owner.connecting(delta); });
}

// One connection carries every stream: the first slot opens it, the others have nothing to do.
void Http2Exchange::warm(size_t origin) {
  if (pool_->warm(origin, origins_.at(origin), [&owner = owner_] { owner.connecting(-1); })) owner_.connecting(+1);
}

void Http2Exchange::abort() {
  pool_->cancel(*this);  // no h2_closed() follows
  r_ = nullptr;
  x_.gave_up();
}

void Http2Exchange::h2_headers() { x_.first_byte(0); }

void Http2Exchange::h2_header(const std::string& name, const std::string& value) {
  if (r_ && r_->capture)
    for (size_t i = 0; i < r_->capture->size(); ++i)
      if (iequals(name, (*r_->capture)[i])) captured_[i] = value;
  const size_t cap = o_.keep_headers;
  if (cap > 0 && !headers_full_ && !name.empty() && name[0] != ':') {  // pseudo-headers are no header lines
    if (headers_.size() + name.size() + value.size() + 4 <= cap)
      headers_ += name + ": " + value + "\r\n";
    else
      headers_full_ = true;  // the rest are not kept either, as over HTTP/1.1
  }
  if (name == ":status") {
    status_ = std::atoi(value.c_str());
  } else if (name == "location") {
    location_ = value;
  }
}

void Http2Exchange::h2_data(const uint8_t* data, size_t n) {
  const size_t keep = r_ ? r_->keep_body : 0;
  if (body_.size() < keep) body_.append(reinterpret_cast<const char*>(data), std::min(n, keep - body_.size()));
  const int64_t cap = o_.max_body;
  body_bytes_ = cap < 0 ? body_bytes_ + n : std::min<uint64_t>(static_cast<uint64_t>(cap), body_bytes_ + n);
}

void Http2Exchange::h2_closed(ErrorKind kind, const std::string& error) {
  if (r_ == nullptr) return;
  r_ = nullptr;
  if (kind != ErrorKind::kNone) {
    x_.failed(kind, error);
    return;
  }
  if (status_ == 0) {
    x_.failed(ErrorKind::kProtocol, "http2: the stream ended without a response");
    return;
  }
  x_.response({status_, standard_reason(status_), location_, body_bytes_, 0});
}

void Http2Exchange::h2_unsent() {
  if (r_ == nullptr) return;
  if (x_.stopped()) {
    r_ = nullptr;
    x_.gave_up();
    return;
  }
  submit();
}

}  // namespace loadgate::http
