// http_driver.cc: HTTP/1.1 slots over Asio (plain or TLS), responses parsed by http-parser.
//
// A slot carries one request at a time and keeps one keep-alive connection per origin. The
// request bytes of every target are built once, before the attack; the hot path only writes
// them, reads into a fixed buffer and feeds http-parser, which counts the body without
// keeping it. A request that finds its reused connection closed by the server before any
// response byte is retried once on a new connection, as Go's client does for idempotent reuse.
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/ssl.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <cstring>
#include <deque>
#include <fstream>
#include <mutex>
#include <optional>

#include "engine/attacker.h"
#include "loadgate/error.h"
#include "loadgate/http.h"
#include "loadgate/interner.h"
#include "loadgate/url.h"
#include "protocol/http/response_parser.h"

namespace loadgate {
namespace {

using asio::ip::tcp;
using engine::Hit;

constexpr char kUserAgent[] = "loadgate/0.1";
constexpr size_t kReadBuffer = 16 * 1024;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Where requests go: an origin resolved once.
struct Origin {
  Url url;
  std::vector<tcp::endpoint> endpoints;
  std::string resolve_error;  // non-empty: every request to it fails with this
};

// One target, ready to write.
struct Prepared {
  uint32_t origin = 0;
  std::string bytes;  // the whole request
  uint64_t body_size = 0;
  uint32_t label = 0;  // interned "METHOD URL"
  bool head = false;
  std::string method;  // for redirects
  std::string body;    // for 307/308 redirects
  std::vector<Header> headers;
  Url url;
};

std::string build_request(const std::string& method, const Url& url, const std::vector<Header>& headers,
                          const std::string& body, bool keepalive) {
  std::string out = method + " " + url.target + " HTTP/1.1\r\n";
  bool host = false, agent = false, length = false;
  for (auto& [k, v] : headers) {
    host |= iequals(k, "Host");
    agent |= iequals(k, "User-Agent");
    length |= iequals(k, "Content-Length");
  }
  if (!host) out += "Host: " + url.authority() + "\r\n";
  if (!agent) out += std::string("User-Agent: ") + kUserAgent + "\r\n";
  for (auto& [k, v] : headers) out += k + ": " + v + "\r\n";
  const bool wants_length = !body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
  if (wants_length && !length) out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  if (!keepalive) out += "Connection: close\r\n";
  out += "\r\n";
  out += body;
  return out;
}

Origin resolve_origin(const Url& url) {
  Origin o;
  o.url = url;
  asio::io_context io;
  tcp::resolver resolver(io);
  asio::error_code ec;
  auto results = resolver.resolve(url.host, std::to_string(url.port), ec);
  if (ec) {
    o.resolve_error = "lookup " + url.host + ": " + ec.message();
    return o;
  }
  for (auto& r : results) o.endpoints.push_back(r.endpoint());
  // Prefer IPv4 loopback first: "localhost" often lists ::1 first and servers bind 127.0.0.1.
  std::stable_partition(o.endpoints.begin(), o.endpoints.end(),
                        [](const tcp::endpoint& e) { return e.address().is_v4(); });
  return o;
}

// Interns "<code> <reason>" once per status code per thread.
uint32_t status_error(int code, std::string_view reason) {
  thread_local std::array<uint32_t, 600> cache{};
  if (code >= 0 && code < 600 && cache[static_cast<size_t>(code)]) return cache[static_cast<size_t>(code)];
  const uint32_t id = intern(std::to_string(code) + " " + std::string(reason));
  if (code >= 0 && code < 600) cache[static_cast<size_t>(code)] = id;
  return id;
}

// A connection: plain TCP or TLS over TCP.
class Conn {
 public:
  Conn(asio::io_context& io, asio::ssl::context* tls, const Origin& origin) : io_(io), tls_ctx_(tls), origin_(&origin) {
    reset();
  }
  tcp::socket& socket() { return tls_ ? tls_->next_layer() : *sock_; }
  const Origin& origin() const { return *origin_; }
  bool open = false;    // connected (and handshaken)
  uint64_t served = 0;  // requests completed on this connection

