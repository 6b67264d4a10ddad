// ws_driver.cc: WebSocket connections over websocketpp, paced messages, echo matching.
//
// Each attacker thread owns a websocketpp client on its own io_context (no locking: the
// configs below turn websocketpp's multithreading off) and a share of the connections. One timer
// opens connections on the ramp; one timer, over a min-heap of due times, sends every
// connection's messages on schedule. Message headers carry a sequence number and the scheduled
// time, so echoes are matched (FIFO per connection) and pushed messages timed.

#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <cstring>
#include <queue>
#include <websocketpp/client.hpp>
#include <websocketpp/concurrency/none.hpp>
#include <websocketpp/config/asio_client.hpp>

#include "engine/launch.h"
#include "engine/schedule.h"
#include "loadgate/error.h"
#include "loadgate/fd_limit.h"
#include "loadgate/interner.h"
#include "loadgate/url.h"
#include "loadgate/ws.h"

namespace loadgate {
namespace {

// ---- websocketpp configuration ------------------------------------------------------------

// Connects from a chosen local address when one is set (spreading over 127.0.0.x once one
// address runs out of ephemeral ports); otherwise websocketpp's own resolve-and-connect.
template <typename Cfg>
class BoundTransport : public websocketpp::transport::asio::endpoint<Cfg> {
 public:
  using base = websocketpp::transport::asio::endpoint<Cfg>;
  /// Local address of the next connect() only; cleared by it.
  std::optional<asio::ip::address> bind_next;

 protected:
  using transport_con_ptr = typename base::transport_con_ptr;
  using timer_ptr = typename base::timer_ptr;

