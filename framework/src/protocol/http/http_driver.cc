// http_driver.cc: HTTP slots over Asio: HTTP/1.1 (plain, TLS or a Unix socket, responses
// parsed by http-parser) or HTTP/2 streams (h2 by ALPN, or h2c with prior knowledge; see
// h2_session.h), decided once per origin before the attack.
//
// An HTTP/1.1 slot carries one request at a time and keeps one keep-alive connection per
// origin. The request bytes of every target are built once, before the attack; the hot path
// only writes them, reads into a fixed buffer and feeds http-parser, which counts the body
// without keeping it. A request that finds its reused connection closed by the server before
// any response byte is retried once on a new connection, as Go's client does for idempotent
// reuse. An HTTP/2 slot is one stream at a time on its thread's shared connections.
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
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <map>
#include <optional>
#include <random>

#include "engine/attacker.h"
#include "loadgate/error.h"
#include "loadgate/http.h"
#include "loadgate/interner.h"
#include "loadgate/targets.h"
#include "loadgate/template.h"
#include "loadgate/url.h"
#include "protocol/http/connection.h"
#include "protocol/http/h2_session.h"
#include "protocol/http/http_driver.h"
#include "protocol/http/request.h"
#include "protocol/http/response_parser.h"

namespace loadgate {
namespace {

using engine::Hit;

constexpr size_t kReadBuffer = 16 * 1024;


// One target, ready to write: HTTP/1.1 bytes, or an HTTP/2 request, as its origin speaks.
struct Prepared {
  uint32_t origin = 0;
  std::string bytes;  // HTTP/1.1: the whole request
  http::H2Request h2;  // HTTP/2
  uint64_t body_size = 0;
  uint32_t label = 0;  // interned "METHOD URL"
  bool head = false;
  std::string method;  // for redirects
  std::string body;    // for 307/308 redirects, and HTTP/2's DATA
  std::vector<Header> headers;
  Url url;
  std::shared_ptr<const http::RequestTemplate> tpl;  // set when the target holds placeholders
};

// The request as HTTP/1.1 bytes; with `chunked`, a body goes as one chunk and the last chunk.
// Interns "<code> <reason>" once per status code per thread.
uint32_t status_error(int code, std::string_view reason) {
  thread_local std::array<uint32_t, 600> cache{};
  if (code >= 0 && code < 600 && cache[static_cast<size_t>(code)]) return cache[static_cast<size_t>(code)];
  const uint32_t id = intern(std::to_string(code) + " " + std::string(reason));
  if (code >= 0 && code < 600) cache[static_cast<size_t>(code)] = id;
  return id;
}

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

// Targets made while the attack runs (HttpOptions::targeter), read ahead and prepared (URL
// parsed, request bytes built) by a thread of their own into a bounded store, so that neither a
// slow source nor the preparing holds up the I/O threads: a burst of 100 hits due at one instant
// costs them the sends alone. Target n is hit n's, whichever thread takes the hit and in whatever
// order the threads ask: a replay's request n goes at its own due time. A shard keeps only its
// hits' targets (n mod shards == shard).
class LazyTargets {
 public:
  static constexpr size_t kAhead = 4096;
  // A prepared target, or why it could not be.
  struct Made {
    std::unique_ptr<Prepared> prepared;
    std::optional<InputError> error;
  };
  using Prepare = std::function<std::unique_ptr<Prepared>(const Target&)>;
  LazyTargets(std::function<bool(uint64_t, Target&)> make, Prepare prepare, int shard, int shards)
      : make_(std::move(make)), prepare_(std::move(prepare)), shard_(static_cast<uint64_t>(shard)),
        shards_(static_cast<uint64_t>(std::max(1, shards))) {
    thread_ = std::thread([this] { run(); });
  }
  ~LazyTargets() {
    {
      std::lock_guard lock(mu_);
      closing_ = true;
    }
    made_cv_.notify_all();
    space_cv_.notify_all();
    thread_.join();
  }
  // The target of hit `seq`; false when the source ended before it. Waits (the hit is then
  // late) for a source slower than the rate.
  bool pop(uint64_t seq, Made& t) {
    std::unique_lock lock(mu_);
    if (seq + 1 > wanted_) {
      wanted_ = seq + 1;
      if (made_ <= seq) space_cv_.notify_one();  // the reader may be resting on a full store
    }
    made_cv_.wait(lock, [&] { return made_ > seq || over_; });
    auto it = store_.find(seq);
    if (it == store_.end()) return false;
    t = std::move(it->second);
    store_.erase(it);
    // The reader rests until half the store is taken, then refills it in one go: waking it for
    // every target cost a context switch per hit when it shares the I/O thread's core.
    if (store_.size() == kAhead / 2) space_cv_.notify_one();
    return true;
  }
  // The origin of this shard's first target, once the reader prepared it; nullopt when the
  // source has none, it is bad, or it is not there within a second (a pipe that has not spoken
  // yet). Waits for the reader: before the start, where the streamed attack opens its
  // connections ahead.
  std::optional<uint32_t> first_origin() {
    std::unique_lock lock(mu_);
    if (!made_cv_.wait_for(lock, std::chrono::seconds(1), [&] { return made_ > shard_ || over_; })) return std::nullopt;
    auto it = store_.find(shard_);
    if (it == store_.end() || !it->second.prepared) return std::nullopt;
    return it->second.prepared->origin;
  }
  // What the source threw, if it did.
  std::optional<InputError> error() const {
    std::lock_guard lock(mu_);
    return error_;
  }