  // Replaces the socket with a fresh, unconnected one.
  void reset() {
    open = false;
    served = 0;
    if (tls_ctx_ && origin_->url.tls()) {
      tls_ = std::make_unique<asio::ssl::stream<tcp::socket>>(io_, *tls_ctx_);
      sock_.reset();
    } else {
      sock_ = std::make_unique<tcp::socket>(io_);
      tls_.reset();
    }
  }
  void close() {
    asio::error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
    open = false;
  }
  bool tls() const { return tls_ != nullptr; }
  asio::ssl::stream<tcp::socket>& tls_stream() { return *tls_; }

  template <class Handler>
  void write(const asio::const_buffer& b, Handler&& h) {
    if (tls_)
      asio::async_write(*tls_, b, std::forward<Handler>(h));
    else
      asio::async_write(*sock_, b, std::forward<Handler>(h));
  }
  template <class Handler>
  void read_some(const asio::mutable_buffer& b, Handler&& h) {
    if (tls_)
      tls_->async_read_some(b, std::forward<Handler>(h));
    else
      sock_->async_read_some(b, std::forward<Handler>(h));
  }

 private:
  asio::io_context& io_;
  asio::ssl::context* tls_ctx_;
  const Origin* origin_;
  std::unique_ptr<tcp::socket> sock_;
  std::unique_ptr<asio::ssl::stream<tcp::socket>> tls_;
};

class HttpDriver;

class HttpSlot final : public engine::Slot {
 public:
  HttpSlot(asio::io_context& io, engine::SlotOwner& owner, HttpDriver& driver);
  void start(const Hit& hit) override;
  void cancel() override;
  void warm() override;

 private:
  Conn& conn_for(size_t origin);
  void send(size_t origin, const std::string* bytes);
  void connect();
  void handshake();
  void connected(const asio::error_code& ec, ErrorKind kind, const std::string& what);
  void write();
  void read();
  void on_read(const asio::error_code& ec, size_t n);
  void on_response();
  bool follow_redirect();
  bool retry();
  void fail(ErrorKind kind, const std::string& text);
  void arm_timer(int64_t at);
  void finish(ErrorKind kind, uint32_t error);
  bool aborted(const asio::error_code& ec);

  asio::io_context& io_;
  engine::SlotOwner& owner_;
  HttpDriver& d_;
  asio::steady_timer timer_;
  std::vector<std::unique_ptr<Conn>> conns_;  // by origin index
  Conn* conn_ = nullptr;
  const std::string* bytes_ = nullptr;
  std::string redirect_bytes_;
  Url current_;  // URL of the request in flight (redirects resolve against it)
  std::array<char, kReadBuffer> buf_{};
  http1::ResponseParser parser_;

  Hit hit_{};
  int64_t deadline_ = 0;  // steady ns by which the request in flight must complete
  bool timer_armed_ = false;
  size_t origin_ = 0;  // origin of the request in flight
  bool busy_ = false;
  bool connecting_ = false;  // a connect (or TLS handshake) is under way
  bool timed_out_ = false;
  bool cancelled_ = false;
  bool retried_ = false;
  bool opened_here_ = false;  // the connection in use was opened for the request in flight
  bool head_ = false;
  int redirects_left_ = 0;
  int64_t sent_ = 0;
  int64_t first_ = 0;
  uint64_t response_bytes_ = 0;
};

class HttpDriver final : public engine::Driver {
 public:
  HttpDriver(const std::vector<Target>& targets, const HttpOptions& o, const AttackOptions& load)
      : o_(o), load_(load), tls_(asio::ssl::context::tls_client) {
    setup_tls();
    for (const Target& t : targets) {
      auto url = parse_url(t.url);
      if (!url || (url->scheme != "http" && url->scheme != "https"))
        throw InputError("", 0, "url", "bad URL \"" + printable(t.url) + "\"");
      Prepared p;
      p.method = t.method;
      p.url = *url;
      p.headers = o.headers;
      p.headers.insert(p.headers.end(), t.headers.begin(), t.headers.end());
      p.body = t.body.empty() ? o.body : t.body;
      // Nothing reaches the wire that could end the request early or smuggle another one.
      std::string why = header_problem({t.method, ""});
      if (!why.empty()) why = "bad method \"" + printable(t.method) + "\"";
      for (size_t i = 0; why.empty() && i < p.headers.size(); ++i) why = header_problem(p.headers[i]);
      if (why.empty()) why = framing_problem(p.headers, p.body);
      if (!why.empty()) throw InputError("", 0, "target " + printable(t.label()), why);
      p.origin = static_cast<uint32_t>(origin_index(*url));
      p.body_size = p.body.size();
      p.head = t.method == "HEAD";
      p.label = intern(t.label());
      p.bytes = build_request(p.method, p.url, p.headers, p.body, o.keepalive);
      prepared_.push_back(std::move(p));
    }
  }

