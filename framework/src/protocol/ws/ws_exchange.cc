// ws_exchange.cc: a journey's WebSocket step, one connection per step: connect (TCP or TLS, the
// HTTP driver's Conn), the opening handshake, the step's messages out, messages in until one
// passes the journey's checks or the wait ends, then our close. The codec is the attack's
// (ws_frame.h, ws_handshake.h); frames are not compressed.
#include "protocol/ws/ws_exchange.h"

#include <asio/post.hpp>
#include <asio/ssl/context.hpp>
#include <asio/steady_timer.hpp>
#include <cstring>
#include <random>

#include "engine/attacker.h"
#include "loadgate/error.h"
#include "loadgate/interner.h"
#include "loadgate/url.h"
#include "loadgate/ws_frame.h"
#include "loadgate/ws_handshake.h"
#include "protocol/http/connection.h"

namespace loadgate::ws {
namespace {

using engine::Hit;

// The largest message a step reads.
constexpr uint64_t kMaxMessage = 16 << 20;
// Connecting and the handshake, before the step's wait starts counting.
constexpr auto kOpenTimeout = std::chrono::seconds(10);

// What every slot reads: the step compiled once.
struct Plan {
  JourneyWs w;
  std::shared_ptr<const Feeder> feeder;
  Url url;  // the origin's (the resource is a template)
  http::Origin origin;
  std::unique_ptr<asio::ssl::context> tls;
  http::Transport transport;
  Template resource;
  std::vector<std::pair<std::string, Template>> headers;
  std::vector<Template> messages;
  uint32_t label = 0;
};

// One step's connection and what it has read; the handlers of its socket hold it, so a step
// that ended (its socket closed) leaves them nothing to touch but this.
struct Exchange {
  Exchange(asio::io_context& io, const Plan& p) : conn(io, p.transport, p.origin), reader(Role::kClient, kMaxMessage) {}
  http::Conn conn;
  ResponseReader reply;
  MessageReader reader;
  std::vector<char> in = std::vector<char>(4096);
  size_t have = 0;
  std::string out, pending;
  bool writing = false;
};

class Slot final : public ExchangeSlot {
 public:
  Slot(asio::io_context& io, engine::SlotOwner& owner, const Plan& p)
      : io_(io), owner_(owner), p_(p), timer_(io), rng_(std::random_device{}()) {}

  void set_matcher(std::function<bool(std::string_view)> passes) override { passes_ = std::move(passes); }
  void set_variables(const std::vector<std::string>* values) override { variables_ = values; }
  std::string_view kept_body() const override { return kept_; }

  void start(const Hit& hit) override {
    hit_ = hit;
    sent_ = steady_now_ns();
    ++gen_;
    done_ = false;
    open_ = false;
    kept_.clear();
    FillContext fill;
    fill.seq = hit.seq;
    fill.rng = &rng_;
    fill.variables = variables_;
    fill.row = p_.feeder ? p_.feeder->row(hit.seq, rng_) : nullptr;
    std::string resource;
    if (!p_.resource.fill(fill, resource)) return fail_later(ErrorKind::kOther, "url: " + p_.resource.refusal(fill));
    std::vector<std::pair<std::string, std::string>> headers;
    for (const auto& [name, t] : p_.headers) {
      std::string v;
      if (!t.fill(fill, v)) return fail_later(ErrorKind::kOther, "header " + name + ": " + t.refusal(fill));
      headers.emplace_back(name, std::move(v));
    }
    messages_.clear();
    for (const Template& t : p_.messages) {
      messages_.emplace_back();
      t.fill(fill, messages_.back());
    }
    if (!p_.origin.resolve_error.empty()) return fail_later(ErrorKind::kConnect, "connect: " + p_.origin.resolve_error);
    unsigned char random[16];
    for (unsigned char& b : random) b = static_cast<unsigned char>(rng_());
    key_ = make_key(random);
    auto x = std::make_shared<Exchange>(io_, p_);
    x->out = client_request(p_.url.authority(), resource.empty() ? "/" : resource, key_, headers, "");
    x_ = x;
    arm(kOpenTimeout, "handshake: timed out");
    owner_.connecting(+1);
    connecting_ = true;
    x->conn.open_async(false, [this, x](ErrorKind kind, const std::string& error) {
      if (x != x_) return;
      end_connecting();
      if (kind != ErrorKind::kNone) return finish(kWsFailed, kind, error);
      write(x);
      read(x);
    });
  }

