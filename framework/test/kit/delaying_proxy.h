// delaying_proxy.h: a TCP proxy on a loopback port that holds the first bytes each upstream
// connection sends back for a known time, then relays everything as it comes: put in front of
// a TLS server, every handshake takes that long more, a truth to check the TLS phase against.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <array>
#include <chrono>
#include <memory>
#include <thread>

namespace loadgate::testing {

/// DelayingProxy relays 127.0.0.1:port() to 127.0.0.1:upstream, the upstream's first bytes on
/// each connection held `delay`, until it is destroyed.
class DelayingProxy {
 public:
  DelayingProxy(int upstream, std::chrono::milliseconds delay)
      : upstream_(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(upstream)),
        delay_(delay),
        acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~DelayingProxy() {
    io_.stop();
    thread_.join();
  }
  DelayingProxy(const DelayingProxy&) = delete;
  DelayingProxy& operator=(const DelayingProxy&) = delete;

  /// The port it listens on.
  int port() const { return acceptor_.local_endpoint().port(); }

 private:
  using tcp = asio::ip::tcp;
  struct Pair {
    explicit Pair(asio::io_context& io) : client(io), server(io), timer(io) {}
    tcp::socket client, server;
    asio::steady_timer timer;
    std::array<char, 16384> up{}, down{};
    void close() {
      asio::error_code ignored;
      client.close(ignored);
      server.close(ignored);
    }
  };

  void accept() {
    acceptor_.async_accept([this](const asio::error_code& ec, tcp::socket s) {
      if (ec) return;
      auto p = std::make_shared<Pair>(io_);
      p->client = std::move(s);
      p->server.async_connect(upstream_, [this, p](const asio::error_code& e) {
        if (e) return p->close();
        relay(p, p->client, p->server, p->up, false);
        relay(p, p->server, p->client, p->down, true);
      });
      accept();
    });
  }

  // Relays `from` to `to`; with `hold`, the first bytes wait delay_ first.
  void relay(std::shared_ptr<Pair> p, tcp::socket& from, tcp::socket& to, std::array<char, 16384>& buf, bool hold) {
    from.async_read_some(asio::buffer(buf), [this, p, &from, &to, &buf, hold](const asio::error_code& ec, size_t n) {
      if (ec) return p->close();
      auto send = [this, p, &from, &to, &buf, n] {
        asio::async_write(to, asio::buffer(buf.data(), n), [this, p, &from, &to, &buf](const asio::error_code& e, size_t) {
          if (e) return p->close();
          relay(p, from, to, buf, false);
        });
      };
      if (!hold) return send();
      p->timer.expires_after(delay_);
      p->timer.async_wait([send](const asio::error_code& e) {
        if (!e) send();
      });
    });
  }

  tcp::endpoint upstream_;
  std::chrono::milliseconds delay_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

}  // namespace loadgate::testing
