// ws_service.cc: echo, broadcast and fault-injection endpoints on websocketpp.
#include "loadgate/services/ws_service.h"

#include <asio/post.hpp>
#include <asio/write.hpp>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <future>
#include <thread>
#include <vector>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

namespace loadgate::services {
namespace {

// Quiet, small-buffered server configuration.
struct ServerConfig : public websocketpp::config::asio {
  static const websocketpp::log::level elog_level = websocketpp::log::elevel::none;
  static const websocketpp::log::level alog_level = websocketpp::log::alevel::none;
  static const size_t connection_read_buffer_size = 4096;
};

using Server = websocketpp::server<ServerConfig>;
using Hdl = websocketpp::connection_hdl;

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

struct WsService::Impl {
  WsServiceOptions o;
  Server server;
  std::vector<std::thread> threads;
  int port = 0;
  std::mutex mu;  // rooms and counters
  std::map<std::string, std::set<Hdl, std::owner_less<Hdl>>> rooms;
  std::set<Hdl, std::owner_less<Hdl>> open;
  std::atomic<uint64_t> drop_counter{0};
  bool running = false;
  int64_t next_free_ns = 0;  // /echo?capacity: when the queue is next free (steady ns)

  size_t connections_open() {
    std::lock_guard lock(mu);
    return open.size();
  }

  void setup() {
    server.init_asio();
    server.set_reuse_addr(true);
    server.set_validate_handler([this](Hdl h) {
      auto con = server.get_con_from_hdl(h);
      const std::string path = path_of(con->get_resource());
      if (path == "/echo" || path == "/broadcast" || path == "/drop" || path == "/malformed") return true;
      con->set_status(path == "/forbidden" ? websocketpp::http::status_code::forbidden
                                           : websocketpp::http::status_code::not_found);
      return false;
    });
    server.set_open_handler([this](Hdl h) { on_open(h); });
    server.set_close_handler([this](Hdl h) { forget(h); });
    server.set_fail_handler([this](Hdl h) { forget(h); });
    server.set_message_handler([this](Hdl h, Server::message_ptr msg) { on_message(h, msg); });
  }

  void on_open(Hdl h) {
    auto con = server.get_con_from_hdl(h);
    const std::string resource = con->get_resource();
    const std::string path = path_of(resource);
    {
      std::lock_guard lock(mu);
      open.insert(h);
      if (path == "/broadcast") rooms[query_value(resource, "room")].insert(h);
    }
    if (path == "/drop") {
      const long every = std::max(1L, std::atol(query_value(resource, "every").c_str()));
      const long after = std::atol(query_value(resource, "after").c_str());
      if (static_cast<long>(drop_counter++ % static_cast<uint64_t>(every)) == 0) {
        con->set_timer(after, [this, h](const websocketpp::lib::error_code& ec) {
          if (ec) return;
          websocketpp::lib::error_code ignored;
          server.close(h, websocketpp::close::status::going_away, "dropped by the server", ignored);
        });
      }
    } else if (path == "/malformed") {
      // A frame header with reserved bits and opcode 0xF set: a protocol error for any client.
      static const char garbage[] = {'\xFF', '\x7F', 'b', 'a', 'd'};
      asio::error_code ignored;
      asio::write(con->get_raw_socket(), asio::buffer(garbage, sizeof garbage), ignored);
    }
  }

  // The wait (ms, rounded up) of the next message through a queue served at `capacity` per
  // second: each message takes 1/capacity of the server's time, in arrival order.
  long queue_ms(double capacity) {
    std::lock_guard lock(mu);
    const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::steady_clock::now().time_since_epoch()).count();
    const int64_t start = std::max(now, next_free_ns);
    next_free_ns = start + static_cast<int64_t>(1e9 / capacity);
    return static_cast<long>((start - now + 999'999) / 1'000'000);
  }

  void forget(Hdl h) {
    std::lock_guard lock(mu);
    open.erase(h);
    for (auto& [name, members] : rooms) members.erase(h);
  }

  void on_message(Hdl h, Server::message_ptr msg) {
    auto con = server.get_con_from_hdl(h);
    websocketpp::lib::error_code ec;
    if (path_of(con->get_resource()) != "/broadcast") {
      // /echo?capacity=N: the server echoes at most N messages per second in all, queueing the
      // rest (a service of known capacity for breakpoint searches).
      const double capacity = std::atof(query_value(con->get_resource(), "capacity").c_str());
      const long wait_ms = capacity > 0 ? queue_ms(capacity) : 0;
      if (wait_ms <= 0) {
        server.send(h, msg->get_payload(), msg->get_opcode(), ec);
        return;
      }
      con->set_timer(wait_ms, [this, h, payload = msg->get_payload(), op = msg->get_opcode()](
                                  const websocketpp::lib::error_code& e) {
        if (e) return;
        websocketpp::lib::error_code ignored;
        server.send(h, payload, op, ignored);
      });
      return;
    }
    std::vector<Hdl> members;
    {
      std::lock_guard lock(mu);
      auto it = rooms.find(query_value(con->get_resource(), "room"));
      if (it != rooms.end()) members.assign(it->second.begin(), it->second.end());
    }
    for (const Hdl& m : members) server.send(m, msg->get_payload(), msg->get_opcode(), ec);
  }
};

WsService::WsService(WsServiceOptions options) : impl_(std::make_unique<Impl>()) { impl_->o = std::move(options); }

WsService::~WsService() { stop(); }

int WsService::start() {
  Impl& s = *impl_;
  s.setup();
  websocketpp::lib::error_code ec;
  s.server.listen(asio::ip::tcp::endpoint(asio::ip::make_address(s.o.host), static_cast<uint16_t>(s.o.port)), ec);
  if (ec)
    throw std::runtime_error("ws service: cannot bind " + s.o.host + ":" + std::to_string(s.o.port) + ": " +
                             ec.message());
  s.server.start_accept(ec);
  if (ec) throw std::runtime_error("ws service: cannot accept: " + ec.message());
  asio::error_code aec;
  s.port = s.server.get_local_endpoint(aec).port();
  s.running = true;
  for (int i = 0; i < std::max(1, s.o.threads); ++i) s.threads.emplace_back([&s] { s.server.run(); });
  return s.port;
}

void WsService::stop() {
  if (!impl_ || !impl_->running) return;
  Impl& s = *impl_;
  s.running = false;
  // On the server's own loop: the acceptor and the connections are its (closing them from this
  // thread raced with an accept in progress: ThreadSanitizer saw it).
  auto closed = std::make_shared<std::promise<void>>();
  asio::post(s.server.get_io_service(), [&s, closed] {
    websocketpp::lib::error_code ec;
    s.server.stop_listening(ec);
    std::vector<Hdl> open;
    {
      std::lock_guard lock(s.mu);
      open.assign(s.open.begin(), s.open.end());
    }
    for (const Hdl& h : open) s.server.close(h, websocketpp::close::status::going_away, "server stopping", ec);
    closed->set_value();
  });
  closed->get_future().wait_for(std::chrono::seconds(2));
  // Give closing handshakes a moment, then stop the loop regardless.
  for (int i = 0; i < 100 && s.connections_open() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  s.server.stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
}

std::string WsService::url() const { return "ws://" + impl_->o.host + ":" + std::to_string(impl_->port); }

size_t WsService::connections() const {
  std::lock_guard lock(impl_->mu);
  return impl_->open.size();
}

}  // namespace loadgate::services