  void cancel() override {
    if (!done_) finish(open_ ? kWsLost : kWsFailed, ErrorKind::kCancelled, "cancelled: the attack was interrupted");
  }

 private:
  void end_connecting() {
    if (connecting_) owner_.connecting(-1);
    connecting_ = false;
  }

  // Ends the step after `after` with `why` unless it ended before.
  void arm(std::chrono::nanoseconds after, std::string why) {
    timer_.expires_after(after);
    timer_.async_wait([this, x = x_, why = std::move(why)](const asio::error_code& ec) {
      if (!ec && x == x_) finish(open_ ? kWsLost : kWsFailed, ErrorKind::kTimeout, why);
    });
  }

  // Fails the step that start() is starting, on the next turn of the loop (never inside start()).
  void fail_later(ErrorKind kind, std::string why) {
    x_.reset();
    asio::post(io_, [this, gen = gen_, kind, why = std::move(why)] {
      if (gen == gen_) finish(kWsFailed, kind, why);
    });
  }

  void write(const std::shared_ptr<Exchange>& x) {
    if (x->out.empty() || x->writing) return;
    x->writing = true;
    x->pending.swap(x->out);
    x->out.clear();
    x->conn.write(asio::buffer(x->pending), [this, x](const asio::error_code& ec, size_t) {
      x->writing = false;
      x->pending.clear();
      if (x != x_) return;
      if (ec) return finish(open_ ? kWsLost : kWsFailed, ErrorKind::kConnect, "write: " + ec.message());
      write(x);
    });
  }

  void read(const std::shared_ptr<Exchange>& x) {
    if (x->in.size() - x->have < 512) x->in.resize(x->in.size() * 2);
    x->conn.read_some(asio::buffer(x->in.data() + x->have, x->in.size() - x->have),
                      [this, x](const asio::error_code& ec, size_t n) {
                        if (x != x_) return;
                        x->have += n;
                        if (!open_ && n > 0 && !handshake(*x)) return;
                        if (open_ && x->have > 0) frames(*x);
                        if (x != x_) return;
                        if (ec) return finish(open_ ? kWsLost : kWsFailed, ErrorKind::kConnect, "read: " + ec.message());
                        read(x);
                      });
  }

  // False when the step ended (a refused or broken handshake).
  bool handshake(Exchange& x) {
    size_t used = 0;
    const ParseState s = x.reply.feed(x.in.data(), x.have, used);
    if (s == ParseState::kError) {
      finish(kWsFailed, ErrorKind::kProtocol, "handshake: " + x.reply.error());
      return false;
    }
    if (s == ParseState::kMore) {
      x.have = 0;  // http-parser keeps what it needs of a partial head
      return true;
    }
    if (const std::string why = x.reply.check(key_, ""); !why.empty()) {
      finish(kWsFailed, x.reply.status() == 101 ? ErrorKind::kProtocol : ErrorKind::kStatus, why);
      return false;
    }
    std::memmove(x.in.data(), x.in.data() + used, x.have - used);
    x.have -= used;
    open_ = true;
    arm(p_.w.wait, "no message passed the step's checks within " + format_duration(p_.w.wait));
    for (const std::string& m : messages_) append_frame(x.out, Opcode::kText, m, true, true, static_cast<uint32_t>(rng_()));
    write(x_);
    return true;
  }

  void frames(Exchange& x) {
    const size_t used = x.reader.consume(x.in.data(), x.have, [this, &x](const Event& e) {
      if (done_) return;
      if (e.type == Event::kMessage) {
        kept_.assign(e.payload.data(), std::min<size_t>(e.payload.size(), 64u << 10));
        if (!passes_ || passes_(kept_)) finish(kWsOk, ErrorKind::kNone, "");
      } else if (e.type == Event::kPing) {
        append_frame(x.out, Opcode::kPong, e.payload, true, true, static_cast<uint32_t>(rng_()));
        write(x_);
      } else if (e.type == Event::kClose) {
        finish(kWsLost, ErrorKind::kProtocol,
               "closed by the server (" + std::to_string(e.code) + ") before a message passed the step's checks");
      }
    });
    if (done_) return;
    std::memmove(x.in.data(), x.in.data() + used, x.have - used);
    x.have -= used;
    if (x.reader.failed()) return finish(kWsLost, ErrorKind::kProtocol, "dropped: " + x.reader.error());
    if (x.reader.frame_size() > x.in.size()) x.in.resize(x.reader.frame_size());
  }

