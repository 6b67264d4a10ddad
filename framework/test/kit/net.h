// net.h: loopback ports for tests that start servers of their own (nginx, Prometheus).
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

namespace loadgate::testing {

/// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's choice of an ephemeral one).
inline int free_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor a(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
inline bool listening(int port) {
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  asio::error_code ec;
  s.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)), ec);
  return !ec;
}

}  // namespace loadgate::testing