 private:
  void run() {
    for (uint64_t n = 0;; ++n) {
      Target t;
      bool more = false;
      std::optional<InputError> failed;
      try {
        more = make_(n, t);
      } catch (const InputError& e) {
        failed = e;
      }
      std::unique_lock lock(mu_);
      if (failed) error_ = failed;
      if (!more || closing_) {
        over_ = true;
        made_cv_.notify_all();
        return;
      }
      if (n % shards_ == shard_) {
        // Ahead of the hits by at most kAhead (then resting until half are taken), unless a hit
        // already waits for this one.
        if (store_.size() >= kAhead)
          space_cv_.wait(lock, [&] { return store_.size() <= kAhead / 2 || n < wanted_ || closing_; });
        lock.unlock();
        Made m;
        try {
          m.prepared = prepare_(t);
        } catch (const InputError& e) {
          m.error = e;
        }
        lock.lock();
        store_.emplace(n, std::move(m));
      }
      made_ = n + 1;
      made_cv_.notify_all();
    }
  }
  std::function<bool(uint64_t, Target&)> make_;
  Prepare prepare_;
  const uint64_t shard_, shards_;
  mutable std::mutex mu_;
  std::condition_variable made_cv_;   // a target was made (hits wait on it)
  std::condition_variable space_cv_;  // the store has room, or a hit waits (the reader waits on it)
  std::unordered_map<uint64_t, Made> store_;
  uint64_t made_ = 0;    // targets 0 .. made_ - 1 are made
  uint64_t wanted_ = 0;  // a hit waits for a target below this
  bool over_ = false, closing_ = false;
  std::optional<InputError> error_;
  std::thread thread_;
};

// Bytes prepared from `t` for origin number `origin` speaking `protocol`; throws InputError when
// `t` cannot go on the wire.
Prepared prepare_target(const Target& t, const HttpOptions& o, uint32_t origin, const http::Origin& to, uint32_t label);

class HttpDriver;

// One request at a time, over HTTP/1.1 connections of its own (one per origin) or as a stream
// of its thread's HTTP/2 sessions (H2Pool), as the request's origin speaks.
class HttpSlot final : public http::StepSlot, public http::H2Stream {
 public:
  HttpSlot(asio::io_context& io, engine::SlotOwner& owner, HttpDriver& driver, std::shared_ptr<http::H2Pool> h2);
  void start(const Hit& hit) override;
  void cancel() override;
  void warm() override;
  void read_at_tick() override;
  std::string_view kept_body() const override { return in_h2_done_ ? std::string_view(h2_body_) : std::string_view(parser_.body()); }
  std::string_view kept_headers() const override {
    return in_h2_done_ ? std::string_view(h2_headers_) : std::string_view(parser_.headers());
  }

  // http::H2Stream
  void h2_headers() override;
  void h2_header(const std::string& name, const std::string& value) override;
  void h2_data(const uint8_t* data, size_t n) override;
  void h2_closed(ErrorKind kind, const std::string& error) override;
  void h2_unsent() override;

 private:
  http::Conn& conn_for(size_t origin);
  void send(size_t origin);
  void connect();
  void connected(ErrorKind kind, const std::string& what);
  void write();
  void read();
  // `at`: steady ns the kernel received the bytes (read_stamped), or 0: now.
  void on_read(const asio::error_code& ec, size_t n, int64_t at);
  void on_response(int code, std::string_view reason, const std::string& location);
  bool follow_redirect(int code, const std::string& location);
  bool retry();
  void fail(ErrorKind kind, const std::string& text);
  void arm_timer(int64_t at);
  void finish(ErrorKind kind, uint32_t error);
  bool aborted();
  bool h2_origin(size_t origin) const;
  // Body bytes to keep for the results (-max-body=N > 0 keeps N), else 0.
  size_t keep() const;

