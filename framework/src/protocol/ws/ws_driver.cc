// ws_driver.cc: WebSocket sessions for the engine's session attack (engine/session.h): the
// opening handshake, frames out and in, echo matching by the header each message carries, the
// close handshake. The engine decides when; this file only speaks frames.
//
// The connection is the HTTP driver's (connection.h: TCP or TLS, source address, proxy). Frames
// due at one wake-up go out in one send() straight from the session's buffer when the socket
// takes them (Conn::try_write: no handler, no allocation), through Asio otherwise; a read
// parses every frame it brought, in place (ws_frame.h).
#include <asio/steady_timer.hpp>
#include <atomic>
#include <cstring>
#include <random>

#include "core/hex.h"
#include "engine/session.h"
#include "loadgate/capacity.h"
#include "loadgate/error.h"
#include "loadgate/fd_limit.h"
#include "loadgate/interner.h"
#include "loadgate/url.h"
#include "loadgate/ws.h"
#include "loadgate/ws_deflate.h"
#include "loadgate/ws_frame.h"
#include "loadgate/ws_handshake.h"
#include "protocol/http/connection.h"

namespace loadgate {
namespace {

// ---- message header -------------------------------------------------------------------------

constexpr char kMagic[4] = {'L', 'G', 'W', '1'};
// The largest message a client reads (an echo of its own is message_size bytes).
constexpr uint64_t kMaxMessage = 64 << 20;
// A read buffer's size to start with: a connection's bytes in flight are a few messages.
constexpr size_t kReadBuffer = 2048;
// Opening (connect, TLS, handshake) and waiting for the peer's close after ours.
constexpr auto kOpenTimeout = std::chrono::seconds(10);

// Writes the header at `p`: binary, 20 bytes; text, 36 ASCII characters.
void put_header(char* p, uint64_t seq, int64_t scheduled_ns, bool binary) {
  std::memcpy(p, kMagic, 4);
  if (binary) {
    std::memcpy(p + 4, &seq, 8);
    std::memcpy(p + 12, &scheduled_ns, 8);
  } else {
    put_hex64(p + 4, seq);
    put_hex64(p + 20, static_cast<uint64_t>(scheduled_ns));
  }
}

bool get_header(std::string_view payload, bool binary, uint64_t& seq, int64_t& scheduled_ns) {
  if (payload.size() < (binary ? 20u : 36u) || std::memcmp(payload.data(), kMagic, 4) != 0) return false;
  if (binary) {
    std::memcpy(&seq, payload.data() + 4, 8);
    std::memcpy(&scheduled_ns, payload.data() + 12, 8);
    return true;
  }
  uint64_t t = 0;
  if (!get_hex64(payload.data() + 4, seq) || !get_hex64(payload.data() + 20, t)) return false;
  scheduled_ns = static_cast<int64_t>(t);
  return true;
}

// ---- the plan -------------------------------------------------------------------------------

// Read-only after start, shared by the threads.
struct WsPlan {
  const WsOptions* w = nullptr;
  Url url;
  http::Origin origin;
  std::vector<http::Transport> transports;  // one per source address (or one, unbound)
  int per_source = 16000;                   // sessions per source address
  std::unique_ptr<asio::ssl::context> tls;
  std::string payload;  // message_size bytes; each message's header overwrites its start
  std::vector<std::pair<std::string, std::string>> headers;
  uint32_t label = 0;
  // Written by the sessions as they end: bytes on the wire (AttackRun::wire_bytes_out/in).
  mutable std::atomic<uint64_t> wire_out{0}, wire_in{0};
};

// xorshift64*: masking keys and handshake keys. RFC 6455 asks for keys a proxy cannot predict;
// each session is seeded from the system's entropy once.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed | 1) {}
  uint64_t next() {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return s_ * 0x2545F4914F6CDD1DULL;
  }

 private:
  uint64_t s_;
};

// ---- one session ----------------------------------------------------------------------------

class WsSession final : public engine::Session {
 public:
  WsSession(const WsPlan& p, asio::io_context& io, engine::SessionEvents& events, size_t index, int global, uint64_t seed)
      : p_(p),
        events_(events),
        index_(index),
        conn_(io, p.transports[static_cast<size_t>(global / p.per_source) % p.transports.size()], p.origin),
        timer_(io),
        rng_(seed),
        in_(kReadBuffer) {}
  ~WsSession() override {
    p_.wire_out += wire_out_;
    p_.wire_in += wire_in_;
  }

