// ready_probe.cc: readiness probes over plain blocking sockets with poll() deadlines: one
// request each, so that a probe never adds load worth measuring.
#include "ready_probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "core/pattern.h"
#include "loadgate/error.h"
#include "protocol/grpc/grpc_health.h"

namespace loadgate::service {
namespace {

int64_t left_ms(int64_t deadline_ns) { return std::max<int64_t>(0, (deadline_ns - steady_now_ns()) / 1'000'000); }

// A connected socket, or -1 with `error` set.
int connect_to(const std::string& host, int port, int64_t deadline_ns, std::string& error) {
  const std::string where = host + ":" + std::to_string(port);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    error = "connect " + where + ": not an IPv4 address";
    return -1;
  }
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
    error = "connect " + where + ": " + std::strerror(errno);
    close(fd);
    return -1;
  }
  pollfd p{fd, POLLOUT, 0};
  if (poll(&p, 1, static_cast<int>(left_ms(deadline_ns))) <= 0) {
    error = "connect " + where + ": timed out";
    close(fd);
    return -1;
  }
  int so_error = 0;
  socklen_t len = sizeof so_error;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
  if (so_error != 0) {
    error = "connect " + where + ": " + std::strerror(so_error);
    close(fd);
    return -1;
  }
  return fd;
}

// Sends `request` and reads until the end of the status line; returns that line, or "" with
// `error` set.
std::string exchange(int fd, const std::string& request, int64_t deadline_ns, std::string& error) {
  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      error = std::string("send: ") + std::strerror(errno);
      return "";
    }
    pollfd p{fd, POLLOUT, 0};
    if (poll(&p, 1, static_cast<int>(left_ms(deadline_ns))) <= 0) {
      error = "send: timed out";
      return "";
    }
  }
  std::string in;
  while (in.find("\r\n") == std::string::npos && in.size() < 4096) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left_ms(deadline_ns))) <= 0) {
      error = "no answer in time";
      return "";
    }
    char buf[1024];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n == 0) {
      error = "connection closed before an answer";
      return "";
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      error = std::string("recv: ") + std::strerror(errno);
      return "";
    }
    if (n > 0) in.append(buf, static_cast<size_t>(n));
  }
  return in.substr(0, in.find("\r\n"));
}

// "HTTP/1.1 404 Not Found" -> 404 and "404 Not Found"; 0 when it is not a status line.
int status_of(const std::string& line, std::string& text) {
  if (line.rfind("HTTP/1.", 0) != 0 || line.size() < 12) return 0;
  text = line.substr(9);
  return std::atoi(line.c_str() + 9);
}

std::string http_probe(const ReadyProbe& p, const std::string& host, int port, int64_t deadline_ns) {
  std::string error;
  const int fd = connect_to(host, port, deadline_ns, error);
  if (fd < 0) return error;
  std::string request = "GET " + p.arg + " HTTP/1.1\r\nHost: " + host + ":" + std::to_string(port) +
                        "\r\nUser-Agent: loadgate-ready-probe\r\n";
  const bool ws = p.kind == ReadyProbe::Kind::kWs;
  if (ws)
    request +=
        "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Key: bG9hZGdhdGUtcmVhZHkhIQ==\r\n\r\n";
  else
    request += "Connection: close\r\n\r\n";
  const std::string line = exchange(fd, request, deadline_ns, error);
  close(fd);
  const std::string what = std::string(ws ? "WebSocket handshake on " : "GET ") + p.arg;
  if (line.empty()) return what + ": " + error;
  std::string text;
  const int status = status_of(line, text);
  if (status == 0) return what + ": not an HTTP answer";
  if (ws ? status == 101 : status / 100 == 2) return "";
  return what + " answered " + text + (ws ? " (want 101)" : " (want 2xx)");
}

std::string log_probe(const ReadyProbe& p, const std::string& log) {
  Pattern pattern;
  try {
    pattern = Pattern::compile(p.arg, "", 0, "ready log:");
  } catch (const InputError& e) {
    return std::string("log:") + e.what();
  }
  std::ifstream in(log);
  std::string line;
  while (std::getline(in, line))
    if (pattern.search(line)) return "";
  return "no line of its output matches /" + p.arg + "/ yet";
}

}  // namespace

std::string probe_once(const ReadyProbe& probe, const std::string& host, int port, const std::string& log,
                       Nanos timeout) {
  const int64_t deadline = steady_now_ns() + timeout.count();
  switch (probe.kind) {
    case ReadyProbe::Kind::kTcp: {
      std::string error;
      const int fd = connect_to(host, port, deadline, error);
      if (fd >= 0) close(fd);
      return error;
    }
    case ReadyProbe::Kind::kHttp:
    case ReadyProbe::Kind::kWs:
      return http_probe(probe, host, port, deadline);
    case ReadyProbe::Kind::kGrpc:
      return grpcx::health_check(host + ":" + std::to_string(port), probe.arg, timeout);
    case ReadyProbe::Kind::kLog:
      return log_probe(probe, log);
  }
  return "unknown probe";
}

}  // namespace loadgate::service