  asio::io_context& io_;
  engine::SlotOwner& owner_;
  HttpDriver& d_;
  std::shared_ptr<http::H2Pool> h2_;  // this thread's HTTP/2 sessions (shared by its slots)
  asio::steady_timer timer_;
  std::vector<std::unique_ptr<http::Conn>> conns_;  // HTTP/1.1, by origin index
  http::Conn* conn_ = nullptr;
  const std::string* bytes_ = nullptr;  // HTTP/1.1 request in flight
  const http::H2Request* h2req_ = nullptr;  // HTTP/2 request in flight
  const std::string* h2body_ = nullptr;     // and its body
  std::string redirect_bytes_;
  http::H2Request redirect_h2_;
  std::vector<Header> redirect_headers_;
  std::string redirect_body_;
  Url current_;  // URL of the request in flight (redirects resolve against it)
  std::array<char, kReadBuffer> buf_;  // not zeroed: a page is resident only once a read reaches it
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
  bool in_h2_ = false;  // the request in flight is an HTTP/2 stream
  int redirects_left_ = 0;
  int64_t sent_ = 0;
  int64_t first_ = 0;
  int64_t received_ = 0;  // steady ns the kernel received the last bytes read (0: unknown, now)
  uint64_t response_bytes_ = 0;
  // The response, whichever protocol carried it.
  int status_ = 0;
  uint64_t body_bytes_ = 0;
  std::string location_;
  std::string h2_body_;        // HTTP/2: the kept start of the body
  std::string h2_headers_;     // HTTP/2: the kept header lines (HttpOptions::keep_headers)
  bool h2_headers_full_ = false;
  bool in_h2_done_ = false;    // the request just done went over HTTP/2
  // Targets with placeholders: the request as filled for the hit in flight, in buffers reused
  // from hit to hit, and what filled it.
  std::string filled_bytes_, filled_body_;
  http::H2Request filled_h2_;
  std::mt19937_64 rng_;
  FillContext ctx_;
  const std::vector<std::string>* variables_ = nullptr;
  uint64_t body_out_ = 0;
  std::vector<std::string> h2_captured_;  // HTTP/2: captured response headers

 public:
  void set_variables(const std::vector<std::string>* v) override { variables_ = v; }
  const std::vector<std::string>& captured() const override { return in_h2_done_ ? h2_captured_ : parser_.captured(); }
};

class HttpDriver final : public http::HttpEngineDriver {
 public:
  HttpDriver(const std::vector<Target>& targets, const HttpOptions& o, const AttackOptions& load,
             std::vector<http::StepSettings> steps = {})
      : o_(o), load_(load), tls_(asio::ssl::context::tls_client), steps_(std::move(steps)) {
    if (o.h2c && o.h2c_upgrade)
      throw InputError("", 0, "-h2c-upgrade", "-h2c already sends HTTP/2 with prior knowledge: use one of the two");
    setup_tls();
    transport_.tls = &tls_;
    transport_.insecure = o.insecure;
    transport_.unix_socket = o.unix_socket;
    transport_.proxy_headers = o.proxy_headers;
    if (!o.laddr.empty() && o.laddr != "0.0.0.0") {
      asio::error_code ec;
      transport_.local = asio::ip::make_address(o.laddr, ec);
      if (ec) throw InputError("", 0, "-laddr", "\"" + printable(o.laddr) + "\" is not an IP address");
    }
    for (const std::string& r : o.resolvers) {
      std::string host;
      const auto colon = r.rfind(':');
      asio::error_code ec;
      asio::ip::make_address(r.substr(0, colon == std::string::npos ? r.size() : colon), ec);
      if (ec && !(r.size() > 2 && r[0] == '['))
        throw InputError("", 0, "-resolvers", "\"" + printable(r) + "\" is not ip:port (e.g. 127.0.0.1:53)");
    }
    // Every origin first (resolved and probed), then the bytes its protocol needs.
    std::vector<uint32_t> origin_of_target;
    for (const Target& t : targets) {
      auto url = parse_url(Template::shape(t.url));
      if (!url || (url->scheme != "http" && url->scheme != "https"))
        throw InputError("", 0, "url", "bad URL \"" + printable(t.url) + "\"");
      origin_of_target.push_back(static_cast<uint32_t>(origin_index(*url)));
    }
    for (size_t i = 0; i < targets.size(); ++i) {
      const uint32_t origin = origin_of_target[i];
      const bool step = i < steps_.size();
      prepared_.push_back(prepare_target(targets[i], o, origin, *origins_[origin],
                                         intern(step && !steps_[i].label.empty() ? steps_[i].label : targets[i].label())));
    }
    const int threads = thread_count(load);
    if (o.connections > 0) h2_conns_ = static_cast<size_t>(std::max(1, (o.connections + threads - 1) / threads));
    if (o.targeter) {
      lazy_ = std::make_unique<LazyTargets>(
          o.targeter, [this](const Target& t) { return prepare_streamed(t); }, load.shard, load.shards);
      arena_.resize(static_cast<size_t>(threads) *
                    (kPendingCapacity + static_cast<size_t>(std::max(load.max_workers, load.workers)) + 16));
      for (size_t i = arena_.size(); i > 0; --i) free_.push_back(static_cast<uint32_t>(i - 1));
    }
  }

  // The reader thread prepares with the members below: it stops before they go.
  ~HttpDriver() override { lazy_.reset(); }

