// http_driver.cc: the HTTP driver and its slots. The driver prepares every target once before
// the attack (prepared.h; streamed targets: lazy_targets.h) for origins resolved and settled
// once (origins.h); a slot carries one request at a time through the exchange its origin's
// protocol calls for (exchange.h: HTTP/1.1 on a connection of the slot's own, or an HTTP/2
// stream of its thread's shared sessions), and does what is the same for both: filling a
// template, the timeout, redirects, and the result.
#include <array>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <unordered_map>

#include "engine/attacker.h"
#include "loadgate/error.h"
#include "loadgate/http.h"
#include "loadgate/interner.h"
#include "loadgate/targets.h"
#include "loadgate/template.h"
#include "loadgate/url.h"
#include "protocol/http/http1_exchange.h"
#include "protocol/http/http2_exchange.h"
#include "protocol/http/http_driver.h"
#include "protocol/http/lazy_targets.h"
#include "protocol/http/origins.h"
#include "protocol/http/prepared.h"
#include "protocol/http/request.h"

namespace loadgate {
namespace {

using engine::Hit;
using http::Prepared;

// Interns "<code> <reason>" once per status code per thread.
uint32_t status_error(int code, std::string_view reason) {
  thread_local std::array<uint32_t, 600> cache{};
  if (code >= 0 && code < 600 && cache[static_cast<size_t>(code)]) return cache[static_cast<size_t>(code)];
  const uint32_t id = intern(std::to_string(code) + " " + std::string(reason));
  if (code >= 0 && code < 600) cache[static_cast<size_t>(code)] = id;
  return id;
}

class HttpDriver;

// One request at a time, through the exchange of the request's origin's protocol.
class HttpSlot final : public http::StepSlot, private http::ExchangeOwner {
 public:
  HttpSlot(asio::io_context& io, engine::SlotOwner& owner, HttpDriver& driver, std::shared_ptr<http::H2Pool> h2);
  void start(const Hit& hit) override;
  void cancel() override;
  void warm() override;
  void read_at_tick() override {
    if (busy_) h1_.read_at_tick();
  }
  std::string_view kept_body() const override { return done_->kept_body(); }
  std::string_view kept_headers() const override { return done_->kept_headers(); }
  ConnectPhases opened() const override { return opened_; }
  TraceId trace() const override { return trace_; }
  const std::vector<std::string>& captured() const override { return done_->captured(); }
  void set_variables(const std::vector<std::string>* v) override { variables_ = v; }

 private:
  // http::ExchangeOwner
  void first_byte(int64_t at) override;
  void response(const http::Response& r) override;
  void failed(ErrorKind kind, const std::string& why) override { fail(kind, why); }
  bool stopped() const override { return timed_out_ || cancelled_; }
  void gave_up() override { aborted(); }
  void warmed(ErrorKind kind, const std::string& why) override;

  void send(size_t origin);
  bool follow_redirect(int code, const std::string& location);
  void fail(ErrorKind kind, const std::string& text);
  void arm_timer(int64_t at);
  void finish(ErrorKind kind, uint32_t error);
  bool aborted();
  bool h2_origin(size_t origin) const;
  void add_traceparent(size_t origin);
  // Body bytes to keep for the results (-max-body=N > 0 keeps N), else 0.
  size_t keep() const;

  asio::io_context& io_;
  engine::SlotOwner& owner_;
  HttpDriver& d_;
  http::Http1Exchange h1_;
  http::Http2Exchange h2_;
  http::Exchange* ex_ = nullptr;          // the exchange in flight (or warming up)
  const http::Exchange* done_ = &h1_;     // the exchange of the request just done
  asio::steady_timer timer_;
  http::WireRequest wire_;  // the request in flight, as its exchange sends it
  std::string redirect_bytes_;
  http::H2Request redirect_h2_;
  std::vector<Header> redirect_headers_;
  std::string redirect_body_;
  Url current_;  // URL of the request in flight (redirects resolve against it)

