// ws_service.cc: echo, broadcast and fault-injection endpoints, on Asio and loadgate's frame
// codec (ws_frame.h, ws_handshake.h).
//
// Each thread runs its own io_context and owns the connections accepted onto it: a read parses
// every frame it brought, in place, and the echoes of that read go back in one send() straight
// from the connection's buffer (through Asio only when the socket is full). Nothing is locked
// per message; rooms (/broadcast) and the capacity queue (/echo?capacity) take a mutex.
#include "loadgate/services/ws_service.h"

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "loadgate/ws_deflate.h"
#include "loadgate/ws_frame.h"
#include "loadgate/ws_handshake.h"

namespace loadgate::services {
namespace {

using asio::ip::tcp;

// The largest message the server takes.
constexpr uint64_t kMaxMessage = 16 << 20;
constexpr size_t kReadBuffer = 4096;
// How long a close of ours waits for the client's answer before the socket closes anyway.
constexpr auto kCloseWait = std::chrono::seconds(2);

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// "a=1&b=x" -> value of `key`, or "".
std::string query_value(const std::string& resource, const std::string& key) {
  const auto q = resource.find('?');
  if (q == std::string::npos) return "";
  const std::string query = resource.substr(q + 1);
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string::npos) amp = query.size();
    const std::string pair = query.substr(pos, amp - pos);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == key) return eq == std::string::npos ? "" : pair.substr(eq + 1);
    pos = amp + 1;
  }
  return "";
}

std::string path_of(const std::string& resource) { return resource.substr(0, resource.find('?')); }

}  // namespace

class WsConn;

// What the connections of every thread share.
struct WsShared {
  std::mutex mu;  // rooms and the capacity queue
  std::map<std::string, std::set<std::shared_ptr<WsConn>>> rooms;
  int64_t next_free_ns = 0;  // /echo?capacity: when the queue is next free (steady ns)
  std::atomic<uint64_t> drop_counter{0};
  std::atomic<size_t> open{0};
  bool deflate = false;  // accept permessage-deflate offers (WsServiceOptions::deflate)

  // The wait (ns) of the next message through a queue served at `capacity` per second: each
  // message takes 1/capacity of the server's time, in arrival order.
  int64_t queue_ns(double capacity) {
    std::lock_guard lock(mu);
    const int64_t now = steady_ns();
    const int64_t start = std::max(now, next_free_ns);
    next_free_ns = start + static_cast<int64_t>(1e9 / capacity);
    return start - now;
  }
};

// One connection: the handshake, then frames. Lives as long as a handler or a room holds it.
class WsConn : public std::enable_shared_from_this<WsConn> {
 public:
  WsConn(asio::io_context& io, WsShared& shared) : io_(io), sock_(io), timer_(io), shared_(shared), in_(kReadBuffer) {}

  tcp::socket& socket() { return sock_; }
  asio::io_context& io() { return io_; }

  void start() {
    asio::error_code ignored;
    sock_.set_option(tcp::no_delay(true), ignored);
    sock_.non_blocking(true, ignored);
    ++shared_.open;
    counted_ = true;
    read();
  }

  // Sends a message (from a broadcast); on this connection's thread.
  void deliver(ws::Opcode op, const std::string& payload) {
    if (!open_) return;
    append_message(op, payload);
    flush();
  }

  // Closes with 1001 (the server is stopping); on this connection's thread.
  void going_away() { start_close(ws::kCloseGoingAway, "server stopping"); }

 private:
  void read() {
    if (in_.size() - have_ < 512) in_.resize(in_.size() * 2);
    sock_.async_read_some(asio::buffer(in_.data() + have_, in_.size() - have_),
                          [self = shared_from_this()](const asio::error_code& ec, size_t n) { self->on_read(ec, n); });
  }

  void on_read(const asio::error_code& ec, size_t n) {
    if (done_) return;
    have_ += n;
    if (!open_ && have_ > 0 && !handshake()) return;
    if (open_ && have_ > 0) frames();
    if (done_) return;
    if (ec) {
      end();
      return;
    }
    read();
  }