  // Streamed targets: hit `seq`'s, prepared into a free arena entry. The stream's end ends the
  // hits after it; a bad target ends them all.
  std::optional<uint32_t> target_for(uint64_t seq) override {
    if (o_.feeder && o_.feeder->mode == FeedMode::kSequential && seq >= o_.feeder->size()) return std::nullopt;
    if (!lazy_) return engine::Driver::target_for(seq);
    LazyTargets::Made made;
    if (stream_over_.load(std::memory_order_relaxed) || !lazy_->pop(seq, made)) return std::nullopt;
    std::lock_guard lock(arena_mu_);
    if (made.error || free_.empty()) {  // free_ is never empty: the arena holds every hit in flight or waiting
      if (made.error && !bad_target_) bad_target_ = made.error;
      stream_over_ = true;
      return std::nullopt;
    }
    const uint32_t index = free_.back();
    free_.pop_back();
    arena_[index] = std::move(made.prepared);
    return index;
  }
  // A streamed target ready to send (on the reader's thread). Throws InputError.
  std::unique_ptr<Prepared> prepare_streamed(const Target& t) {
    auto url = parse_url(Template::shape(t.url));
    if (!url || (url->scheme != "http" && url->scheme != "https"))
      throw InputError("", 0, "url", "bad URL \"" + printable(t.url) + "\"");
    const size_t origin = origin_of(*url);
    return std::make_unique<Prepared>(
        prepare_target(t, o_, static_cast<uint32_t>(origin), this->origin(origin), lazy_label(t, *url)));
  }
  void release(uint32_t index) override {
    if (!lazy_) return;
    std::lock_guard lock(arena_mu_);
    free_.push_back(index);
  }
  // The error that ended a streamed list early, if one did.
  std::optional<InputError> stream_error() const override {
    if (!lazy_) return std::nullopt;
    if (auto e = lazy_->error()) return e;
    std::lock_guard lock(arena_mu_);
    return bad_target_;
  }

  std::unique_ptr<engine::Slot> make_slot(asio::io_context& io, engine::SlotOwner& owner) override {
    std::shared_ptr<http::H2Pool> pool;
    {
      std::lock_guard lock(pools_mu_);
      auto& weak = pools_[&io];
      pool = weak.lock();
      if (!pool) {
        pool = std::make_shared<http::H2Pool>(io, transport_, h2_conns_);
        weak = pool;
      }
    }
    return std::make_unique<HttpSlot>(io, owner, *this, std::move(pool));
  }
  uint32_t target_count() const override { return static_cast<uint32_t>(prepared_.size()); }
  // Where connections are opened ahead of the start: the first target's origin (for streamed
  // targets, once the reader prepared it: a replay's first burst then finds them open, where it
  // opened 100 connections itself and went out in 4.6 ms instead of 1.7). nullopt: nowhere.
  std::optional<uint32_t> warm_origin() {
    if (!lazy_) return prepared_.empty() ? std::nullopt : std::optional<uint32_t>(prepared_[0].origin);
    // Asked once for every slot of every thread: a source that is slow to start costs one wait.
    std::call_once(warm_once_, [this] { warm_origin_ = lazy_->first_origin(); });
    return warm_origin_;
  }
  uint32_t target_label(uint32_t i) const override { return prepared(i).label; }
  Kind kind() const override { return Kind::kHttp; }
  std::string protocol() const override { return "http"; }
  bool stamps_reads() const override {
    if (!steps_.empty()) return false;
    for (const auto& o : origins_)
      if (!http::stampable(*o, transport_)) return false;
    return true;
  }
  bool multiplexed() const override {
    if (lazy_) return false;
    for (const auto& o : origins_)
      if (o->protocol != http::Protocol::kHttp2) return false;
    return true;
  }
  std::map<std::string, std::string> target_protocols() const override {
    std::map<std::string, std::string> out;
    for (const Prepared& p : prepared_) out[interned(p.label)] = http::protocol_name(origins_[p.origin]->protocol);
    return out;
  }

  const HttpOptions& opts() const { return o_; }
  const AttackOptions& load() const { return load_; }
  const Prepared& prepared(uint32_t i) const { return lazy_ ? *arena_[i] : prepared_[i]; }
  const http::Transport& transport() const { return transport_; }
  // Journey steps' settings of target `i`, or nullptr.
  const http::StepSettings* step(uint32_t i) const { return i < steps_.size() ? &steps_[i] : nullptr; }
  // Origin number i: the targets' origins first, then redirect targets met during the attack.
  const http::Origin& origin(size_t i) const {
    if (i < origins_.size()) return *origins_[i];
    std::lock_guard lock(extra_mu_);
    return *extra_[i - origins_.size()];
  }
  // The number of the origin of `url`; a redirect target outside the targets file is resolved
  // (and probed) once for the whole attack (the first slot to meet it waits for the lookup).
  size_t origin_of(const Url& url) {
    const std::string key = url.origin();
    for (size_t i = 0; i < origins_.size(); ++i)
      if (origins_[i]->url.origin() == key) return i;
    std::lock_guard lock(extra_mu_);
    for (size_t i = 0; i < extra_.size(); ++i)
      if (extra_[i]->url.origin() == key) return origins_.size() + i;
    extra_.push_back(std::make_unique<http::Origin>(open_origin(url)));
    return origins_.size() + extra_.size() - 1;
  }

 private:
  size_t origin_index(const Url& url) {
    const std::string key = url.origin();
    for (size_t i = 0; i < origins_.size(); ++i)
      if (origins_[i]->url.origin() == key) return i;
    origins_.push_back(std::make_unique<http::Origin>(open_origin(url)));
    return origins_.size() - 1;
  }