  void async_connect(transport_con_ptr tcon, websocketpp::uri_ptr u, websocketpp::transport::connect_handler cb) {
    std::optional<asio::ip::address> source;
    source.swap(bind_next);
    if (!source) return base::async_connect(tcon, u, cb);
    asio::error_code ec;
    auto dst = asio::ip::make_address(u->get_host(), ec);
    if (ec) {  // a name ("localhost"): resolve it here, where the source address is chosen
      asio::ip::tcp::resolver resolver(tcon->get_raw_socket().get_executor());
      auto found = resolver.resolve(u->get_host(), u->get_port_str(), ec);
      for (const auto& e : found)
        if (!ec && e.endpoint().address().is_v4() == source->is_v4()) {
          dst = e.endpoint().address();
          break;
        }
      if (ec) return base::async_connect(tcon, u, cb);
    }
    tcon->set_uri(u);
    auto& sock = tcon->get_raw_socket();
    sock.open(dst.is_v4() ? asio::ip::tcp::v4() : asio::ip::tcp::v6(), ec);
    if (!ec) sock.bind(asio::ip::tcp::endpoint(*source, 0), ec);
    if (ec)
      return cb(websocketpp::transport::asio::socket::make_error_code(
          websocketpp::transport::asio::socket::error::invalid_state));
    timer_ptr timer;
    timer = tcon->set_timer(Cfg::timeout_connect, std::bind(&BoundTransport::handle_connect_timeout, this, tcon, timer,
                                                            cb, std::placeholders::_1));
    sock.async_connect(asio::ip::tcp::endpoint(dst, u->get_port()),
                       std::bind(&BoundTransport::handle_connect, this, tcon, timer, cb, std::placeholders::_1));
  }
};

// Single-threaded, quiet, small buffers: about 10 KB of client memory per idle connection.
template <typename Socket>
struct LeanConfig : public websocketpp::config::core_client {
  using type = LeanConfig;
  using core = websocketpp::config::core_client;
  using concurrency_type = websocketpp::concurrency::none;
  using request_type = core::request_type;
  using response_type = core::response_type;
  using message_type = core::message_type;
  using con_msg_manager_type = core::con_msg_manager_type;
  using endpoint_msg_manager_type = core::endpoint_msg_manager_type;
  using alog_type = websocketpp::log::basic<concurrency_type, websocketpp::log::alevel>;
  using elog_type = websocketpp::log::basic<concurrency_type, websocketpp::log::elevel>;
  using rng_type = core::rng_type;
  struct transport_config : public core::transport_config {
    using concurrency_type = type::concurrency_type;
    using alog_type = type::alog_type;
    using elog_type = type::elog_type;
    using request_type = type::request_type;
    using response_type = type::response_type;
    using socket_type = Socket;
    static bool const enable_multithreading = false;
    static const long timeout_connect = 10000;
  };
  using transport_type = BoundTransport<transport_config>;
  static const size_t connection_read_buffer_size = 2048;
  static const long timeout_open_handshake = 10000;
  static const long timeout_close_handshake = 2000;
  static const websocketpp::log::level elog_level = websocketpp::log::elevel::none;
  static const websocketpp::log::level alog_level = websocketpp::log::alevel::none;
};

using PlainConfig = LeanConfig<websocketpp::transport::asio::basic_socket::endpoint>;
using TlsConfig = LeanConfig<websocketpp::transport::asio::tls_socket::endpoint>;

// ---- message header -------------------------------------------------------------------------

constexpr char kMagic[4] = {'L', 'G', 'W', '1'};

struct Header {
  uint64_t seq = 0;
  int64_t scheduled_unix = 0;
};

// Writes the header at the start of `payload` (binary: 20 bytes; text: 36 hex characters).
void put_header(std::string& payload, const Header& h, bool binary) {
  std::memcpy(payload.data(), kMagic, 4);
  if (binary) {
    std::memcpy(payload.data() + 4, &h.seq, 8);
    std::memcpy(payload.data() + 12, &h.scheduled_unix, 8);
  } else {
    char buf[33];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(h.seq),
                  static_cast<unsigned long long>(h.scheduled_unix));
    std::memcpy(payload.data() + 4, buf, 32);
  }
}

bool get_header(const std::string& payload, Header& h, bool binary) {
  if (payload.size() < (binary ? 20u : 36u) || std::memcmp(payload.data(), kMagic, 4) != 0) return false;
  if (binary) {
    std::memcpy(&h.seq, payload.data() + 4, 8);
    std::memcpy(&h.scheduled_unix, payload.data() + 12, 8);
    return true;
  }
  char buf[17] = {0};
  std::memcpy(buf, payload.data() + 4, 16);
  h.seq = std::strtoull(buf, nullptr, 16);
  std::memcpy(buf, payload.data() + 20, 16);
  h.scheduled_unix = static_cast<int64_t>(std::strtoull(buf, nullptr, 16));
  return true;
}

// ---- the worker -----------------------------------------------------------------------------

// Read-only after start, shared by the workers.
struct WsPlan {
  const WsOptions* w;
  const AttackOptions* load;
  int threads;
  std::string payload;  // template, message_size bytes
  uint32_t label;       // interned URL
  std::vector<asio::ip::address> sources;
  int per_source;                         // connections per source address
  std::shared_ptr<const Pacer> connect;   // when connection n opens
  std::shared_ptr<const Pacer> messages;  // each connection's messages from its base; null = idle
};

// A FIFO of messages awaiting their echo, sized on demand (empty for idle connections).
struct Sent {
  uint64_t seq;
  int64_t scheduled_steady;
  int64_t scheduled_unix;
  int64_t sent_steady;
};

template <class Cfg>
class WsWorker final : public engine::WorkerBase {
  using Client = websocketpp::client<Cfg>;
  using MessagePtr = typename Client::message_ptr;

  enum State : uint8_t { kWaiting, kConnecting, kOpen, kClosed };
  struct Conn {
    websocketpp::connection_hdl hdl;
    std::deque<Sent> sent;          // awaiting echo
    int64_t connect_scheduled = 0;  // steady ns
    int64_t connect_started = 0;
    int64_t last_message = 0;  // steady ns of the last pushed message (push mode gaps)
    int64_t opened_at = 0;     // steady ns of the open
    int64_t base = 0;          // steady ns its message schedule counts from
    uint64_t seq = 0;
    State state = kWaiting;
    bool closing = false;  // we asked for the close
  };