  // Ends the step: our close frame (best effort, not waited for), the socket, the result.
  void finish(uint16_t outcome, ErrorKind kind, const std::string& why) {
    if (done_) return;
    done_ = true;
    const int64_t end = steady_now_ns();
    timer_.cancel();
    end_connecting();
    if (x_) {
      if (open_) {
        std::string close;
        append_frame(close, Opcode::kClose, close_payload(kCloseNormal, "journey step done"), true, true,
                     static_cast<uint32_t>(rng_()));
        asio::error_code ec;
        x_->conn.try_write(close.data(), close.size(), ec);
      }
      x_->conn.close();
      x_.reset();  // its handlers hold it until they have run
    }
    Result r = engine::make_result(hit_, sent_, end, Kind::kWsMessage);
    r.target = p_.label;
    r.status = outcome;
    r.error_kind = kind;
    r.error = why.empty() ? 0 : intern(why);
    r.bytes_in = kept_.size();
    owner_.done(*this, r);
  }

  asio::io_context& io_;
  engine::SlotOwner& owner_;
  const Plan& p_;
  asio::steady_timer timer_;
  std::shared_ptr<Exchange> x_;  // the step's, while it runs
  std::mt19937_64 rng_;
  std::function<bool(std::string_view)> passes_;
  const std::vector<std::string>* variables_ = nullptr;
  Hit hit_{};
  int64_t sent_ = 0;
  uint64_t gen_ = 0;  // steps started: what a posted failure belongs to
  std::string key_, kept_;
  std::vector<std::string> messages_;
  bool done_ = true, open_ = false, connecting_ = false;
};

class Driver final : public engine::Driver {
 public:
  explicit Driver(std::unique_ptr<Plan> p) : p_(std::move(p)) {}
  std::unique_ptr<engine::Slot> make_slot(asio::io_context& io, engine::SlotOwner& owner) override {
    return std::make_unique<Slot>(io, owner, *p_);
  }
  uint32_t target_count() const override { return 1; }
  uint32_t target_label(uint32_t) const override { return p_->label; }
  Kind kind() const override { return Kind::kWsMessage; }
  std::string protocol() const override { return "ws"; }

 private:
  std::unique_ptr<Plan> p_;
};

}  // namespace

std::unique_ptr<engine::Driver> make_exchange_driver(const JourneyWs& w, const TemplateNames& names,
                                                     std::shared_ptr<const Feeder> feeder, const std::string& label) {
  auto p = std::make_unique<Plan>();
  p->w = w;
  p->feeder = std::move(feeder);
  const std::string origin = ws_origin(w.url);
  const auto url = parse_url(origin);
  if (!url || (url->scheme != "ws" && url->scheme != "wss"))
    throw InputError("", 0, "ws.url", "\"" + printable(w.url) + "\" is not a ws(s) URL");
  p->url = *url;
  p->origin = http::resolve_origin(*url);
  if (url->tls()) {
    p->tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    p->tls->set_verify_mode(asio::ssl::verify_peer);
    p->tls->set_default_verify_paths();
  }
  p->transport.tls = p->tls.get();
  p->resource = Template::compile(w.url.substr(origin.size()), names, label + " ws.url", "", Context::kUrl);
  for (const Header& h : w.headers)
    p->headers.emplace_back(h.first, Template::compile(h.second, names, label + " ws.headers." + h.first, "", Context::kHeader));
  for (const std::string& m : w.send) p->messages.push_back(Template::compile(m, names, label + " ws.send"));
  p->label = intern(label);
  return std::make_unique<Driver>(std::move(p));
}

}  // namespace loadgate::ws