  // Resolves `url`'s origin and settles its protocol: h2 by ALPN for https (unless -http2=false),
  // h2 with prior knowledge for http with -h2c, h2 after an Upgrade with -h2c-upgrade when the
  // server switches (HTTP/1.1 when it does not, as ALPN falls back), else HTTP/1.1.
  // With a proxy ($HTTPS_PROXY, $HTTP_PROXY), the proxy's address; h2c does not cross one.
  http::Origin open_origin(const Url& url) {
    std::string proxy_error;
    const std::optional<Url> proxy = o_.unix_socket.empty() ? http::proxy_for(url, proxy_error) : std::nullopt;
    Url dial = url;
    if (auto m = o_.connect_to.find(url.host + ":" + std::to_string(url.port)); m != o_.connect_to.end() && !proxy) {
      if (auto to = parse_url("http://" + m->second)) {
        dial.host = to->host;
        dial.port = to->port;
      }
    }
    http::Origin o = http::resolve_origin(dial, o_.resolvers, proxy);
    o.url = url;  // -connect-to dials elsewhere; the URL, Host and SNI stay
    if (!proxy_error.empty()) o.resolve_error = proxy_error;
    if (url.tls() && o_.http2 && o_.unix_socket.empty())
      o.protocol = http::probe_alpn(o, transport_);
    else if (!url.tls() && o_.h2c && !proxy)
      o.protocol = http::Protocol::kHttp2;
    else if (!url.tls() && o_.h2c_upgrade && !proxy && http::upgrades_to_h2c(o, transport_)) {
      o.protocol = http::Protocol::kHttp2;
      o.h2c_upgrade = true;
    }
    return o;
  }