  bool handshake() {
    size_t used = 0;
    const ws::ParseState s = request_.feed(in_.data(), have_, used);
    if (s == ws::ParseState::kMore) {
      have_ = 0;
      return true;
    }
    if (s == ws::ParseState::kError) return refuse(400, "Bad Request");
    if (const int status = request_.refusal()) return refuse(status, status == 426 ? "Upgrade Required" : "Bad Request");
    resource_ = request_.resource();
    path_ = path_of(resource_);
    if (path_ != "/echo" && path_ != "/broadcast" && path_ != "/drop" && path_ != "/malformed")
      return refuse(path_ == "/forbidden" ? 403 : 404, path_ == "/forbidden" ? "Forbidden" : "Not Found");
    std::memmove(in_.data(), in_.data() + used, have_ - used);
    have_ -= used;
    out_ = ws::accept_response(request_.key(), {}, shared_.deflate ? negotiate_deflate() : "");
    open_ = true;
    on_open();
    flush();
    return true;
  }

  // Accepts the client's permessage-deflate offer, if any: the Sec-WebSocket-Extensions answer
  // ("" = none; an offer that does not parse is declined, RFC 7692 5).
  std::string negotiate_deflate() {
    std::string error;
    const auto offer = ws::parse_deflate(request_.header("sec-websocket-extensions"), false, error);
    if (!offer) return "";
    std::string answer = ws::deflate_answer(*offer);
    if (answer.empty()) return "";
    deflater_ = std::make_unique<ws::Deflater>(offer->window_bits(true), offer->no_takeover(true));
    inflater_ = std::make_unique<ws::Inflater>();
    reader_.inflate_with(inflater_.get());
    return answer;
  }

  // Appends a data message: compressed when permessage-deflate was negotiated.
  void append_message(ws::Opcode op, std::string_view payload) {
    if (!deflater_) {
      ws::append_frame(out_, op, payload);
      return;
    }
    deflater_->compress(payload, compressed_);
    ws::append_frame(out_, op, compressed_, true, false, 0, true);
  }

  bool refuse(int status, const char* reason) {
    out_ = ws::refuse_response(status, reason);
    close_after_write_ = true;
    flush();
    return false;
  }

  void on_open() {
    capacity_ = std::atof(query_value(resource_, "capacity").c_str());
    if (path_ == "/broadcast") {
      room_ = query_value(resource_, "room");
      std::lock_guard lock(shared_.mu);
      shared_.rooms[room_].insert(shared_from_this());
    } else if (path_ == "/drop") {
      const long every = std::max(1L, std::atol(query_value(resource_, "every").c_str()));
      const long after = std::atol(query_value(resource_, "after").c_str());
      if (static_cast<long>(shared_.drop_counter++ % static_cast<uint64_t>(every)) == 0) {
        timer_.expires_after(std::chrono::milliseconds(after));
        timer_.async_wait([self = shared_from_this()](const asio::error_code& e) {
          if (!e) self->start_close(ws::kCloseGoingAway, "dropped by the server");
        });
      }
    } else if (path_ == "/malformed") {
      // A frame header with reserved bits and opcode 0xF set: a protocol error for any client.
      out_.append("\xFF\x7F" "bad", 5);
    }
  }

  void frames() {
    const size_t used = reader_.consume(in_.data(), have_, [this](const ws::Event& e) { on_event(e); });
    std::memmove(in_.data(), in_.data() + used, have_ - used);
    have_ -= used;
    if (reader_.failed()) {
      append_close(reader_.failed(), reader_.error());
      close_after_write_ = true;
    } else if (reader_.frame_size() > in_.size()) {
      in_.resize(reader_.frame_size());
    }
    flush();  // every answer of this read in one write
  }

  void on_event(const ws::Event& e) {
    switch (e.type) {
      case ws::Event::kMessage:
        on_message(e.opcode, e.payload);
        return;
      case ws::Event::kPing:
        ws::append_frame(out_, ws::Opcode::kPong, e.payload);
        return;
      case ws::Event::kPong:
        return;
      case ws::Event::kClose:
        // The client's close: answer it (unless it answers ours), then close the socket: the
        // server closes the TCP connection first (RFC 6455 7.1.1).
        if (!closing_) append_close(e.code == ws::kCloseNoStatus ? 0 : e.code, "");
        close_after_write_ = true;
        return;
    }
  }

