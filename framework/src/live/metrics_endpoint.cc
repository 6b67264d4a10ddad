// metrics_endpoint.cc: an Asio loop on one thread: an acceptor, a list of connections in the
// order they came, and a sweep every 100 ms that closes the ones past their deadline.
#include "metrics_endpoint.h"

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <list>
#include <stdexcept>
#include <thread>

#include "scrape_request.h"

namespace loadgate {
namespace {

using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kSweep{100};

// One client connection: reading a head, or writing an answer.
struct Connection {
  explicit Connection(asio::io_context& io) : socket(io) {}
  tcp::socket socket;
  std::string in;                 // bytes read and not yet a whole request
  std::string out;                // the answer being written
  bool writing = false;
  bool closed = false;
  Clock::time_point deadline;     // closed by the sweep past it
  std::list<std::shared_ptr<Connection>>::iterator place;  // in Impl::connections
  char buffer[4096];
};

// "host:port" → an endpoint; throws std::runtime_error.
tcp::endpoint endpoint_of(asio::io_context& io, const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("want host:port");
  std::string host = listen.substr(0, colon);
  const std::string port = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  unsigned long p = 0;
  try {
    size_t used = 0;
    p = std::stoul(port, &used);
    if (used != port.size() || p > 65535) throw std::invalid_argument(port);
  } catch (const std::exception&) {
    throw std::runtime_error("\"" + port + "\" is not a port");
  }
  asio::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (!ec) return {address, static_cast<uint16_t>(p)};
  tcp::resolver resolver(io);
  const auto found = resolver.resolve(host, port, ec);
  if (ec || found.empty()) throw std::runtime_error("cannot resolve \"" + host + "\": " + ec.message());
  return found.begin()->endpoint();
}

}  // namespace

struct MetricsEndpoint::Impl {
  Impl(const std::string& listen, std::function<std::string()> s, Limits l)
      : scrape(std::move(s)), limits(l), acceptor(io), sweeper(io), accept_retry(io) {
    const tcp::endpoint at = endpoint_of(io, listen);
    asio::error_code ec;
    acceptor.open(at.protocol(), ec);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor.bind(at, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error(ec.message());
    port = acceptor.local_endpoint().port();
    accept();
    sweep();
    thread = std::thread([this] { io.run(); });
  }

  ~Impl() {
    io.stop();
    if (thread.joinable()) thread.join();
    for (auto& c : connections) c->socket.close();
    connections.clear();
    acceptor.close();
  }

  void accept() {
    acceptor.async_accept([this](const asio::error_code& ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (ec) {  // out of descriptors, say: try again shortly rather than spin
        accept_retry.expires_after(std::chrono::milliseconds(50));
        accept_retry.async_wait([this](const asio::error_code& e) {
          if (!e) accept();
        });
        return;
      }
      if (connections.size() >= limits.connections) make_room();
      auto c = std::make_shared<Connection>(io);
      c->socket = std::move(socket);
      c->deadline = Clock::now() + limits.request_timeout;
      c->place = connections.insert(connections.end(), c);
      read(c);
      accept();
    });
  }

  // Closes the oldest connection still sending its request (a scraper being answered keeps its
  // answer); the oldest of all when every one is being answered.
  void make_room() {
    for (auto& c : connections)
      if (!c->writing) return close(c);
    close(connections.front());
  }

  void close(std::shared_ptr<Connection> c) {
    if (c->closed) return;
    c->closed = true;
    asio::error_code ignored;
    c->socket.shutdown(tcp::socket::shutdown_both, ignored);
    c->socket.close(ignored);
    connections.erase(c->place);
  }

  void read(std::shared_ptr<Connection> c) {
    c->socket.async_read_some(asio::buffer(c->buffer), [this, c](const asio::error_code& ec, size_t n) {
      if (c->closed) return;
      if (ec) return close(c);
      c->in.append(c->buffer, n);
      serve(c);
    });
  }

  // Answers the request at the start of c->in, if it is whole; reads more if not.
  void serve(std::shared_ptr<Connection> c) {
    const ScrapeRequest r = parse_scrape_request(c->in);
    if (r.state == ScrapeRequest::State::kIncomplete) return read(c);
    const bool wanted = r.state == ScrapeRequest::State::kComplete && r.path == "/metrics" &&
                        (r.method == "GET" || r.method == "HEAD");
    c->out = scrape_response(r, wanted ? scrape() : std::string());
    const bool again = r.state == ScrapeRequest::State::kComplete && r.keep_alive;
    c->in.erase(0, r.state == ScrapeRequest::State::kComplete ? r.size : c->in.size());
    c->writing = true;
    c->deadline = Clock::now() + limits.write_timeout;
    asio::async_write(c->socket, asio::buffer(c->out), [this, c, again](const asio::error_code& ec, size_t) {
      if (c->closed) return;
      c->writing = false;
      if (ec || !again) return close(c);
      c->out.clear();
      c->deadline = Clock::now() + limits.request_timeout;
      if (c->in.empty()) return read(c);
      serve(c);  // a pipelined request is already here
    });
  }

  void sweep() {
    sweeper.expires_after(kSweep);
    sweeper.async_wait([this](const asio::error_code& ec) {
      if (ec) return;
      const auto now = Clock::now();
      for (auto it = connections.begin(); it != connections.end();) {
        auto c = *it++;
        if (now > c->deadline) close(c);
      }
      sweep();
    });
  }

  std::function<std::string()> scrape;
  Limits limits;
  asio::io_context io;
  tcp::acceptor acceptor;
  asio::steady_timer sweeper;
  asio::steady_timer accept_retry;
  std::list<std::shared_ptr<Connection>> connections;  // oldest first
  uint16_t port = 0;
  std::thread thread;
};

MetricsEndpoint::MetricsEndpoint(const std::string& listen, std::function<std::string()> scrape, Limits limits)
    : impl_(std::make_unique<Impl>(listen, std::move(scrape), limits)) {}

MetricsEndpoint::~MetricsEndpoint() = default;

uint16_t MetricsEndpoint::port() const { return impl_->port; }

}  // namespace loadgate