 public:
  WsWorker(const WsPlan& plan, int index, engine::Collector* collector)
      : WorkerBase(*plan.load, collector),
        p_(plan),
        w_(*plan.w),
        index_(index),
        connect_timer_(io_),
        send_timer_(io_),
        end_timer_(io_) {
    // Connection g belongs to shard g mod shards (each opens on the one ramp, at its global time),
    // and within the shard to thread (g div shards) mod threads.
    const int shards = std::max(1, plan.load->shards);
    for (int g = plan.load->shard + shards * index; g < w_.connections; g += shards * plan.threads) global_.push_back(g);
    conns_.resize(global_.size());
  }

  void prepare() override {
    client_.init_asio(&io_);
    if constexpr (std::is_same_v<Cfg, TlsConfig>) {
      const bool insecure = w_.insecure;
      client_.set_tls_init_handler([insecure](websocketpp::connection_hdl) {
        auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
        ctx->set_verify_mode(insecure ? asio::ssl::verify_none : asio::ssl::verify_peer);
        if (!insecure) ctx->set_default_verify_paths();
        return ctx;
      });
    }
    mark_ready();  // connections are the load itself: they open on the schedule
  }

  void on_begin() override {
    const Nanos d = p_.load->duration;
    end_steady_ = d.count() > 0 ? start_.steady_ns + d.count() : INT64_MAX;
    open_due();
    if (end_steady_ != INT64_MAX) {
      end_timer_.expires_at(at(end_steady_));
      end_timer_.async_wait([this](const asio::error_code& ec) {
        if (!ec) wind_down(p_.load->timeout);
      });
    }
  }

  void after_run() override {
    opened = opened_;
    conns_.clear();
  }

  void request_stop() override {
    asio::post(io_, [this] { wind_down(p_.load->interrupt_grace); });
  }

 private:
  static std::chrono::steady_clock::time_point at(int64_t ns) {
    return std::chrono::steady_clock::time_point(Nanos(ns));
  }
  int64_t unix_of(int64_t steady) const { return start_.unix_ns + (steady - start_.steady_ns); }

  // Scheduled connect time of global connection g: the ramp.
  int64_t connect_due(int g) const {
    return start_.steady_ns + p_.connect->due(static_cast<uint64_t>(g)).value_or(Nanos(INT64_MAX / 4)).count();
  }

  // ---- connecting ----

  void open_due() {
    const int64_t now = steady_now_ns();
    while (next_connect_ < conns_.size() && !ending_ && connect_due(global_[next_connect_]) <= now)
      connect(next_connect_++);
    if (next_connect_ < conns_.size() && !ending_) {
      connect_timer_.expires_at(at(connect_due(global_[next_connect_])));
      connect_timer_.async_wait([this](const asio::error_code& ec) {
        if (!ec) open_due();
      });
    }
  }

  void connect(size_t i) {
    Conn& c = conns_[i];
    c.connect_scheduled = connect_due(global_[i]);
    c.connect_started = steady_now_ns();
    websocketpp::lib::error_code ec;
    auto con = client_.get_connection(w_.url, ec);
    if (ec) {
      c.state = kClosed;
      record_handshake(i, 0, "handshake: " + ec.message());
      return;
    }
    for (const auto& [k, v] : w_.headers) con->append_header(k, v);
    if (!w_.subprotocol.empty()) con->add_subprotocol(w_.subprotocol, ec);
    con->set_open_handler([this, i](websocketpp::connection_hdl) { on_open(i); });
    con->set_fail_handler([this, i](websocketpp::connection_hdl h) { on_fail(i, h); });
    con->set_close_handler([this, i](websocketpp::connection_hdl h) { on_close(i, h); });
    con->set_message_handler([this, i](websocketpp::connection_hdl, MessagePtr m) { on_message(i, m); });
    c.hdl = con->get_handle();
    c.state = kConnecting;
    ++opened_;
    if (!p_.sources.empty()) {
      const size_t s = static_cast<size_t>(global_[i] / p_.per_source) % p_.sources.size();
      client_.bind_next = p_.sources[s];
    }
    client_.connect(con);
  }