  std::unique_ptr<engine::Slot> make_slot(asio::io_context& io, engine::SlotOwner& owner) override {
    return std::make_unique<HttpSlot>(io, owner, *this);
  }
  uint32_t target_count() const override { return static_cast<uint32_t>(prepared_.size()); }
  uint32_t target_label(uint32_t i) const override { return prepared_[i].label; }
  Kind kind() const override { return Kind::kHttp; }
  std::string protocol() const override { return "http"; }

  const HttpOptions& opts() const { return o_; }
  const AttackOptions& load() const { return load_; }
  const Prepared& prepared(uint32_t i) const { return prepared_[i]; }
  // Origin number i: the targets' origins first, then redirect targets met during the attack.
  const Origin& origin(size_t i) const {
    if (i < origins_.size()) return *origins_[i];
    std::lock_guard lock(extra_mu_);
    return *extra_[i - origins_.size()];
  }
  // The number of the origin of `url`; a redirect target outside the targets file is resolved
  // once for the whole attack (the first slot to meet it waits for the lookup).
  size_t origin_of(const Url& url) {
    const std::string key = url.origin();
    for (size_t i = 0; i < origins_.size(); ++i)
      if (origins_[i]->url.origin() == key) return i;
    std::lock_guard lock(extra_mu_);
    for (size_t i = 0; i < extra_.size(); ++i)
      if (extra_[i]->url.origin() == key) return origins_.size() + i;
    extra_.push_back(std::make_unique<Origin>(resolve_origin(url)));
    return origins_.size() + extra_.size() - 1;
  }
  asio::ssl::context* tls() { return &tls_; }

 private:
  size_t origin_index(const Url& url) {
    const std::string key = url.origin();
    for (size_t i = 0; i < origins_.size(); ++i)
      if (origins_[i]->url.origin() == key) return i;
    origins_.push_back(std::make_unique<Origin>(resolve_origin(url)));
    return origins_.size() - 1;
  }

  void setup_tls() {
    if (o_.insecure) {
      tls_.set_verify_mode(asio::ssl::verify_none);
    } else {
      tls_.set_verify_mode(asio::ssl::verify_peer);
      if (o_.root_certs.empty()) tls_.set_default_verify_paths();
      for (const std::string& f : o_.root_certs) {
        asio::error_code ec;
        tls_.load_verify_file(f, ec);
        if (ec) throw InputError(f, 0, "-root-certs", "cannot load CA certificates: " + ec.message());
      }
    }
    if (!o_.cert.empty()) {
      asio::error_code ec;
      tls_.use_certificate_chain_file(o_.cert, ec);
      if (ec) throw InputError(o_.cert, 0, "-cert", "cannot load certificate: " + ec.message());
      tls_.use_private_key_file(o_.key.empty() ? o_.cert : o_.key, asio::ssl::context::pem, ec);
      if (ec) throw InputError(o_.key, 0, "-key", "cannot load private key: " + ec.message());
    }
  }