  void open() override {
    timer_.expires_after(kOpenTimeout);
    timer_.async_wait([this](const asio::error_code& ec) {
      if (!ec && phase_ != kOpen && phase_ != kDone) fail_open(0, ErrorKind::kTimeout, "handshake: timed out");
    });
    if (!p_.origin.resolve_error.empty()) {
      fail_open(0, ErrorKind::kConnect, "connect: " + p_.origin.resolve_error);
      return;
    }
    conn_.open_async(false, [this](ErrorKind kind, const std::string& error) {
      if (phase_ != kConnecting) return;
      if (kind != ErrorKind::kNone) {
        fail_open(0, kind, error);
        return;
      }
      phase_ = kHandshaking;
      unsigned char random[16];
      for (int k = 0; k < 16; k += 8) {
        const uint64_t r = rng_.next();
        std::memcpy(random + k, &r, 8);
      }
      key_ = ws::make_key(random);
      reply_ = std::make_unique<ws::ResponseReader>();
      out_ = ws::client_request(p_.url.authority(), p_.url.target, key_, p_.headers, p_.w->subprotocol,
                                p_.w->compression ? ws::kDeflateOffer : std::string_view());
      flush();
      read();
    });
  }

  void send(uint64_t seq, int64_t scheduled_ns) override {
    const std::string& payload = p_.payload;
    const uint32_t key = static_cast<uint32_t>(rng_.next());
    if (deflater_) {  // permessage-deflate: the message whole, then compressed
      message_ = payload;
      put_header(message_.data(), seq, scheduled_ns, p_.w->binary);
      deflater_->compress(message_, compressed_);
      ws::append_frame(out_, p_.w->binary ? ws::Opcode::kBinary : ws::Opcode::kText, compressed_, true, true, key, true);
      return;
    }
    ws::append_frame_header(out_, p_.w->binary ? ws::Opcode::kBinary : ws::Opcode::kText, payload.size(), true, true,
                            key);
    const size_t at = out_.size();
    out_.append(payload);
    put_header(out_.data() + at, seq, scheduled_ns, p_.w->binary);
    ws::apply_mask(out_.data() + at, payload.size(), key);
  }

  void flush() override {
    if (writing_ || out_.empty() || phase_ == kDone) return;
    asio::error_code ec;
    wire_out_ += out_.size();
    const size_t n = conn_.try_write(out_.data(), out_.size(), ec);
    if (ec) {
      end(ec);
      return;
    }
    if (n == out_.size()) {
      out_.clear();
      return;
    }
    out_.erase(0, n);
    writing_ = true;
    out_.swap(writing_buf_);
    conn_.write(asio::buffer(writing_buf_), [this](const asio::error_code& e, size_t) {
      writing_ = false;
      writing_buf_.clear();
      if (phase_ == kDone) return;
      if (e) {
        end(e);
        return;
      }
      flush();
    });
  }

  void close() override {
    if (phase_ != kOpen || we_closed_ || got_close_) return;
    we_closed_ = true;
    append_close(ws::kCloseNormal, "loadgate: attack over");
    flush();
  }

 private:
  enum Phase : uint8_t { kConnecting, kHandshaking, kOpen, kDone };

  void read() {
    if (in_.size() - have_ < 512) in_.resize(in_.size() * 2);
    conn_.read_some(asio::buffer(in_.data() + have_, in_.size() - have_),
                    [this](const asio::error_code& ec, size_t n) { on_read(ec, n); });
  }

  void on_read(const asio::error_code& ec, size_t n) {
    if (phase_ == kDone) return;
    have_ += n;
    wire_in_ += n;
    if (phase_ == kHandshaking && !handshake()) return;
    if (phase_ == kOpen && have_ > 0) frames();
    if (phase_ == kDone) return;
    if (ec) {
      end(ec);
      return;
    }
    read();
  }