  void record_handshake(size_t i, uint16_t status, const std::string& error) {
    const Conn& c = conns_[i];
    Result r;
    r.kind = Kind::kWsHandshake;
    r.scheduled_ns = unix_of(c.connect_scheduled);
    r.send_delay_ns = std::max<int64_t>(0, c.connect_started - c.connect_scheduled);
    r.latency_ns = std::max<int64_t>(r.send_delay_ns, steady_now_ns() - c.connect_scheduled);
    r.status = status;
    r.target = p_.label;
    if (!error.empty()) {
      r.error_kind = status ? ErrorKind::kStatus : ErrorKind::kConnect;
      r.error = intern(error);
    }
    record(r);
  }

  void on_open(size_t i) {
    Conn& c = conns_[i];
    c.state = kOpen;
    c.last_message = c.opened_at = steady_now_ns();
    record_handshake(i, 101, "");
    if (ending_) {
      close(i);
      return;
    }
    if (p_.messages) {
      // Spread the connections' phases over their first interval so that they do not send in step.
      const int64_t interval = p_.messages->due(1).value_or(Nanos(0)).count();
      const double phase = std::fmod(static_cast<double>(global_[i]) * 0.6180339887, 1.0);
      c.base = c.opened_at + static_cast<int64_t>(phase * static_cast<double>(interval));
      if (auto due = next_due(i)) schedule(i, *due);
    }
  }

  void on_fail(size_t i, websocketpp::connection_hdl h) {
    Conn& c = conns_[i];
    c.state = kClosed;
    auto con = client_.get_con_from_hdl(h);
    const int code = con->get_response_code();
    std::string why;
    if (code != 0)
      why = "handshake: " + std::to_string(code) + " " + con->get_response_msg();
    else
      why = "connect: " + con->get_ec().message();
    record_handshake(i, static_cast<uint16_t>(code), why);
    maybe_done();
  }

  void on_close(size_t i, websocketpp::connection_hdl h) {
    Conn& c = conns_[i];
    auto con = client_.get_con_from_hdl(h);
    lose_outstanding(i, c.closing ? "lost: no echo before the attack ended" : "lost: the connection closed first");
    // The close record's latency is the connection's lifetime.
    Result r;
    r.kind = Kind::kWsClose;
    const int64_t now = steady_now_ns();
    r.scheduled_ns = unix_of(c.opened_at);
    r.latency_ns = now - c.opened_at;
    r.target = p_.label;
    namespace cs = websocketpp::close::status;
    const auto remote = con->get_remote_close_code(), local = con->get_local_close_code();
    const bool remote_said = remote != cs::blank && remote != cs::abnormal_close && remote != cs::no_status;
    r.status = static_cast<uint16_t>(c.closing || !remote_said ? local : remote);
    if (!c.closing) {
      // Dropped before the attack ended: by the server, or for a protocol or network error.
      std::string why;
      if (con->get_ec()) {
        why = "dropped: " + con->get_ec().message();
      } else if (remote_said) {
        why = "closed by server: " + std::to_string(remote) +
              (con->get_remote_close_reason().empty() ? "" : " " + con->get_remote_close_reason());
      } else if (local != cs::blank && local != cs::abnormal_close) {
        why = "dropped: " + std::to_string(local) + " " + con->get_local_close_reason();
      } else {
        why = "dropped: connection lost (1006)";
      }
      r.error_kind = ErrorKind::kClosed;
      r.error = intern(why);
    }
    record(r);
    c.state = kClosed;
    maybe_done();
  }

  // ---- messages ----

  void schedule(size_t i, int64_t due) {
    if (due >= end_steady_ || ending_) return;
    heap_.emplace(due, i);
    if (!send_armed_ || due < send_at_) arm_send(due);
  }

