// listener.h: a listening TCP socket on a loopback port the kernel chose, plain POSIX (for tests
// that hold a port themselves: a port taken, bytes moved through their own connections).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace loadgate::testing {

/// A socket listening on 127.0.0.1, and its port; fd -1 when it could not be had.
struct Listener {
  int fd = -1;
  int port = 0;
};

/// Opens a Listener with `backlog` (the caller closes its fd).
inline Listener loopback_listener(int backlog) {
  Listener l;
  l.fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (l.fd < 0 || bind(l.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(l.fd, backlog) != 0 ||
      getsockname(l.fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (l.fd >= 0) close(l.fd);
    return {};
  }
  l.port = ntohs(a.sin_port);
  return l;
}

}  // namespace loadgate::testing