  // Reads the answer to the opening request. False when the session is not open (yet).
  bool handshake() {
    size_t used = 0;
    const ws::ParseState s = reply_->feed(in_.data(), have_, used);
    if (s == ws::ParseState::kError) {
      fail_open(0, ErrorKind::kProtocol, "handshake: " + reply_->error());
      return false;
    }
    if (s == ws::ParseState::kMore) {
      have_ = 0;  // http-parser keeps what it needs of a partial head
      return true;
    }
    const std::string why = reply_->check(key_, p_.w->subprotocol, p_.w->compression);
    const int status = reply_->status();
    if (!why.empty()) {
      fail_open(static_cast<uint16_t>(status), status == 101 ? ErrorKind::kProtocol : ErrorKind::kStatus, why);
      return false;
    }
    if (!accept_extensions(reply_->extensions())) return false;
    reply_.reset();
    std::memmove(in_.data(), in_.data() + used, have_ - used);
    have_ -= used;
    timer_.cancel();
    phase_ = kOpen;
    events_.on_open(index_, 101);
    return true;
  }

  // Takes up the extensions the server accepted: permessage-deflate (the one offered) or none.
  bool accept_extensions(const std::string& accepted) {
    if (accepted.empty()) return true;
    std::string error;
    const auto terms = ws::parse_deflate(accepted, true, error);
    if (!terms && error.empty()) error = "an extension that was not asked for: " + printable(accepted);
    if (terms && terms->window_bits(false) < 9) error = "permessage-deflate: a client window of 8 bits (zlib needs 9)";
    if (!error.empty()) {
      fail_open(101, ErrorKind::kProtocol, "handshake: " + error);
      return false;
    }
    deflater_ = std::make_unique<ws::Deflater>(terms->window_bits(false), terms->no_takeover(false));
    inflater_ = std::make_unique<ws::Inflater>();
    reader_.inflate_with(inflater_.get());
    return true;
  }

  // Parses every whole frame in the buffer and keeps the start of the next.
  void frames() {
    const size_t used = reader_.consume(in_.data(), have_, [this](const ws::Event& e) { on_event(e); });
    std::memmove(in_.data(), in_.data() + used, have_ - used);
    have_ -= used;
    if (reader_.failed()) {
      // A protocol error fails the connection (RFC 6455 7.1.7): our close, then the socket.
      const uint16_t code = reader_.failed();
      if (!got_close_ && !we_closed_) append_close(code, reader_.error());
      finish(code, "dropped: " + std::to_string(code) + " " + reader_.error());
      return;
    }
    if (reader_.frame_size() > in_.size()) in_.resize(reader_.frame_size());
  }

  void on_event(const ws::Event& e) {
    switch (e.type) {
      case ws::Event::kMessage: {
        uint64_t seq = 0;
        int64_t scheduled = 0;
        const bool ours = get_header(e.payload, e.opcode == ws::Opcode::kBinary, seq, scheduled);
        if (p_.w->push)
          events_.on_push(index_, ours ? scheduled : 0, e.payload.size());
        else if (ours)
          events_.on_answer(index_, seq, e.payload.size());
        return;
      }
      case ws::Event::kPing:
        ws::append_frame(out_, ws::Opcode::kPong, e.payload, true, true, static_cast<uint32_t>(rng_.next()));
        flush();
        return;
      case ws::Event::kPong:
        return;
      case ws::Event::kClose:
        got_close_ = true;
        peer_code_ = e.code;
        peer_reason_ = std::string(e.payload);
        // The peer's close first: answer it with its code (none for 1005); the peer then closes
        // the TCP connection (RFC 6455 7.1.1: the server closes first).
        if (!we_closed_) append_close(e.code == ws::kCloseNoStatus ? 0 : e.code, "");
        flush();
        return;
    }
  }

  void append_close(uint16_t code, std::string_view reason) {
    ws::append_frame(out_, ws::Opcode::kClose, ws::close_payload(code, reason), true, true,
                     static_cast<uint32_t>(rng_.next()));
  }

  // The connection ended (EOF or an error), or a write failed.
  void end(const asio::error_code& ec) {
    if (phase_ == kDone) return;
    if (phase_ != kOpen) {
      fail_open(0, ErrorKind::kConnect, "handshake: " + ec.message());
      return;
    }
    if (we_closed_) {
      finish(ws::kCloseNormal, "");  // ours, acknowledged or not: a clean end
    } else if (got_close_) {
      std::string why = "closed by server: " + std::to_string(peer_code_);
      if (!peer_reason_.empty()) why += " " + peer_reason_;
      finish(peer_code_, why);
    } else if (ec == asio::error::eof) {
      finish(ws::kCloseAbnormal, "dropped: connection lost (1006)");
    } else {
      finish(ws::kCloseAbnormal, "dropped: " + ec.message());
    }
  }