  Hit hit_{};
  int64_t deadline_ = 0;  // steady ns by which the request in flight must complete
  bool timer_armed_ = false;
  size_t origin_ = 0;  // origin of the request in flight
  bool busy_ = false;
  bool timed_out_ = false;
  bool cancelled_ = false;
  int redirects_left_ = 0;
  int64_t sent_ = 0;
  int64_t first_ = 0;
  int64_t received_ = 0;  // steady ns the kernel received the last bytes read (0: unknown, now)
  // The response, whichever protocol carried it.
  int status_ = 0;
  uint64_t body_bytes_ = 0;
  // Targets with placeholders: the request as filled for the hit in flight, in buffers reused
  // from hit to hit, and what filled it.
  std::string filled_bytes_, filled_body_;
  http::H2Request filled_h2_;
  std::mt19937_64 rng_;
  FillContext ctx_;
  const std::vector<std::string>* variables_ = nullptr;
  uint64_t body_out_ = 0;
  ConnectPhases opened_;  // of the request just done (opened())
  // -trace: the hit's trace id, and the request as it goes with its traceparent header.
  TraceId trace_;
  std::string traced_bytes_;
  http::H2Request traced_h2_;
};

class HttpDriver final : public http::HttpEngineDriver {
 public:
  HttpDriver(const std::vector<Target>& targets, const HttpOptions& o, const AttackOptions& options,
             std::vector<http::StepSettings> steps = {})
      : o_(o), options_(options), origins_(o_), steps_(std::move(steps)) {
    // Every origin first (resolved and probed), then the bytes its protocol needs.
    std::vector<Url> urls;
    std::vector<uint32_t> origin_of_target;
    for (const Target& t : targets) {
      urls.push_back(http::target_url(t));
      origin_of_target.push_back(static_cast<uint32_t>(origins_.fix(urls.back())));
    }
    for (size_t i = 0; i < targets.size(); ++i) {
      const uint32_t origin = origin_of_target[i];
      const bool step = i < steps_.size();
      prepared_.push_back(http::prepare_target(targets[i], urls[i], o, origin, origins_.at(origin),
                                         intern(step && !steps_[i].label.empty() ? steps_[i].label : targets[i].label())));
    }
    const int threads = thread_count(options.load);
    if (o.connections > 0) h2_conns_ = static_cast<size_t>(std::max(1, (o.connections + threads - 1) / threads));
    if (o.targeter) {
      lazy_ = std::make_unique<http::LazyTargets>(
          o.targeter, [this](const Target& t) { return prepare_streamed(t); }, options.load.shard, options.load.shards);
      arena_.resize(static_cast<size_t>(threads) *
                    (kPendingCapacity + static_cast<size_t>(std::max(options.load.max_workers, options.load.workers)) + 16));
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
    http::LazyTargets::Made made;
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
    const Url url = http::target_url(t);
    const size_t origin = origins_.of(url);
    return std::make_unique<Prepared>(
        http::prepare_target(t, url, o_, static_cast<uint32_t>(origin), origins_.at(origin), lazy_label(t, url)));
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
        pool = std::make_shared<http::H2Pool>(io, origins_.transport(), h2_conns_);
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
    for (const auto& o : origins_.fixed())
      if (!http::stampable(*o, origins_.transport())) return false;
    return true;
  }
  bool multiplexed() const override {
    if (lazy_) return false;
    for (const auto& o : origins_.fixed())
      if (o->protocol != http::Protocol::kHttp2) return false;
    return true;
  }
  std::map<std::string, std::string> target_protocols() const override {
    std::map<std::string, std::string> out;
    for (const Prepared& p : prepared_) out[interned(p.label)] = http::protocol_name(origins_.at(p.origin).protocol);
    return out;
  }

  const HttpOptions& opts() const { return o_; }
  const Load& load() const { return options_.load; }
  const Prepared& prepared(uint32_t i) const { return lazy_ ? *arena_[i] : prepared_[i]; }
  http::Origins& origins() { return origins_; }
  // Journey steps' settings of target `i`, or nullptr.
  const http::StepSettings* step(uint32_t i) const { return i < steps_.size() ? &steps_[i] : nullptr; }
 private:
  HttpOptions o_;
  const AttackOptions& options_;
  http::Origins origins_;
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
  std::unique_ptr<http::LazyTargets> lazy_;
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

HttpSlot::HttpSlot(asio::io_context& io, engine::SlotOwner& owner, HttpDriver& driver, std::shared_ptr<http::H2Pool> h2)
    : io_(io), owner_(owner), d_(driver), h1_(io, owner, *this, driver.origins(), driver.opts(), *this),
      h2_(owner, std::move(h2), driver.origins(), driver.opts(), *this), timer_(io),
      rng_(std::random_device{}() ^ reinterpret_cast<uintptr_t>(this)) {}

size_t HttpSlot::keep() const {
  if (const http::StepSettings* s = d_.step(hit_.target); s && s->keep_body > 0) return s->keep_body;
  return d_.opts().max_body > 0 ? static_cast<size_t>(d_.opts().max_body) : 0;
}

bool HttpSlot::h2_origin(size_t origin) const {
  return d_.origins().at(origin).protocol == http::Protocol::kHttp2;
}

void HttpSlot::start(const Hit& hit) {
  hit_ = hit;
  busy_ = true;
  timed_out_ = cancelled_ = false;
  sent_ = steady_now_ns();
  first_ = 0;
  received_ = 0;
  status_ = 0;
  body_bytes_ = 0;
  h1_.clear();  // a request that fails before its response has no response figures
  h2_.clear();
  const Prepared& p = d_.prepared(hit.target);
  current_ = p.url;
  redirects_left_ = d_.opts().redirects;
  const http::StepSettings* st = d_.step(hit.target);
  wire_ = {&p.bytes, &p.h2, &p.body, p.head, keep(), st ? &st->capture : nullptr};
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
      wire_.h2 = &filled_h2_;
      wire_.body = &filled_body_;
      body_out_ = filled_body_.size();
    } else {
      const std::optional<size_t> size = p.tpl->fill_http1(ctx_, filled_bytes_, filled_body_);
      filled = size.has_value();
      body_out_ = size.value_or(0);
      wire_.bytes = &filled_bytes_;
    }
    if (!filled) {  // a value that would end a header early or smuggle a request: never sent
      body_out_ = 0;
      ex_ = nullptr;
      fail(ErrorKind::kOther, "template: " + p.tpl->refusal(ctx_));
      return;
    }
  }
  trace_ = {};
  if (d_.opts().trace) add_traceparent(p.origin);
  if (d_.load().timeout.count() > 0) {
    deadline_ = sent_ + d_.load().timeout.count();
    if (!timer_armed_) arm_timer(deadline_);
  }
  if (h1_.connecting()) {  // a warm-up connect is under way: warmed() sends this hit
    origin_ = p.origin;
    return;
  }
  send(p.origin);
}

// A fresh trace id and span id for the hit (W3C Trace Context, version 00, sampled), in a
// traceparent header added to the request as it goes: after the others over HTTP/1.1, last of
// the header list over HTTP/2.
void HttpSlot::add_traceparent(size_t origin) {
  const std::string value = traceparent(trace_, rng_(), rng_(), rng_());
  if (h2_origin(origin)) {
    traced_h2_ = *wire_.h2;
    traced_h2_.headers.emplace_back("traceparent", value);
    wire_.h2 = &traced_h2_;
    return;
  }
  const std::string& bytes = *wire_.bytes;
  const size_t end = bytes.find("\r\n\r\n") + 2;  // after the last header line
  traced_bytes_.assign(bytes, 0, end);
  traced_bytes_ += "traceparent: " + value + "\r\n";
  traced_bytes_.append(bytes, end, std::string::npos);
  wire_.bytes = &traced_bytes_;
}

void HttpSlot::warm() {
  if (busy_ || h1_.connecting()) return;
  const std::optional<uint32_t> first = d_.warm_origin();
  if (!first) return;
  if (!d_.origins().at(*first).resolve_error.empty()) return;
  if (h2_origin(*first)) {
    h2_.warm(*first);
    return;
  }
  ex_ = &h1_;
  h1_.warm(*first);
}

// The end of a warm-up connect: a hit that waited for it goes on.
void HttpSlot::warmed(ErrorKind kind, const std::string& why) {
  if (!busy_ || aborted()) return;
  if (kind != ErrorKind::kNone) {
    fail(kind, why);
    return;
  }
  send(origin_);
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
    if (ex_) ex_->abort();  // HTTP/2: the stream is reset; the session goes on carrying the others
  });
}