  void on_message(ws::Opcode op, std::string_view payload) {
    if (closing_) return;
    if (path_ == "/broadcast") {
      broadcast(op, std::string(payload));
      return;
    }
    const int64_t wait = capacity_ > 0 ? shared_.queue_ns(capacity_) : 0;
    if (wait <= 0 && queued_.empty()) {
      append_message(op, payload);
      return;
    }
    // /echo?capacity: held until its turn in the server's queue.
    queued_.push_back(Queued{steady_ns() + wait, op, std::string(payload)});
    if (queued_.size() == 1) arm_queue();
  }

  struct Queued {
    int64_t at_ns;
    ws::Opcode op;
    std::string payload;
  };

  void arm_queue() {
    timer_.expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(queued_.front().at_ns)));
    timer_.async_wait([self = shared_from_this()](const asio::error_code& e) {
      if (e || self->done_) return;
      const int64_t now = steady_ns();
      while (!self->queued_.empty() && self->queued_.front().at_ns <= now) {
        if (!self->closing_) self->append_message(self->queued_.front().op, self->queued_.front().payload);
        self->queued_.pop_front();
      }
      self->flush();
      if (!self->queued_.empty()) self->arm_queue();
    });
  }

  void broadcast(ws::Opcode op, const std::string& payload) {
    std::vector<std::shared_ptr<WsConn>> members;
    {
      std::lock_guard lock(shared_.mu);
      auto it = shared_.rooms.find(room_);
      if (it != shared_.rooms.end()) members.assign(it->second.begin(), it->second.end());
    }
    for (const auto& m : members) {
      if (m.get() == this) {
        append_message(op, payload);
      } else if (&m->io() == &io_) {
        m->deliver(op, payload);
      } else {
        asio::post(m->io(), [m, op, payload] { m->deliver(op, payload); });
      }
    }
  }

  void append_close(uint16_t code, std::string_view reason) {
    ws::append_frame(out_, ws::Opcode::kClose, ws::close_payload(code, reason));
  }

  // A close of ours: the frame, then the client's answer (or kCloseWait) before the socket.
  void start_close(uint16_t code, std::string_view reason) {
    if (!open_ || closing_ || done_) return;
    closing_ = true;
    queued_.clear();
    append_close(code, reason);
    flush();
    timer_.expires_after(kCloseWait);
    timer_.async_wait([self = shared_from_this()](const asio::error_code& e) {
      if (!e) self->end();
    });
  }

  void flush() {
    if (writing_ || done_) return;
    if (out_.empty()) {
      if (close_after_write_) end();
      return;
    }
    asio::error_code ec;
    const size_t n = sock_.write_some(asio::buffer(out_), ec);
    if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
      end();
      return;
    }
    out_.erase(0, n);
    if (out_.empty()) {
      if (close_after_write_) end();
      return;
    }
    writing_ = true;
    out_.swap(writing_buf_);
    asio::async_write(sock_, asio::buffer(writing_buf_), [self = shared_from_this()](const asio::error_code& e, size_t) {
      self->writing_ = false;
      self->writing_buf_.clear();
      if (e) {
        self->end();
        return;
      }
      self->flush();
    });
  }

  void end() {
    if (done_) return;
    done_ = true;
    open_ = false;
    asio::error_code ignored;
    timer_.cancel(ignored);
    sock_.shutdown(tcp::socket::shutdown_both, ignored);
    sock_.close(ignored);
    if (counted_) --shared_.open;
    if (!room_.empty() || path_ == "/broadcast") {
      std::lock_guard lock(shared_.mu);
      auto it = shared_.rooms.find(room_);
      if (it != shared_.rooms.end()) it->second.erase(shared_from_this());
    }
  }

  asio::io_context& io_;
  tcp::socket sock_;
  asio::steady_timer timer_;  // a drop, the capacity queue, or the wait for a close's answer
  WsShared& shared_;
  ws::RequestReader request_;
  ws::MessageReader reader_{ws::Role::kServer, kMaxMessage};
  std::unique_ptr<ws::Deflater> deflater_;  // permessage-deflate, when negotiated
  std::unique_ptr<ws::Inflater> inflater_;
  std::string compressed_;                  // the last message compressed
  std::vector<char> in_;  // bytes read, [0, have_) not yet parsed
  size_t have_ = 0;
  std::string out_, writing_buf_;
  std::deque<Queued> queued_;
  std::string resource_, path_, room_;
  double capacity_ = 0;
  bool open_ = false, closing_ = false, done_ = false, writing_ = false, close_after_write_ = false, counted_ = false;
};