  void finish(uint16_t code, const std::string& why) {
    phase_ = kDone;
    timer_.cancel();
    if (!out_.empty() && !writing_) {
      asio::error_code ignored;
      conn_.try_write(out_.data(), out_.size(), ignored);  // a last close frame, if it fits
    }
    conn_.close();
    events_.on_close(index_, code, why);
  }

  void fail_open(uint16_t status, ErrorKind kind, const std::string& why) {
    phase_ = kDone;
    timer_.cancel();
    conn_.close();
    reply_.reset();
    events_.on_open_failed(index_, status, kind, why);
  }

  const WsPlan& p_;
  engine::SessionEvents& events_;
  const size_t index_;
  http::Conn conn_;
  asio::steady_timer timer_;  // the opening's deadline
  Rng rng_;
  std::string key_;                              // Sec-WebSocket-Key sent
  std::unique_ptr<ws::ResponseReader> reply_;   // while handshaking
  ws::MessageReader reader_{ws::Role::kClient, kMaxMessage};
  std::unique_ptr<ws::Deflater> deflater_;  // permessage-deflate, when the server accepted it
  std::unique_ptr<ws::Inflater> inflater_;
  std::string message_, compressed_;        // a message before and after compression
  uint64_t wire_out_ = 0, wire_in_ = 0;     // bytes written and read, handshake included
  std::vector<char> in_;  // bytes read, [0, have_) not yet parsed
  size_t have_ = 0;
  std::string out_;          // frames to write at the next flush()
  std::string writing_buf_;  // frames being written by Asio
  std::string peer_reason_;
  uint16_t peer_code_ = 0;
  Phase phase_ = kConnecting;
  bool writing_ = false;
  bool we_closed_ = false;  // our close frame is queued or sent
  bool got_close_ = false;  // the peer's close frame came
};

class WsDriver final : public engine::SessionDriver {
 public:
  explicit WsDriver(const WsPlan& p) : p_(p), seed_(std::random_device{}()) {}
  std::unique_ptr<engine::Session> make_session(asio::io_context& io, engine::SessionEvents& events, size_t index,
                                                int global) override {
    return std::make_unique<WsSession>(p_, io, events, index, global,
                                       seed_ ^ (static_cast<uint64_t>(global) * 0x9E3779B97F4A7C15ULL));
  }
  uint32_t label() const override { return p_.label; }
  uint64_t message_bytes() const override { return p_.payload.size(); }
  std::string protocol() const override { return "ws"; }

 private:
  const WsPlan& p_;
  uint64_t seed_;
};

}  // namespace