  void setup_tls() {
    http::offer_alpn(tls_, o_.http2);
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
  http::Transport transport_;
  std::vector<std::unique_ptr<http::Origin>> origins_;  // the targets', fixed before the attack
  mutable std::mutex extra_mu_;
  std::deque<std::unique_ptr<http::Origin>> extra_;  // redirect targets met during the attack
  std::vector<Prepared> prepared_;
  size_t h2_conns_ = 0;  // HTTP/2 connections per origin per thread (0 = as streams need)
  std::mutex pools_mu_;
  std::map<asio::io_context*, std::weak_ptr<http::H2Pool>> pools_;  // by thread
  // Streamed targets (-lazy): the source, an arena of the prepared ones in flight or waiting
  // (indices are Hit::target), their free entries, and the labels met so far.
  static constexpr size_t kMaxLabels = 1024;
  uint32_t lazy_label(const Target& t, const Url& url) {
    std::lock_guard lock(arena_mu_);
    const std::string label = t.label();
    auto it = labels_.find(label);
    if (it != labels_.end()) return it->second;
    if (labels_.size() < kMaxLabels) return labels_[label] = intern(label);
    return intern(t.method + " " + url.origin() + " (other URLs)");
  }
  std::unique_ptr<LazyTargets> lazy_;
  std::once_flag warm_once_;              // warm_origin() of streamed targets, asked once
  std::optional<uint32_t> warm_origin_;
  mutable std::mutex arena_mu_;
  std::vector<std::unique_ptr<Prepared>> arena_;
  std::vector<uint32_t> free_;
  std::unordered_map<std::string, uint32_t> labels_;
  std::optional<InputError> bad_target_;
  std::atomic<bool> stream_over_{false};
  std::vector<http::StepSettings> steps_;
};

Prepared prepare_target(const Target& t, const HttpOptions& o, uint32_t origin, const http::Origin& to, uint32_t label) {
  auto url = parse_url(Template::shape(t.url));
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
  p.origin = origin;
  p.body_size = p.body.size();
  p.head = t.method == "HEAD";
  p.label = label;
  bool holes = Template::has_holes(t.url) || Template::has_holes(p.body);
  for (const Header& h : p.headers) holes = holes || Template::has_holes(h.second);
  if (holes) {
    TemplateNames names;
    if (o.feeder) names.columns = o.feeder->columns();
    names.variables = o.variables;
    p.tpl = std::make_shared<http::RequestTemplate>(p.method, t.url, p.headers, p.body, o.keepalive, o.chunked,
                                                    to.proxy && !to.url.tls(), names, "target " + printable(t.label()));
    if (o.feeder)
      for (uint32_t c : p.tpl->guarded_columns()) o.feeder->refuse_breaks(c, "target " + printable(t.label()));
    return p;
  }
  if (to.protocol == http::Protocol::kHttp2)
    p.h2 = http::H2Request::make(p.method, p.url, p.headers);
  else
    p.bytes = http::build_request(p.method, p.url, p.headers, p.body, o.keepalive, o.chunked, to.proxy && !to.url.tls());
  return p;
}

HttpSlot::HttpSlot(asio::io_context& io, engine::SlotOwner& owner, HttpDriver& driver, std::shared_ptr<http::H2Pool> h2)
    : io_(io), owner_(owner), d_(driver), h2_(std::move(h2)), timer_(io),
      rng_(std::random_device{}() ^ reinterpret_cast<uintptr_t>(this)) {}

size_t HttpSlot::keep() const {
  if (const http::StepSettings* s = d_.step(hit_.target); s && s->keep_body > 0) return s->keep_body;
  return d_.opts().max_body > 0 ? static_cast<size_t>(d_.opts().max_body) : 0;
}

bool HttpSlot::h2_origin(size_t origin) const { return d_.origin(origin).protocol == http::Protocol::kHttp2; }

http::Conn& HttpSlot::conn_for(size_t origin) {
  if (conns_.size() <= origin) conns_.resize(origin + 1);
  if (!conns_[origin]) conns_[origin] = std::make_unique<http::Conn>(io_, d_.transport(), d_.origin(origin));
  return *conns_[origin];
}

void HttpSlot::start(const Hit& hit) {
  hit_ = hit;
  busy_ = true;
  timed_out_ = cancelled_ = retried_ = opened_here_ = false;
  sent_ = steady_now_ns();
  first_ = 0;
  received_ = 0;
  status_ = 0;
  body_bytes_ = 0;
  location_.clear();
  h2_body_.clear();
  h2_headers_.clear();
  h2_headers_full_ = false;
  if (const http::StepSettings* st = d_.step(hit.target)) h2_captured_.assign(st->capture.size(), std::string());
  parser_.reset(false);  // a request that fails before its response has no response figures
  const Prepared& p = d_.prepared(hit.target);
  head_ = p.head;
  current_ = p.url;
  redirects_left_ = d_.opts().redirects;
  bytes_ = &p.bytes;
  h2req_ = &p.h2;
  h2body_ = &p.body;
  body_out_ = p.body_size;
  if (p.tpl) {
    ctx_.seq = hit.seq;
    ctx_.shard = d_.opts().shard;
    ctx_.rng = &rng_;
    ctx_.row = d_.opts().feeder ? d_.opts().feeder->row(hit.seq, rng_) : nullptr;
    ctx_.variables = variables_;
    bool filled = true;
    if (h2_origin(p.origin)) {
      filled = p.tpl->fill_http2(ctx_, filled_h2_, filled_body_);
      h2req_ = &filled_h2_;
      h2body_ = &filled_body_;
      body_out_ = filled_body_.size();
    } else {
      const std::optional<size_t> size = p.tpl->fill_http1(ctx_, filled_bytes_, filled_body_);
      filled = size.has_value();
      body_out_ = size.value_or(0);
      bytes_ = &filled_bytes_;
    }
    if (!filled) {  // a value that would end a header early or smuggle a request: never sent
      body_out_ = 0;
      fail(ErrorKind::kOther, "template: " + p.tpl->refusal(ctx_));
      return;
    }
  }
  if (d_.load().timeout.count() > 0) {
    deadline_ = sent_ + d_.load().timeout.count();
    if (!timer_armed_) arm_timer(deadline_);
  }
  if (connecting_) {  // a warm-up connect is under way: connected() sends this hit
    origin_ = p.origin;
    return;
  }
  send(p.origin);
}

void HttpSlot::warm() {
  if (busy_ || connecting_) return;
  const std::optional<uint32_t> first = d_.warm_origin();
  if (!first) return;
  const size_t origin = *first;
  if (!d_.origin(origin).resolve_error.empty()) return;
  if (h2_origin(origin)) {
    // One connection carries every stream: the first slot opens it, the others have nothing to do.
    if (h2_->warm(origin, d_.origin(origin), [this] { owner_.connecting(-1); })) owner_.connecting(+1);
    return;
  }
  origin_ = origin;
  conn_ = &conn_for(origin_);
  if (conn_->open) return;
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
    if (in_h2_) {  // the stream is reset; the session goes on carrying the others
      h2_->cancel(*this);
      aborted();
    } else if (conn_) {
      conn_->close();
    }
  });
}

void HttpSlot::cancel() {
  if (!busy_) return;
  cancelled_ = true;
  if (in_h2_) {
    h2_->cancel(*this);
    aborted();
  } else if (conn_) {
    conn_->close();
  }
}

bool HttpSlot::aborted() {
  if (timed_out_) {
    fail(ErrorKind::kTimeout, "timeout: no response within " + format_duration(d_.load().timeout));
    return true;
  }
  if (cancelled_) {
    fail(ErrorKind::kCancelled, "cancelled: the attack was interrupted");
    return true;
  }
  return false;
}

void HttpSlot::send(size_t origin) {
  origin_ = origin;
  response_bytes_ = 0;
  const http::Origin& o = d_.origin(origin);
  if (owner_.reads_at_ticks() && !http::stampable(o, d_.transport())) owner_.cannot_stamp();
  if (!o.resolve_error.empty()) {
    // Never complete inside start(): the owner may start the next hit from done(), and a
    // synchronous failure would recurse until the stack ends.
    asio::post(io_, [this] { fail(ErrorKind::kConnect, d_.origin(origin_).resolve_error); });
    return;
  }
  if (o.protocol == http::Protocol::kHttp2) {
    in_h2_ = true;
    request = h2req_;
    body = h2body_;
    h2_->submit(origin, o, *this, [this](int delta) { owner_.connecting(delta); });
    return;
  }
  in_h2_ = false;
  conn_ = &conn_for(origin);
  if (conn_->open)
    write();
  else
    connect();
}

void HttpSlot::connect() {
  opened_here_ = busy_;
  connecting_ = true;
  owner_.connecting(+1);
  conn_->open_async(false, [this](ErrorKind kind, const std::string& what) { connected(kind, what); });
}

// The end of connect(): a hit in flight (if any) goes on; a warm-up just leaves it open.
void HttpSlot::connected(ErrorKind kind, const std::string& what) {
  connecting_ = false;
  if (kind != ErrorKind::kNone) conn_->close();
  owner_.connecting(-1);
  if (!busy_) return;
  if (aborted()) return;
  if (kind != ErrorKind::kNone) {
    fail(kind, what);
    return;
  }
  send(origin_);
}

void HttpSlot::write() {
  const http::StepSettings* st = d_.step(hit_.target);
  parser_.reset(head_, d_.opts().max_body, keep(), st ? &st->capture : nullptr, d_.opts().keep_headers);
  conn_->write(asio::buffer(*bytes_), [this](const asio::error_code& ec, size_t) {
    if (aborted()) return;
    if (ec) {
      if (!retry()) fail(ErrorKind::kIo, "write: " + ec.message());
      return;
    }
    read();
  });
}

void HttpSlot::read() {
  if (owner_.reads_at_ticks() && conn_->stampable()) {
    if (owner_.await_tick(*this)) return;  // read_at_tick() reads it
    conn_->read_stamped(asio::buffer(buf_), [this](const asio::error_code& ec, size_t n) {
      on_read(ec, n, conn_->received_ns());
    });
    return;
  }
  conn_->read_some(asio::buffer(buf_), [this](const asio::error_code& ec, size_t n) { on_read(ec, n, 0); });
}

// One recvmsg(2) per response at the owner's tick, with no event registration: a closed socket
// (a timeout, a cancel) fails it here.
void HttpSlot::read_at_tick() {
  if (!busy_ || conn_ == nullptr) return;
  asio::error_code ec;
  const size_t n = conn_->read_stamped_now(asio::buffer(buf_), ec);
  if (ec == asio::error::would_block) {
    read();
    return;
  }
  on_read(ec, n, conn_->received_ns());
}

void HttpSlot::on_read(const asio::error_code& ec, size_t n, int64_t at) {
  if (aborted()) return;
  // A stamp before the send (the real-time clock stepped while the bytes waited): the read's time.
  received_ = at >= sent_ ? at : 0;
  if (n > 0 && first_ == 0) first_ = (received_ > 0 ? received_ : steady_now_ns()) - sent_;
  response_bytes_ += n;
  if (n > 0) {
    size_t used = 0;
    const auto state = parser_.feed(buf_.data(), n, used);
    if (state == http1::ResponseParser::State::kComplete) {
      ++conn_->served;
      if (!parser_.keep_alive() || !d_.opts().keepalive) conn_->close();
      body_bytes_ = parser_.body_bytes();
      on_response(parser_.status(), parser_.reason(), parser_.location());
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
      body_bytes_ = parser_.body_bytes();
      on_response(parser_.status(), parser_.reason(), parser_.location());
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

// ---- HTTP/2 ----

void HttpSlot::h2_headers() {
  if (first_ == 0) first_ = steady_now_ns() - sent_;
}

void HttpSlot::h2_header(const std::string& name, const std::string& value) {
  if (const http::StepSettings* st = d_.step(hit_.target))
    for (size_t i = 0; i < st->capture.size(); ++i)
      if (iequals(name, st->capture[i])) h2_captured_[i] = value;
  const size_t cap = d_.opts().keep_headers;
  if (cap > 0 && !h2_headers_full_ && !name.empty() && name[0] != ':') {  // pseudo-headers are no header lines
    if (h2_headers_.size() + name.size() + value.size() + 4 <= cap)
      h2_headers_ += name + ": " + value + "\r\n";
    else
      h2_headers_full_ = true;  // the rest are not kept either, as over HTTP/1.1
  }
  if (name == ":status") {
    status_ = std::atoi(value.c_str());
  } else if (name == "location") {
    location_ = value;
  }
}

void HttpSlot::h2_data(const uint8_t* data, size_t n) {
  if (h2_body_.size() < keep())
    h2_body_.append(reinterpret_cast<const char*>(data), std::min(n, keep() - h2_body_.size()));
  const int64_t cap = d_.opts().max_body;
  body_bytes_ = cap < 0 ? body_bytes_ + n : std::min<uint64_t>(static_cast<uint64_t>(cap), body_bytes_ + n);
}

void HttpSlot::h2_closed(ErrorKind kind, const std::string& error) {
  if (!busy_) return;
  if (kind != ErrorKind::kNone) {
    fail(kind, error);
    return;
  }
  if (status_ == 0) {
    fail(ErrorKind::kProtocol, "http2: the stream ended without a response");
    return;
  }
  const std::string location = location_;
  on_response(status_, standard_reason(status_), location);
}

void HttpSlot::h2_unsent() {
  if (!busy_ || aborted()) return;
  send(origin_);
}

// ---- the response, whichever protocol ----

void HttpSlot::on_response(int code, std::string_view reason, const std::string& location) {
  status_ = code;
  if (code >= 300 && code < 400 && code != 304 && d_.opts().redirects >= 0 && !location.empty()) {
    if (redirects_left_ == 0) {
      finish(ErrorKind::kProtocol, intern("stopped after " + std::to_string(d_.opts().redirects) + " redirects"));
      return;
    }
    if (follow_redirect(code, location)) return;
  }
  const bool failed_status = code < 200 || code >= 400;
  finish(failed_status ? ErrorKind::kStatus : ErrorKind::kNone, failed_status ? status_error(code, reason) : 0);
}

bool HttpSlot::follow_redirect(int code, const std::string& location) {
  const Prepared& p = d_.prepared(hit_.target);
  auto next = resolve_url(current_, location);
  if (!next || (next->scheme != "http" && next->scheme != "https")) return false;
  --redirects_left_;
  const bool keep_method = code == 307 || code == 308;
  const std::string method = keep_method ? p.method : (p.method == "HEAD" ? "HEAD" : "GET");
  redirect_headers_.clear();
  for (auto& h : p.headers)
    if (!iequals(h.first, "Host") && !iequals(h.first, "Content-Length") &&
        (keep_method || !iequals(h.first, "Content-Type")))
      redirect_headers_.push_back(h);
  redirect_body_ = keep_method ? (p.tpl ? filled_body_ : p.body) : "";
  if (p.tpl) {  // the headers as filled for this hit (compiled here: redirects are rare)
    TemplateNames names;
    if (d_.opts().feeder) names.columns = d_.opts().feeder->columns();
    names.variables = d_.opts().variables;
    for (auto& h : redirect_headers_) {
      if (!Template::has_holes(h.second)) continue;
      std::string filled;
      const Template t = Template::compile(h.second, names, "header", "", Context::kHeader);
      if (!t.fill(ctx_, filled)) {
        finish(ErrorKind::kOther, intern("template: " + t.refusal(ctx_)));
        return true;
      }
      h.second = filled;
    }
  }
  current_ = *next;
  head_ = method == "HEAD";
  const size_t index = d_.origin_of(*next);
  if (h2_origin(index)) {
    redirect_h2_ = http::H2Request::make(method, *next, redirect_headers_);
    h2req_ = &redirect_h2_;
    h2body_ = &redirect_body_;
  } else {
    const http::Origin& to = d_.origin(index);
    redirect_bytes_ = http::build_request(method, *next, redirect_headers_, redirect_body_, d_.opts().keepalive,
                                    d_.opts().chunked, to.proxy && !to.url.tls());
    bytes_ = &redirect_bytes_;
  }
  retried_ = false;
  status_ = 0;
  body_bytes_ = 0;
  location_.clear();
  h2_body_.clear();
  h2_headers_.clear();
  h2_headers_full_ = false;
  received_ = 0;
  send(index);
  return true;
}

void HttpSlot::fail(ErrorKind kind, const std::string& text) { finish(kind, intern(text)); }

void HttpSlot::finish(ErrorKind kind, uint32_t error) {
  // A response ends when its last bytes arrived, as the kernel stamped them when it was read
  // late (a thread that reads at its ticks); a failure, when it was found.
  const bool answered = kind == ErrorKind::kNone || kind == ErrorKind::kStatus;
  const int64_t end = answered && received_ > sent_ ? received_ : steady_now_ns();
  busy_ = false;
  if (kind != ErrorKind::kNone && kind != ErrorKind::kStatus && conn_ && !in_h2_) conn_->close();
  in_h2_done_ = in_h2_;
  in_h2_ = false;
  Result r = engine::make_result(hit_, sent_, end, Kind::kHttp);
  r.first_ns = first_;
  r.bytes_in = body_bytes_;
  r.bytes_out = body_out_;
  r.target = d_.prepared(hit_.target).label;
  r.status = kind == ErrorKind::kNone || kind == ErrorKind::kStatus ? static_cast<uint16_t>(status_) : 0;
  r.error_kind = kind;
  r.error = error;
  d_.release(hit_.target);
  owner_.done(*this, r);
}

}  // namespace

AttackRun attack_http(const std::vector<Target>& targets, const HttpOptions& http, const AttackOptions& load) {
  if (targets.empty() && !http.targeter) throw InputError("", 0, "targets", "no targets to attack");
  if (!targets.empty() && http.targeter) throw InputError("", 0, "targets", "a list of targets or a targeter, not both");
  if (http.redirects < -1) throw InputError("", 0, "-redirects", "must be -1 or more");
  if (http.connections < 0) throw InputError("", 0, "-connections", "must not be negative");
  HttpDriver driver(targets, http, load);
  AttackRun run = engine::attack(driver, load);
  if (auto e = driver.stream_error()) throw *e;
  return run;
}

std::unique_ptr<http::HttpEngineDriver> http::make_http_driver(const std::vector<Target>& targets, const HttpOptions& o,
                                                               const AttackOptions& load, std::vector<StepSettings> steps) {
  if (o.redirects < -1) throw InputError("", 0, "-redirects", "must be -1 or more");
  return std::make_unique<HttpDriver>(targets, o, load, std::move(steps));
}

}  // namespace loadgate