  // Wakes at `due`, but not sooner than a tick after the last wake-up: at a high message rate
  // one wake-up sends every message due in the last tick (see engine/schedule.h).
  void arm_send(int64_t due) {
    send_at_ = std::max(due, last_wake_ + engine::kPaceTick);
    send_armed_ = true;
    send_timer_.expires_at(at(send_at_));
    send_timer_.async_wait([this](const asio::error_code& ec) {
      if (ec) return;
      send_armed_ = false;
      send_due();
    });
  }

  // When connection i's next message (number c.seq) is due: its base plus the pacer's offset.
  std::optional<int64_t> next_due(size_t i) const {
    auto d = p_.messages->due(conns_[i].seq);
    if (!d) return std::nullopt;
    return conns_[i].base + d->count();
  }

  void send_due() {
    const int64_t now = steady_now_ns();
    last_wake_ = now;
    while (!heap_.empty() && heap_.top().first <= now && !ending_) {
      auto [due, i] = heap_.top();
      heap_.pop();
      if (conns_[i].state != kOpen) continue;
      count_hit(due, now);
      send(i, due);
      if (auto next = next_due(i); next && *next < end_steady_) heap_.emplace(*next, i);
    }
    if (!heap_.empty() && !ending_) arm_send(heap_.top().first);
  }

  void send(size_t i, int64_t due) {
    Conn& c = conns_[i];
    const Header h{c.seq++, unix_of(due)};
    payload_ = p_.payload;
    put_header(payload_, h, w_.binary);
    websocketpp::lib::error_code ec;
    const int64_t sent = steady_now_ns();
    client_.send(c.hdl, payload_, w_.binary ? websocketpp::frame::opcode::binary : websocketpp::frame::opcode::text,
                 ec);
    if (ec) {
      Result r = message_result(i, Sent{h.seq, due, h.scheduled_unix, sent}, sent);
      r.status = kWsFailed;
      r.error_kind = ErrorKind::kIo;
      r.error = intern("send: " + ec.message());
      record(r);
      return;
    }
    if (!w_.push) c.sent.push_back(Sent{h.seq, due, h.scheduled_unix, sent});
    ++in_flight_;
  }

  Result message_result(size_t i, const Sent& s, int64_t end) const {
    Result r;
    r.kind = Kind::kWsMessage;
    r.scheduled_ns = s.scheduled_unix;
    r.send_delay_ns = std::max<int64_t>(0, s.sent_steady - s.scheduled_steady);
    r.latency_ns = std::max<int64_t>(r.send_delay_ns, end - s.scheduled_steady);
    r.bytes_out = p_.payload.size();
    r.target = p_.label;
    (void)i;
    return r;
  }

  void on_message(size_t i, MessagePtr m) {
    Conn& c = conns_[i];
    const int64_t now = steady_now_ns();
    const std::string& payload = m->get_payload();
    Header h;
    const bool ours = get_header(payload, h, m->get_opcode() == websocketpp::frame::opcode::binary);
    if (w_.push) {
      // Pushed messages: latency from the sender's scheduled time when it is one of ours
      // (broadcast), else the gap since this connection's previous message.
      Result r;
      r.kind = Kind::kWsPush;
      r.status = kWsOk;
      r.bytes_in = payload.size();
      r.target = p_.label;
      const int64_t now_unix = unix_of(now);
      if (ours) {
        r.scheduled_ns = h.scheduled_unix;
        r.latency_ns = std::max<int64_t>(0, now_unix - h.scheduled_unix);
      } else {
        r.scheduled_ns = unix_of(c.last_message);
        r.latency_ns = now - c.last_message;
      }
      c.last_message = now;
      record(r);
      if (ours && in_flight_ > 0) --in_flight_;
      return;
    }
    if (!ours) return;  // not an echo of ours: ignore
    while (!c.sent.empty() && c.sent.front().seq < h.seq) {
      Result r = message_result(i, c.sent.front(), now);
      r.status = kWsLost;
      r.error_kind = ErrorKind::kLost;
      r.error = intern("lost: a later message came back first");
      record(r);
      c.sent.pop_front();
      --in_flight_;
    }
    if (c.sent.empty() || c.sent.front().seq != h.seq) return;
    Result r = message_result(i, c.sent.front(), now);
    r.status = kWsOk;
    r.bytes_in = payload.size();
    record(r);
    c.sent.pop_front();
    --in_flight_;
    if (ending_ && in_flight_ == 0) close_all();
  }

