// live_endpoint.cc: an Asio loop on one thread: an acceptor, a list of connections in the
// order they came, and a sweep every 100 ms that closes the ones past their deadline. A stream
// is a connection that, once its request is read, only writes: what is published while a write
// is under way waits in its backlog, written next in one piece.
#include "live_endpoint.h"

#include <pthread.h>
#include <sched.h>

#include <asio/post.hpp>
#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
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
  std::string out;                // the answer (or the events) being written
  std::string backlog;            // a stream's events published while `out` was being written
  bool writing = false;
  bool stream = false;            // an event stream: writes until it is closed
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

struct LiveEndpoint::Impl {
  Impl(const std::string& listen, Routes r, Limits l)
      : routes(std::move(r)), limits(l), acceptor(io), sweeper(io), accept_retry(io) {
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
      if (!c->writing && !c->stream) return close(c);
    close(connections.front());
  }

  void close(std::shared_ptr<Connection> c) {
    if (c->closed) return;
    c->closed = true;
    if (c->stream) streams.fetch_sub(1);
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
    const bool complete = r.state == ScrapeRequest::State::kComplete;
    if (complete && r.method == "GET" && !routes.events.empty() && r.path == routes.events) return open_stream(c);
    std::optional<Page> page;
    if (complete && routes.page) page = routes.page(r);  // a method it does not serve is then a 405
    c->out = scrape_response(r, page ? &*page : nullptr);
    const bool again = complete && r.keep_alive;
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

  // Turns `c` into an event stream: the head, the greeting, then whatever is published.
  void open_stream(std::shared_ptr<Connection> c) {
    c->stream = true;
    streams.fetch_add(1);
    c->in.clear();
    c->out =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
        "X-Accel-Buffering: no\r\nConnection: close\r\n\r\n";
    if (routes.greeting) c->out += routes.greeting();
    write_stream(c);
    // Nothing more is read from a stream but its closing: a read that ends tells us it went.
    c->socket.async_read_some(asio::buffer(c->buffer), [this, c](const asio::error_code&, size_t) {
      if (!c->closed) close(c);
    });
  }

  void write_stream(std::shared_ptr<Connection> c) {
    c->writing = true;
    c->deadline = Clock::now() + limits.write_timeout;
    asio::async_write(c->socket, asio::buffer(c->out), [this, c](const asio::error_code& ec, size_t) {
      if (c->closed) return;
      if (ec) return close(c);
      c->out.clear();
      if (!c->backlog.empty()) {
        c->out.swap(c->backlog);
        return write_stream(c);
      }
      c->writing = false;
      c->deadline = Clock::time_point::max();
      notify_flushed();
    });
  }

  void publish(const std::string& event) {
    for (auto it = connections.begin(); it != connections.end();) {
      auto c = *it++;
      if (!c->stream) continue;
      if (!c->writing) {
        c->out = event;
        write_stream(c);
      } else if (c->backlog.size() + event.size() > limits.stream_backlog) {
        close(c);  // a reader this far behind is dropped, never waited for
      } else {
        c->backlog += event;
      }
    }
  }

  // Calls `tick` at the next multiple of `period` after the timer's expiry, and so on.
  void schedule(asio::steady_timer& timer, std::chrono::milliseconds period, std::shared_ptr<std::function<void()>> tick) {
    timer.expires_at(timer.expiry() + period);
    timer.async_wait([this, &timer, period, tick](const asio::error_code& ec) {
      if (ec) return;
      (*tick)();
      schedule(timer, period, tick);
    });
  }

  // Whether every stream has written everything (on the loop's thread).
  bool all_written() const {
    for (const auto& c : connections)
      if (c->stream && c->writing) return false;
    return true;
  }

  void notify_flushed() {
    std::lock_guard lock(flush_mu);
    flush_cv.notify_all();
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
      notify_flushed();
      sweep();
    });
  }

  Routes routes;
  Limits limits;
  std::atomic<size_t> streams{0};
  std::mutex flush_mu;
  std::condition_variable flush_cv;
  asio::io_context io;
  tcp::acceptor acceptor;
  asio::steady_timer sweeper;
  asio::steady_timer accept_retry;
  std::list<asio::steady_timer> tickers;  // every()'s: after `io`, destroyed before it
  std::list<std::shared_ptr<Connection>> connections;  // oldest first
  uint16_t port = 0;
  std::thread thread;
};

LiveEndpoint::LiveEndpoint(const std::string& listen, Routes routes, Limits limits)
    : impl_(std::make_unique<Impl>(listen, std::move(routes), limits)) {}

LiveEndpoint::~LiveEndpoint() = default;

uint16_t LiveEndpoint::port() const { return impl_->port; }

void LiveEndpoint::post(std::function<void()> task) { asio::post(impl_->io, std::move(task)); }

void LiveEndpoint::every(std::chrono::milliseconds period, std::function<void()> tick) {
  post([impl = impl_.get(), period, tick = std::make_shared<std::function<void()>>(std::move(tick))] {
    asio::steady_timer& timer = impl->tickers.emplace_back(impl->io);
    timer.expires_at(std::chrono::steady_clock::now());
    impl->schedule(timer, period, tick);
  });
}

void LiveEndpoint::publish(const std::string& event) { impl_->publish(event); }

bool LiveEndpoint::flush(std::chrono::milliseconds within) {
  const auto until = std::chrono::steady_clock::now() + within;
  for (;;) {
    auto done = std::make_shared<std::promise<bool>>();
    auto answer = done->get_future();
    post([impl = impl_.get(), done] { done->set_value(impl->all_written()); });
    if (answer.wait_until(until) != std::future_status::ready) return false;
    if (answer.get()) return true;
    std::unique_lock lock(impl_->flush_mu);
    if (impl_->flush_cv.wait_until(lock, until) == std::cv_status::timeout) return false;
  }
}

size_t LiveEndpoint::streams() const { return impl_->streams.load(); }

void LiveEndpoint::avoid_cpus(const std::vector<int>& cpus) {
  if (cpus.empty()) return;
  post([cpus] {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return;
    for (int c : cpus)
      if (c >= 0 && c < CPU_SETSIZE) CPU_CLR(c, &set);
    if (CPU_COUNT(&set) > 0) pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  });
}

bool valid_listen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size()) return false;
  for (size_t i = colon + 1; i < listen.size(); ++i)
    if (listen[i] < '0' || listen[i] > '9') return false;
  return true;
}

std::string sse_event(const std::string& name, const std::string& data) {
  return "event: " + name + "\ndata: " + data + "\n\n";
}

}  // namespace loadgate
