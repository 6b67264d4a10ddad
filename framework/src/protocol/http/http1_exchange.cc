// http1_exchange.cc: an HTTP/1.1 request and its response on the slot's own connection.
#include "protocol/http/http1_exchange.h"

#include <algorithm>
#include <asio/ssl/error.hpp>

#include "loadgate/duration.h"

namespace loadgate::http {

Http1Exchange::Http1Exchange(asio::io_context& io, engine::SlotOwner& owner, engine::Slot& slot,
                             const Origins& origins, const HttpOptions& o, ExchangeOwner& x)
    : io_(io), owner_(owner), slot_(slot), origins_(origins), o_(o), x_(x) {}

Conn& Http1Exchange::conn_for(size_t origin) {
  if (conns_.size() <= origin) conns_.resize(origin + 1);
  if (!conns_[origin]) conns_[origin] = std::make_unique<Conn>(io_, origins_.transport(), origins_.at(origin));
  return *conns_[origin];
}

void Http1Exchange::send(size_t origin, const WireRequest& r) {
  r_ = &r;
  retried_ = opened_here_ = false;
  response_bytes_ = 0;
  opened_ = {};
  sending_ = 0;
  conn_ = &conn_for(origin);
  if (conn_->open)
    write();
  else
    connect();
}

void Http1Exchange::warm(size_t origin) {
  conn_ = &conn_for(origin);
  if (!conn_->open) connect();
}

void Http1Exchange::abort() {
  if (conn_) conn_->close();  // the operation under way ends with an error: halted() says why
}

void Http1Exchange::discard() {
  if (conn_) conn_->close();
}

void Http1Exchange::connect() {
  opened_here_ = r_ != nullptr;
  connecting_ = true;
  owner_.connecting(+1);
  conn_->open_async(false, [this](ErrorKind kind, const std::string& what) { connected(kind, what); });
}

// The end of connect(): the request in flight (if any) goes on; a warm-up tells the owner.
void Http1Exchange::connected(ErrorKind kind, const std::string& what) {
  connecting_ = false;
  if (kind != ErrorKind::kNone) conn_->close();
  owner_.connecting(-1);
  if (r_ == nullptr) {
    x_.warmed(kind, what);
    return;
  }
  if (halted()) return;
  opened_ = conn_->phases;  // a failed open's too: the time it took before failing
  if (kind != ErrorKind::kNone) {
    fail(kind, what);
    return;
  }
  write();
}

// A plain connection's request goes out in one send(2) while the socket has room, timed around
// it (and read without a handler in between); what does not fit, and TLS, go through an
// asynchronous write timed to its handler.
void Http1Exchange::write() {
  parser_.reset(r_->head, o_.max_body, r_->keep_body, r_->capture, o_.keep_headers);
  const int64_t began = steady_now_ns();
  const std::string& bytes = *r_->bytes;
  asio::error_code wec;
  const size_t now = conn_->try_write(bytes.data(), bytes.size(), wec);
  if (!wec && now == bytes.size()) {
    sending_ = std::max<int64_t>(1, steady_now_ns() - began);
    read();
    return;
  }
  conn_->write(asio::buffer(bytes.data() + now, bytes.size() - now), [this, began](const asio::error_code& ec, size_t) {
    sending_ = std::max<int64_t>(1, steady_now_ns() - began);
    if (halted()) return;
    if (ec) {
      if (!retry()) fail(ErrorKind::kIo, "write: " + ec.message());
      return;
    }
    read();
  });
}

void Http1Exchange::read() {
  if (owner_.reads_at_ticks() && conn_->stampable()) {
    if (owner_.await_tick(slot_)) return;  // read_at_tick() reads it
    conn_->read_stamped(asio::buffer(buf_), [this](const asio::error_code& ec, size_t n) {
      on_read(ec, n, conn_->received_ns());
    });
    return;
  }
  conn_->read_some(asio::buffer(buf_), [this](const asio::error_code& ec, size_t n) { on_read(ec, n, 0); });
}

// One recvmsg(2) per response at the owner's tick, with no event registration: a closed socket
// (a timeout, a cancel) fails it here.
void Http1Exchange::read_at_tick() {
  if (r_ == nullptr || conn_ == nullptr) return;
  asio::error_code ec;
  const size_t n = conn_->read_stamped_now(asio::buffer(buf_), ec);
  if (ec == asio::error::would_block) {
    read();
    return;
  }
  on_read(ec, n, conn_->received_ns());
}

void Http1Exchange::on_read(const asio::error_code& ec, size_t n, int64_t at) {
  if (halted()) return;
  if (n > 0 && response_bytes_ == 0) x_.first_byte(at);
  response_bytes_ += n;
  if (n > 0) {
    size_t used = 0;
    const auto state = parser_.feed(buf_.data(), n, used);
    if (state == http1::ResponseParser::State::kComplete) {
      ++conn_->served;
      if (!parser_.keep_alive() || !o_.keepalive) conn_->close();
      complete(at);
      return;
    }
    if (state == http1::ResponseParser::State::kError) {
      conn_->close();
      fail(ErrorKind::kProtocol, std::string("bad response: ") + parser_.error());
      return;
    }
  }
  if (ec) {
    if ((ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) &&
        parser_.eof() == http1::ResponseParser::State::kComplete) {
      conn_->open = false;
      ++conn_->served;
      complete(at);
      return;
    }
    conn_->close();
    if (!retry())
      fail(ErrorKind::kIo, response_bytes_ == 0 ? "read: connection closed before any response (" + ec.message() + ")"
                                                : "read: unexpected end of response (" + ec.message() + ")");
    return;
  }
  read();
}

void Http1Exchange::complete(int64_t at) {
  r_ = nullptr;
  x_.response({parser_.status(), parser_.reason(), parser_.location(), parser_.body_bytes(), at});
}

void Http1Exchange::fail(ErrorKind kind, const std::string& why) {
  r_ = nullptr;
  x_.failed(kind, why);
}

bool Http1Exchange::halted() {
  if (!x_.stopped()) return false;
  r_ = nullptr;
  x_.gave_up();
  return true;
}

// Retries once on a new connection when one that was already open (reused, or opened ahead by
// warm()) turns out closed by the server before any response byte.
bool Http1Exchange::retry() {
  if (retried_ || opened_here_ || response_bytes_ > 0) return false;
  retried_ = true;
  conn_->close();
  connect();
  return true;
}

}  // namespace loadgate::http
