// http2_exchange.h (internal): HTTP/2 exchanges: one stream at a time on the thread's shared
// sessions (H2Pool), the response reported by nghttp2's callbacks.
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "engine/driver.h"
#include "loadgate/http.h"
#include "protocol/http/exchange.h"
#include "protocol/http/h2_session.h"
#include "protocol/http/origins.h"

namespace loadgate::http {

/// Http2Exchange is one stream in flight at a time; a timeout or cancel resets it and the
/// session goes on carrying the others.
class Http2Exchange final : public Exchange, private H2Stream {
 public:
  /// `pool`: this thread's HTTP/2 sessions (shared by its slots).
  Http2Exchange(engine::SlotOwner& owner, std::shared_ptr<H2Pool> pool, const Origins& origins, const HttpOptions& o,
                ExchangeOwner& x);
  void send(size_t origin, const WireRequest& r) override;
  void warm(size_t origin) override;
  void abort() override;
  void discard() override {}
  void clear() override;
  std::string_view kept_body() const override { return body_; }
  std::string_view kept_headers() const override { return headers_; }
  const std::vector<std::string>& captured() const override { return captured_; }
  ConnectPhases opened() const override { return H2Stream::opened; }
  int64_t sending_ns() const override { return sent_ns > 0 ? std::max<int64_t>(1, sent_ns - submitted_ns) : 0; }

 private:
  // H2Stream
  void h2_headers() override;
  void h2_header(const std::string& name, const std::string& value) override;
  void h2_data(const uint8_t* data, size_t n) override;
  void h2_closed(ErrorKind kind, const std::string& error) override;
  void h2_unsent() override;
  void submit();

  engine::SlotOwner& owner_;
  std::shared_ptr<H2Pool> pool_;
  const Origins& origins_;
  const HttpOptions& o_;
  ExchangeOwner& x_;
  const WireRequest* r_ = nullptr;  // the request in flight; nullptr: none
  size_t origin_ = 0;
  // The response.
  int status_ = 0;
  uint64_t body_bytes_ = 0;
  std::string location_;
  std::string body_;     // the kept start of the body
  std::string headers_;  // the kept header lines (HttpOptions::keep_headers)
  bool headers_full_ = false;
  std::vector<std::string> captured_;
};

}  // namespace loadgate::http