  HttpOptions o_;
  const AttackOptions& load_;
  asio::ssl::context tls_;
  std::vector<std::unique_ptr<Origin>> origins_;  // the targets', fixed before the attack
  mutable std::mutex extra_mu_;
  std::deque<std::unique_ptr<Origin>> extra_;  // redirect targets met during the attack
  std::vector<Prepared> prepared_;
};

HttpSlot::HttpSlot(asio::io_context& io, engine::SlotOwner& owner, HttpDriver& driver)
    : io_(io), owner_(owner), d_(driver), timer_(io) {}

Conn& HttpSlot::conn_for(size_t origin) {
  if (conns_.size() <= origin) conns_.resize(origin + 1);
  if (!conns_[origin]) {
    const Origin& o = d_.origin(origin);
    conns_[origin] = std::make_unique<Conn>(io_, d_.tls(), o);
  }
  return *conns_[origin];
}

void HttpSlot::start(const Hit& hit) {
  hit_ = hit;
  busy_ = true;
  timed_out_ = cancelled_ = retried_ = opened_here_ = false;
  sent_ = steady_now_ns();
  first_ = 0;
  parser_.reset(false);  // a request that fails before its response has no response figures
  const Prepared& p = d_.prepared(hit.target);
  head_ = p.head;
  current_ = p.url;
  redirects_left_ = d_.opts().redirects;
  if (d_.load().timeout.count() > 0) {
    deadline_ = sent_ + d_.load().timeout.count();
    if (!timer_armed_) arm_timer(deadline_);
  }
  if (connecting_) {  // a warm-up connect is under way: connected() sends this hit
    origin_ = p.origin;
    bytes_ = &p.bytes;
    return;
  }
  send(p.origin, &p.bytes);
}

void HttpSlot::warm() {
  if (busy_ || connecting_ || d_.target_count() == 0) return;
  origin_ = d_.prepared(0).origin;
  conn_ = &conn_for(origin_);
  if (conn_->open || !conn_->origin().resolve_error.empty()) return;
  connect();
}

// The timeout timer is armed lazily and never cancelled: when it fires it compares the clock
// with the deadline of the request in flight, if any, and re-arms. A request therefore costs no
// timer operation unless it actually runs out of time.
void HttpSlot::arm_timer(int64_t at) {
  timer_armed_ = true;
  timer_.expires_at(std::chrono::steady_clock::time_point(Nanos(at)));
  timer_.async_wait([this](const asio::error_code& ec) {
    timer_armed_ = false;
    if (ec || !busy_) return;
    if (steady_now_ns() < deadline_) {
      arm_timer(deadline_);
      return;
    }
    timed_out_ = true;
    if (conn_) conn_->close();
  });
}

void HttpSlot::cancel() {
  if (!busy_) return;
  cancelled_ = true;
  if (conn_) conn_->close();
}

bool HttpSlot::aborted(const asio::error_code& ec) {
  if (timed_out_) {
    fail(ErrorKind::kTimeout, "timeout: no response within " + format_duration(d_.load().timeout));
    return true;
  }
  if (cancelled_) {
    fail(ErrorKind::kCancelled, "cancelled: the attack was interrupted");
    return true;
  }
  (void)ec;
  return false;
}

void HttpSlot::send(size_t origin, const std::string* bytes) {
  origin_ = origin;
  conn_ = &conn_for(origin);
  bytes_ = bytes;
  response_bytes_ = 0;
  if (!conn_->origin().resolve_error.empty()) {
    // Never complete inside start(): the owner may start the next hit from done(), and a
    // synchronous failure would recurse until the stack ends.
    asio::post(io_, [this] { fail(ErrorKind::kConnect, conn_->origin().resolve_error); });
    return;
  }
  if (conn_->open)
    write();
  else
    connect();
}

void HttpSlot::connect() {
  conn_->reset();
  opened_here_ = busy_;
  connecting_ = true;
  owner_.connecting(+1);
  asio::async_connect(conn_->socket(), conn_->origin().endpoints,
                      [this](const asio::error_code& ec, const tcp::endpoint&) {
                        if (ec) {
                          connected(ec, ErrorKind::kConnect,
                                    "connect " + conn_->origin().url.host + ":" +
                                        std::to_string(conn_->origin().url.port) + ": " + ec.message());
                          return;
                        }
                        asio::error_code ignored;
                        conn_->socket().set_option(tcp::no_delay(true), ignored);
                        if (conn_->tls())
                          handshake();
                        else
                          connected(ec, ErrorKind::kNone, "");
                      });
}

void HttpSlot::handshake() {
  auto& s = conn_->tls_stream();
  const std::string& host = conn_->origin().url.host;
  SSL_set_tlsext_host_name(s.native_handle(), host.c_str());
  if (!d_.opts().insecure) SSL_set1_host(s.native_handle(), host.c_str());
  s.async_handshake(asio::ssl::stream_base::client, [this](const asio::error_code& ec) {
    connected(ec, ErrorKind::kTls, ec ? "tls handshake with " + conn_->origin().url.host + ": " + ec.message() : "");
  });
}

// The end of connect(): a hit in flight (if any) goes on; a warm-up just leaves it open.
void HttpSlot::connected(const asio::error_code& ec, ErrorKind kind, const std::string& what) {
  connecting_ = false;
  if (ec)
    conn_->close();
  else
    conn_->open = true;
  owner_.connecting(-1);
  if (!busy_) return;
  if (aborted(ec)) return;
  if (ec) {
    fail(kind, what);
    return;
  }
  send(origin_, bytes_);
}

void HttpSlot::write() {
  parser_.reset(head_, d_.opts().max_body);
  conn_->write(asio::buffer(*bytes_), [this](const asio::error_code& ec, size_t) {
    if (aborted(ec)) return;
    if (ec) {
      if (!retry()) fail(ErrorKind::kIo, "write: " + ec.message());
      return;
    }
    read();
  });
}

void HttpSlot::read() {
  conn_->read_some(asio::buffer(buf_), [this](const asio::error_code& ec, size_t n) { on_read(ec, n); });
}

void HttpSlot::on_read(const asio::error_code& ec, size_t n) {
  if (aborted(ec)) return;
  if (n > 0 && first_ == 0) first_ = steady_now_ns() - sent_;
  response_bytes_ += n;
  if (n > 0) {
    size_t used = 0;
    const auto state = parser_.feed(buf_.data(), n, used);
    if (state == http1::ResponseParser::State::kComplete) {
      on_response();
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
      on_response();
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

// Retries once on a new connection when one that was already open (reused, or opened ahead by
// warm()) turns out closed by the server before any response byte.
bool HttpSlot::retry() {
  if (retried_ || opened_here_ || response_bytes_ > 0) return false;
  retried_ = true;
  conn_->close();
  connect();
  return true;
}

void HttpSlot::on_response() {
  ++conn_->served;
  if (!parser_.keep_alive() || !d_.opts().keepalive) conn_->close();
  const int code = parser_.status();
  if (code >= 300 && code < 400 && code != 304 && d_.opts().redirects >= 0 && !parser_.location().empty()) {
    if (redirects_left_ == 0) {
      finish(ErrorKind::kProtocol, intern("stopped after " + std::to_string(d_.opts().redirects) + " redirects"));
      return;
    }
    if (follow_redirect()) return;
  }
  const bool failed_status = code < 200 || code >= 400;
  finish(failed_status ? ErrorKind::kStatus : ErrorKind::kNone, failed_status ? status_error(code, parser_.reason()) : 0);
}

bool HttpSlot::follow_redirect() {
  const Prepared& p = d_.prepared(hit_.target);
  auto next = resolve_url(current_, parser_.location());
  if (!next || (next->scheme != "http" && next->scheme != "https")) return false;
  --redirects_left_;
  const int code = parser_.status();
  const bool keep_method = code == 307 || code == 308;
  const std::string method = keep_method ? p.method : (p.method == "HEAD" ? "HEAD" : "GET");
  std::vector<Header> headers;
  for (auto& h : p.headers)
    if (!iequals(h.first, "Host") && !iequals(h.first, "Content-Length") &&
        (keep_method || !iequals(h.first, "Content-Type")))
      headers.push_back(h);
  redirect_bytes_ = build_request(method, *next, headers, keep_method ? p.body : "", d_.opts().keepalive);
  current_ = *next;
  head_ = method == "HEAD";
  const size_t index = d_.origin_of(*next);
  retried_ = false;
  send(index, &redirect_bytes_);
  return true;
}

void HttpSlot::fail(ErrorKind kind, const std::string& text) { finish(kind, intern(text)); }

void HttpSlot::finish(ErrorKind kind, uint32_t error) {
  const int64_t end = steady_now_ns();
  busy_ = false;
  if (kind != ErrorKind::kNone && kind != ErrorKind::kStatus && conn_) conn_->close();
  Result r = engine::make_result(hit_, sent_, end, Kind::kHttp);
  r.first_ns = first_;
  r.bytes_in = parser_.body_bytes();
  r.bytes_out = d_.prepared(hit_.target).body_size;
  r.target = d_.prepared(hit_.target).label;
  r.status = kind == ErrorKind::kNone || kind == ErrorKind::kStatus ? static_cast<uint16_t>(parser_.status()) : 0;
  r.error_kind = kind;
  r.error = error;
  owner_.done(*this, r);
}

}  // namespace

AttackRun attack_http(const std::vector<Target>& targets, const HttpOptions& http, const AttackOptions& load) {
  if (targets.empty()) throw InputError("", 0, "targets", "no targets to attack");
  if (http.redirects < -1) throw InputError("", 0, "-redirects", "must be -1 or more");
  HttpDriver driver(targets, http, load);
  return engine::run_attack(driver, load);
}

}  // namespace loadgate