struct WsService::Impl {
  WsServiceOptions o;
  WsShared shared;
  std::vector<std::unique_ptr<asio::io_context>> loops;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::mutex conns_mu;  // all connections, for stop()
  std::vector<std::weak_ptr<WsConn>> conns;
  size_t next_loop = 0;
  int port = 0;
  bool running = false;

  void accept() {
    asio::io_context& io = *loops[next_loop++ % loops.size()];
    auto conn = std::make_shared<WsConn>(io, shared);
    acceptor->async_accept(conn->socket(), [this, conn](const asio::error_code& ec) {
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
      if (!ec) {
        {
          std::lock_guard lock(conns_mu);
          conns.erase(std::remove_if(conns.begin(), conns.end(), [](const std::weak_ptr<WsConn>& w) { return w.expired(); }),
                      conns.end());
          conns.push_back(conn);
        }
        asio::post(conn->io(), [conn] { conn->start(); });
      }
      accept();
    });
  }
};

WsService::WsService(WsServiceOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->o = std::move(options);
  impl_->shared.deflate = impl_->o.deflate;
}

WsService::~WsService() { stop(); }

int WsService::start() {
  Impl& s = *impl_;
  for (int i = 0; i < std::max(1, s.o.threads); ++i) s.loops.push_back(std::make_unique<asio::io_context>(1));
  s.acceptor = std::make_unique<tcp::acceptor>(*s.loops[0]);
  asio::error_code ec;
  const tcp::endpoint at(asio::ip::make_address(s.o.host, ec), static_cast<uint16_t>(s.o.port));
  if (!ec) s.acceptor->open(at.protocol(), ec);
  if (!ec) s.acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) s.acceptor->bind(at, ec);
  if (!ec) s.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    throw std::runtime_error("ws service: cannot bind " + s.o.host + ":" + std::to_string(s.o.port) + ": " +
                             ec.message());
  s.port = s.acceptor->local_endpoint().port();
  s.running = true;
  s.accept();
  for (auto& loop : s.loops)
    s.threads.emplace_back([io = loop.get()] {
      auto guard = asio::make_work_guard(*io);
      io->run();
    });
  return s.port;
}

void WsService::stop() {
  if (!impl_ || !impl_->running) return;
  Impl& s = *impl_;
  s.running = false;
  // On the acceptor's own loop (closing it from this thread would race an accept in progress).
  std::promise<void> stopped;
  asio::post(*s.loops[0], [&s, &stopped] {
    asio::error_code ignored;
    s.acceptor->close(ignored);
    stopped.set_value();
  });
  stopped.get_future().wait_for(std::chrono::seconds(2));
  std::vector<std::shared_ptr<WsConn>> open;
  {
    std::lock_guard lock(s.conns_mu);
    for (auto& w : s.conns)
      if (auto c = w.lock()) open.push_back(c);
  }
  for (auto& c : open) asio::post(c->io(), [c] { c->going_away(); });
  open.clear();
  // Give closing handshakes a moment, then stop the loops regardless.
  for (int i = 0; i < 100 && s.shared.open.load() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  for (auto& loop : s.loops) loop->stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
  {
    std::lock_guard lock(s.shared.mu);
    s.shared.rooms.clear();
  }
}

std::string WsService::url() const { return "ws://" + impl_->o.host + ":" + std::to_string(impl_->port); }

size_t WsService::connections() const { return impl_->shared.open.load(); }

}  // namespace loadgate::services