AttackRun attack_ws(const WsOptions& w, const AttackOptions& options) {
  auto url = parse_url(w.url);
  if (!url || (url->scheme != "ws" && url->scheme != "wss"))
    throw InputError("", 0, "-addr", "\"" + w.url + "\" is not a ws:// or wss:// URL");
  if (w.connections <= 0) throw InputError("", 0, "-connections", "must be at least 1");
  if (w.connect_rate <= 0 && !w.connect_pacer) throw InputError("", 0, "-connect-rate", "must be positive");
  if (w.rate_per_conn < 0) throw InputError("", 0, "-rate-per-conn", "must not be negative");
  if (w.message_size < kWsHeaderBytes && w.payload.empty())
    throw InputError("", 0, "-message-size",
                     "must be at least " + std::to_string(kWsHeaderBytes) + " bytes (the header)");
  if (options.load.duration.count() <= 0 && !options.stop)
    throw InputError("", 0, "-duration", "a WebSocket attack needs a duration");
  const int shards = std::max(1, options.load.shards);
  const int mine = w.connections / shards + (options.load.shard < w.connections % shards ? 1 : 0);  // this shard's
  if (mine <= 0) throw InputError("", 0, "-shard", "shard " + std::to_string(options.load.shard) + "/" + std::to_string(shards) +
                                                       " has no connection of " + std::to_string(w.connections));
  const uint64_t fds = raise_fd_limit();
  if (fds < static_cast<uint64_t>(mine) + 64)
    throw InputError("", 0, "-connections",
                     std::to_string(w.connections) + " connections need more open files than the limit (" +
                         std::to_string(fds) + "); raise `ulimit -n`");
  reserve_fds(static_cast<uint64_t>(mine) + 64);

  WsPlan plan;
  plan.w = &w;
  plan.url = *url;
  plan.payload = w.payload.empty() ? std::string(static_cast<size_t>(w.message_size), 'x') : w.payload;
  if (plan.payload.size() < static_cast<size_t>(kWsHeaderBytes)) plan.payload.resize(kWsHeaderBytes, 'x');
  plan.headers.assign(w.headers.begin(), w.headers.end());
  plan.label = intern(w.url);
  plan.origin = http::resolve_origin(*url);
  if (url->tls()) {
    plan.tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    http::offer_alpn(*plan.tls, false);
    plan.tls->set_verify_mode(w.insecure ? asio::ssl::verify_none : asio::ssl::verify_peer);
    if (!w.insecure) plan.tls->set_default_verify_paths();
  }
  std::vector<asio::ip::address> sources;
  for (const std::string& s : w.sources) {
    asio::error_code ec;
    auto a = asio::ip::make_address(s, ec);
    if (ec) throw InputError("", 0, "-source", "\"" + s + "\" is not an IP address");
    sources.push_back(a);
  }
  // One loopback address has about 28,000 ephemeral ports: past 16,000 connections to a
  // loopback target, spread them over 127.0.0.2, 127.0.0.3, ...
  const bool loopback_v4 = !plan.origin.endpoints.empty() && plan.origin.endpoints.front().address().is_v4() &&
                           plan.origin.endpoints.front().address().is_loopback();
  if (sources.empty() && loopback_v4 && w.connections > plan.per_source)
    for (int k = 0; k * plan.per_source < w.connections; ++k)
      sources.push_back(asio::ip::make_address_v4(0x7F000002u + static_cast<uint32_t>(k)));
  else if (!sources.empty())
    plan.per_source = (w.connections + static_cast<int>(sources.size()) - 1) / static_cast<int>(sources.size());
  for (const auto& a : sources) {
    http::Transport t;
    t.tls = plan.tls.get();
    t.insecure = w.insecure;
    t.local = a;
    plan.transports.push_back(t);
  }
  if (plan.transports.empty()) plan.transports.push_back(http::Transport{plan.tls.get(), w.insecure, {}, {}, {}});

  engine::SessionPlan sessions;
  sessions.sessions = w.connections;
  sessions.opens = w.connect_pacer ? w.connect_pacer : std::shared_ptr<const Pacer>(constant_pacer(w.connect_rate));
  if (w.message_pacer)
    sessions.messages = w.message_pacer;
  else if (w.rate_per_conn > 0)
    sessions.messages = constant_pacer(w.rate_per_conn);
  sessions.push = w.push;
  const std::string rate = std::to_string(w.connections) + " conns @" + sessions.opens->describe() + ", " +
                           (sessions.messages ? sessions.messages->describe() : std::string("idle")) + " each";
  // Messages per second at the peak, this shard's: threads by what they need (issue #23: two
  // threads and a service on two cores left each waiting for the others).
  const double peak =
      sessions.messages ? static_cast<double>(mine) * peak_rate(*sessions.messages, options.load.duration) : 0;
  const int threads = options.load.threads > 0 ? options.load.threads : threads_for(estimate_need("ws", peak, false).generator_cores);
  WsDriver driver(plan);
  AttackRun run = engine::run_sessions(options, driver, sessions, std::min(threads, mine), rate);
  run.wire_bytes_out = plan.wire_out;
  run.wire_bytes_in = plan.wire_in;
  if (!run.interrupted) record_cost("ws", peak, run.metrics.resources(), run.elapsed);
  return run;
}

WsOptions ws_at_rate(WsOptions w, double rate) {
  w.rate_per_conn = rate / std::max(1, w.connections);
  w.message_pacer.reset();
  // Open every connection within the first few percent of the step: the rate is measured
  // over the whole step, and a slow ramp would read as the generator falling behind.
  w.connect_rate = std::max(w.connect_rate, 50.0 * w.connections);
  w.connect_pacer.reset();
  return w;
}

}  // namespace loadgate