  void lose_outstanding(size_t i, const std::string& why) {
    Conn& c = conns_[i];
    if (c.sent.empty()) return;
    const uint32_t error = intern(why);
    const int64_t now = steady_now_ns();
    for (const Sent& s : c.sent) {
      Result r = message_result(i, s, now);
      r.status = kWsLost;
      r.error_kind = ErrorKind::kLost;  // no latency: the echo never came
      r.error = error;
      record(r);
      --in_flight_;
    }
    c.sent.clear();
  }

  // ---- the end ----

  // Stops connecting and sending; waits up to `grace` for echoes, then closes everything.
  void wind_down(Nanos grace) {
    if (ending_) return;
    ending_ = true;
    connect_timer_.cancel();
    send_timer_.cancel();
    while (!heap_.empty()) heap_.pop();
    if (in_flight_ == 0 || w_.push) {
      close_all();
      return;
    }
    end_timer_.expires_after(grace);
    end_timer_.async_wait([this](const asio::error_code& ec) {
      if (!ec) close_all();
    });
  }

  void close(size_t i) {
    Conn& c = conns_[i];
    if (c.state != kOpen || c.closing) return;
    c.closing = true;
    websocketpp::lib::error_code ec;
    client_.close(c.hdl, websocketpp::close::status::normal, "loadgate: attack over", ec);
  }

  void close_all() {
    if (closing_all_) return;
    closing_all_ = true;
    end_timer_.cancel();
    for (size_t i = 0; i < conns_.size(); ++i) {
      if (conns_[i].state == kOpen) close(i);
    }
    maybe_done();
    // Servers that never answer the close: stop anyway after the close timeout.
    end_timer_.expires_after(std::chrono::milliseconds(Cfg::timeout_close_handshake + 500));
    end_timer_.async_wait([this](const asio::error_code& ec) {
      if (!ec) stop_now();
    });
  }

  void maybe_done() {
    if (!closing_all_) {
      // Every connection attempted and closed, with the ramp over: nothing left to do.
      if (next_connect_ < conns_.size()) return;
      for (const Conn& c : conns_)
        if (c.state != kClosed) return;
      wind_down(Nanos(0));
      return;
    }
    for (const Conn& c : conns_)
      if (c.state == kConnecting || c.state == kOpen) return;
    stop_now();
  }

  void stop_now() {
    for (size_t i = 0; i < conns_.size(); ++i)
      if (conns_[i].state == kOpen) lose_outstanding(i, "lost: no echo before the attack ended");
    connect_timer_.cancel();
    send_timer_.cancel();
    end_timer_.cancel();
    stop_loop();
  }

  const WsPlan& p_;
  const WsOptions& w_;
  const int index_;
  Client client_;
  std::vector<int> global_;  // global index of each local connection
  std::vector<Conn> conns_;
  size_t next_connect_ = 0;
  std::priority_queue<std::pair<int64_t, size_t>, std::vector<std::pair<int64_t, size_t>>, std::greater<>> heap_;
  asio::steady_timer connect_timer_, send_timer_, end_timer_;
  std::string payload_;
  int64_t end_steady_ = INT64_MAX;
  int64_t last_wake_ = 0;    // steady ns of the last send wake-up
  int64_t send_at_ = 0;      // steady ns the send timer is armed for
  bool send_armed_ = false;  // the send timer is armed
  uint64_t in_flight_ = 0;
  size_t opened_ = 0;
  bool ending_ = false;
  bool closing_all_ = false;
};

template <class Cfg>
AttackRun run_ws(const WsPlan& plan, const AttackOptions& load, const std::string& rate) {
  return engine::launch(load, "ws", rate, plan.threads, {},
                        [&plan](int index, int, engine::Collector* c) -> std::unique_ptr<engine::WorkerBase> {
                          return std::make_unique<WsWorker<Cfg>>(plan, index, c);
                        });
}

}  // namespace

