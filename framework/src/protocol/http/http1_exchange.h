// http1_exchange.h (internal): HTTP/1.1 exchanges: one request at a time on a keep-alive
// connection of the slot's own per origin, the response parsed by http-parser as it comes.
#pragma once

#include <array>
#include <memory>
#include <vector>

#include "engine/driver.h"
#include "loadgate/http.h"
#include "protocol/http/exchange.h"
#include "protocol/http/origins.h"
#include "protocol/http/response_parser.h"

namespace loadgate::http {

/// Http1Exchange writes the prepared request bytes, reads into a fixed buffer and feeds the
/// parser, which counts the body without keeping it. A request that finds its reused connection
/// closed by the server before any response byte is retried once on a new connection, as Go's
/// client does for idempotent reuse. On a thread that reads at its ticks, a plain TCP
/// connection's response waits for the owner's next tick and is timed by its kernel stamp.
class Http1Exchange final : public Exchange {
 public:
  /// Buffer of each read (bytes).
  static constexpr size_t kReadBuffer = 16 * 1024;
  /// `slot`: the slot this exchange serves, as its owner knows it (for the owner's ticks).
  Http1Exchange(asio::io_context& io, engine::SlotOwner& owner, engine::Slot& slot, const Origins& origins,
                const HttpOptions& o, ExchangeOwner& x);
  void send(size_t origin, const WireRequest& r) override;
  void warm(size_t origin) override;
  void abort() override;
  void discard() override;
  void clear() override { parser_.reset(false); }
  std::string_view kept_body() const override { return parser_.body(); }
  std::string_view kept_headers() const override { return parser_.headers(); }
  const std::vector<std::string>& captured() const override { return parser_.captured(); }
  ConnectPhases opened() const override { return opened_; }
  int64_t sending_ns() const override { return sending_; }
  /// Reads the response due at the owner's tick (engine::Slot::read_at_tick()).
  void read_at_tick();
  /// A connection is being opened (ahead of a request, or for one).
  bool connecting() const { return connecting_; }

 private:
  Conn& conn_for(size_t origin);
  void connect();
  void connected(ErrorKind kind, const std::string& what);
  void write();
  void read();
  // `at`: steady ns the kernel received the bytes (read_stamped), or 0: now.
  void on_read(const asio::error_code& ec, size_t n, int64_t at);
  void complete(int64_t at);
  void fail(ErrorKind kind, const std::string& why);
  bool halted();
  bool retry();

  asio::io_context& io_;
  engine::SlotOwner& owner_;
  engine::Slot& slot_;
  const Origins& origins_;
  const HttpOptions& o_;
  ExchangeOwner& x_;
  std::vector<std::unique_ptr<Conn>> conns_;  // by origin number
  Conn* conn_ = nullptr;
  const WireRequest* r_ = nullptr;  // the request in flight; nullptr: none
  std::array<char, kReadBuffer> buf_;  // not zeroed: a page is resident only once a read reaches it
  http1::ResponseParser parser_;
  bool connecting_ = false;   // a connect (or TLS handshake) is under way
  bool retried_ = false;
  bool opened_here_ = false;  // the connection in use was opened for the request in flight
  uint64_t response_bytes_ = 0;
  ConnectPhases opened_;  // of the connection opened for the request in flight, if one was
  int64_t sending_ = 0;   // ns writing the request in flight took
};

}  // namespace loadgate::http
