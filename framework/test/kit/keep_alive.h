// keep_alive.h: a raw keep-alive HTTP/1.1 connection to a test's server, held open on purpose
// (POSIX sockets: usable from tests that link no asio, and seen by TSan, unlike httplib's client).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>

namespace loadgate::testing {

/// Whether bytes arrived on `fd` within `wait_ms`.
inline bool answered(int fd, int wait_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, wait_ms) == 1;
}

/// Opens a connection to 127.0.0.1:`port` into `fd` (left open for the caller to close), asks
/// GET /health on it, and says whether a 200 answer came within `wait_ms`.
inline bool ask_health(int port, int& fd, int wait_ms) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return false;
  const std::string req = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) return false;
  if (!answered(fd, wait_ms)) return false;
  char buf[512];
  const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  return n >= 12 && std::string(buf, 12) == "HTTP/1.1 200";
}

}  // namespace loadgate::testing