AttackRun attack_ws(const WsOptions& w, const AttackOptions& load) {
  auto url = parse_url(w.url);
  if (!url || (url->scheme != "ws" && url->scheme != "wss"))
    throw InputError("", 0, "-addr", "\"" + w.url + "\" is not a ws:// or wss:// URL");
  if (w.connections <= 0) throw InputError("", 0, "-connections", "must be at least 1");
  if (w.connect_rate <= 0 && !w.connect_pacer) throw InputError("", 0, "-connect-rate", "must be positive");
  if (w.rate_per_conn < 0) throw InputError("", 0, "-rate-per-conn", "must not be negative");
  if (w.message_size < kWsHeaderBytes && w.payload.empty())
    throw InputError("", 0, "-message-size",
                     "must be at least " + std::to_string(kWsHeaderBytes) + " bytes (the header)");
  if (load.duration.count() <= 0 && !load.stop)
    throw InputError("", 0, "-duration", "a WebSocket attack needs a duration");
  const int shards = std::max(1, load.shards);
  const int mine = w.connections / shards + (load.shard < w.connections % shards ? 1 : 0);  // this shard's
  if (mine <= 0) throw InputError("", 0, "-shard", "shard " + std::to_string(load.shard) + "/" + std::to_string(shards) +
                                                       " has no connection of " + std::to_string(w.connections));
  const uint64_t fds = raise_fd_limit();
  if (fds < static_cast<uint64_t>(mine) + 64)
    throw InputError("", 0, "-connections",
                     std::to_string(w.connections) + " connections need more open files than the limit (" +
                         std::to_string(fds) + "); raise `ulimit -n`");

  WsPlan plan;
  plan.w = &w;
  plan.load = &load;
  plan.threads = thread_count(load);
  plan.threads = std::min(plan.threads, mine);
  plan.payload = w.payload.empty() ? std::string(static_cast<size_t>(w.message_size), 'x') : w.payload;
  if (plan.payload.size() < static_cast<size_t>(kWsHeaderBytes)) plan.payload.resize(kWsHeaderBytes, 'x');
  plan.label = intern(w.url);
  for (const std::string& s : w.sources) {
    asio::error_code ec;
    auto a = asio::ip::make_address(s, ec);
    if (ec) throw InputError("", 0, "-source", "\"" + s + "\" is not an IP address");
    plan.sources.push_back(a);
  }
  // One loopback address has about 28,000 ephemeral ports: past 16,000 connections to a
  // loopback target, spread them over 127.0.0.2, 127.0.0.3, ...
  asio::error_code ec;
  const auto dst = asio::ip::make_address(url->host == "localhost" ? "127.0.0.1" : url->host, ec);
  plan.per_source = 16000;
  if (plan.sources.empty() && !ec && dst.is_loopback() && dst.is_v4() && w.connections > plan.per_source)
    for (int k = 0; k * plan.per_source < w.connections; ++k)
      plan.sources.push_back(asio::ip::make_address_v4(0x7F000002u + static_cast<uint32_t>(k)));
  if (!plan.sources.empty() && w.sources.size() > 0)
    plan.per_source =
        (w.connections + static_cast<int>(plan.sources.size()) - 1) / static_cast<int>(plan.sources.size());

  plan.connect = w.connect_pacer ? w.connect_pacer : std::shared_ptr<const Pacer>(constant_pacer(w.connect_rate));
  if (w.message_pacer)
    plan.messages = w.message_pacer;
  else if (w.rate_per_conn > 0)
    plan.messages = constant_pacer(w.rate_per_conn);
  const std::string rate = std::to_string(w.connections) + " conns @" + plan.connect->describe() + ", " +
                           (plan.messages ? plan.messages->describe() : std::string("idle")) + " each";
  if (url->tls()) return run_ws<TlsConfig>(plan, load, rate);
  return run_ws<PlainConfig>(plan, load, rate);
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