void HttpSlot::cancel() {
  if (!busy_) return;
  cancelled_ = true;
  if (ex_) ex_->abort();
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
  const http::Origin& o = d_.origins().at(origin);
  if (owner_.reads_at_ticks() && !http::stampable(o, d_.origins().transport())) owner_.cannot_stamp();
  if (!o.resolve_error.empty()) {
    // Never complete inside start(): the owner may start the next hit from done(), and a
    // synchronous failure would recurse until the stack ends.
    ex_ = nullptr;
    asio::post(io_, [this] { fail(ErrorKind::kConnect, d_.origins().at(origin_).resolve_error); });
    return;
  }
  ex_ = o.protocol == http::Protocol::kHttp2 ? static_cast<http::Exchange*>(&h2_) : &h1_;
  ex_->send(origin, wire_);
}

void HttpSlot::first_byte(int64_t at) {
  // A stamp before the send (the real-time clock stepped while the bytes waited): the read's time.
  if (first_ == 0) first_ = (at >= sent_ && at > 0 ? at : steady_now_ns()) - sent_;
}

// ---- the response, whichever protocol ----

void HttpSlot::response(const http::Response& r) {
  received_ = r.received_ns >= sent_ ? r.received_ns : 0;
  status_ = r.status;
  body_bytes_ = r.body_bytes;
  const int code = r.status;
  if (code >= 300 && code < 400 && code != 304 && d_.opts().redirects >= 0 && !r.location.empty()) {
    if (redirects_left_ == 0) {
      finish(ErrorKind::kProtocol, intern("stopped after " + std::to_string(d_.opts().redirects) + " redirects"));
      return;
    }
    if (follow_redirect(code, r.location)) return;
  }
  const bool failed_status = code < 200 || code >= 400;
  finish(failed_status ? ErrorKind::kStatus : ErrorKind::kNone, failed_status ? status_error(code, r.reason) : 0);
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
  wire_.head = method == "HEAD";
  const size_t index = d_.origins().of(*next);
  if (h2_origin(index)) {
    redirect_h2_ = http::H2Request::make(method, *next, redirect_headers_);
    wire_.h2 = &redirect_h2_;
    wire_.body = &redirect_body_;
  } else {
    const http::Origin& to = d_.origins().at(index);
    redirect_bytes_ = http::build_request(method, *next, redirect_headers_, redirect_body_, d_.opts().keepalive,
                                          d_.opts().chunked, to.proxy && !to.url.tls());
    wire_.bytes = &redirect_bytes_;
  }
  status_ = 0;
  body_bytes_ = 0;
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
  if (!answered && ex_) ex_->discard();
  done_ = ex_ ? ex_ : &h1_;
  Result r = engine::make_result(hit_, sent_, end, Kind::kHttp);
  r.first_ns = first_;
  r.bytes_in = body_bytes_;
  r.bytes_out = body_out_;
  r.target = d_.prepared(hit_.target).label;
  r.status = answered ? static_cast<uint16_t>(status_) : 0;
  r.error_kind = kind;
  r.error = error;
  r.set_sending_ns(ex_ ? ex_->sending_ns() : 0);
  opened_ = ex_ ? ex_->opened() : ConnectPhases{};
  d_.release(hit_.target);
  owner_.done(*this, r);
}

}  // namespace

AttackRun attack_http(const std::vector<Target>& targets, const HttpOptions& http, const AttackOptions& options) {
  if (targets.empty() && !http.targeter) throw InputError("", 0, "targets", "no targets to attack");
  if (!targets.empty() && http.targeter) throw InputError("", 0, "targets", "a list of targets or a targeter, not both");
  if (http.redirects < -1) throw InputError("", 0, "-redirects", "must be -1 or more");
  if (http.connections < 0) throw InputError("", 0, "-connections", "must not be negative");
  HttpDriver driver(targets, http, options);
  AttackRun run = engine::attack(driver, options);
  if (auto e = driver.stream_error()) throw *e;
  return run;
}

std::unique_ptr<http::HttpEngineDriver> http::make_http_driver(const std::vector<Target>& targets, const HttpOptions& o,
                                                               const AttackOptions& options, std::vector<StepSettings> steps) {
  if (o.redirects < -1) throw InputError("", 0, "-redirects", "must be -1 or more");
  return std::make_unique<HttpDriver>(targets, o, options, std::move(steps));
}

}  // namespace loadgate
