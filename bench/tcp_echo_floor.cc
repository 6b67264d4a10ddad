// tcp_echo_floor.cc: what any client and server pay on this machine for a paced message round
// trip over loopback TCP, with nothing of loadgate in it: plain epoll, one thread each side, one
// send() and one recv() per message, no framing, no results. ci/bench-ws runs it beside
// loadgate's WebSocket client and server, on the same cores and at the same rates, so that
// loadgate's cost per message reads against the floor of the kernel and the machine.
//
//   tcp_echo_floor server PORT
//   tcp_echo_floor client PORT CONNECTIONS RATE SECONDS [TICK_US]
// The client sends RATE messages/s of 64 bytes round-robin over CONNECTIONS, waking at most once
// per TICK_US (default 250, loadgate's session tick), and prints one line: rate, sent, echoed,
// the share sent more than 1 ms late, and its own CPU (user + system) as a share of a core.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

namespace {

int64_t now_ns() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1'000'000'000LL + t.tv_nsec;
}

double cpu_s() {
  rusage r;
  getrusage(RUSAGE_SELF, &r);
  return r.ru_utime.tv_sec + r.ru_utime.tv_usec / 1e6 + r.ru_stime.tv_sec + r.ru_stime.tv_usec / 1e6;
}

sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// Echoes whatever arrives on every connection, until killed.
int serve(int port) {
  const int one = 1;
  const int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a = loopback(port);
  if (bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(l, 4096) != 0) {
    std::perror("tcp_echo_floor: listen");
    return 1;
  }
  const int ep = epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = l;
  epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
  std::printf("listening\n");
  std::fflush(stdout);
  std::vector<char> buf(65536);
  epoll_event events[512];
  for (;;) {
    const int n = epoll_wait(ep, events, 512, -1);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == l) {
        int c;
        while ((c = accept4(l, nullptr, nullptr, SOCK_NONBLOCK)) >= 0) {
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          epoll_event e{};
          e.events = EPOLLIN | EPOLLET;
          e.data.fd = c;
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &e);
        }
        continue;
      }
      for (;;) {
        const ssize_t r = recv(fd, buf.data(), buf.size(), 0);
        if (r > 0) {
          if (send(fd, buf.data(), static_cast<size_t>(r), 0) < 0) break;
          if (r < static_cast<ssize_t>(buf.size())) break;
          continue;
        }
        if (r == 0) close(fd);
        break;
      }
    }
  }
}

int client(int port, int conns, double rate, double seconds, int64_t tick_ns) {
  const int one = 1;
  const int ep = epoll_create1(0);
  std::vector<int> fds(static_cast<size_t>(conns));
  sockaddr_in a = loopback(port);
  for (int i = 0; i < conns; ++i) {
    fds[i] = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fds[i], reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      std::perror("tcp_echo_floor: connect");
      return 1;
    }
    setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fds[i], F_SETFL, O_NONBLOCK);
    epoll_event e{};
    e.events = EPOLLIN | EPOLLET;
    e.data.u32 = static_cast<uint32_t>(i);
    epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &e);
  }
  constexpr size_t kMessage = 64;
  char msg[kMessage];
  std::memset(msg, 'x', sizeof msg);
  std::vector<char> buf(65536);
  epoll_event events[512];
  const auto total = static_cast<int64_t>(rate * seconds);
  const auto gap = static_cast<int64_t>(1e9 / rate);
  int64_t sent = 0, echoed_bytes = 0, late = 0;
  const double cpu0 = cpu_s();
  const int64_t start = now_ns() + 10'000'000;
  while (sent < total || echoed_bytes < sent * static_cast<int64_t>(kMessage)) {
    const int64_t t = now_ns();
    for (; sent < total && start + sent * gap <= t; ++sent) {
      if (t - (start + sent * gap) > 1'000'000) ++late;
      send(fds[static_cast<size_t>(sent % conns)], msg, sizeof msg, 0);
    }
    int64_t next = sent < total ? start + sent * gap : t + 1'000'000;
    if (next < t + tick_ns) next = t + tick_ns;
    const int64_t wait = std::max<int64_t>(0, next - now_ns());
    timespec ts{wait / 1'000'000'000, wait % 1'000'000'000};
    const int n = epoll_pwait2(ep, events, 512, &ts, nullptr);
    for (int i = 0; i < n; ++i)
      for (;;) {
        const ssize_t r = recv(fds[events[i].data.u32], buf.data(), buf.size(), 0);
        if (r <= 0) break;
        echoed_bytes += r;
        if (r < static_cast<ssize_t>(buf.size())) break;
      }
    if (now_ns() - start > static_cast<int64_t>((seconds + 5) * 1e9)) break;
  }
  const double elapsed = static_cast<double>(now_ns() - start) / 1e9;
  std::printf("rate %.0f sent %lld echoed %lld late %.2f%% cpu %.3f\n", rate, static_cast<long long>(sent),
              static_cast<long long>(echoed_bytes / static_cast<int64_t>(kMessage)),
              sent ? 100.0 * static_cast<double>(late) / static_cast<double>(sent) : 0.0, (cpu_s() - cpu0) / elapsed);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 3 && std::strcmp(argv[1], "server") == 0) return serve(std::atoi(argv[2]));
  if (argc >= 6 && std::strcmp(argv[1], "client") == 0)
    return client(std::atoi(argv[2]), std::atoi(argv[3]), std::atof(argv[4]), std::atof(argv[5]),
                  argc > 6 ? std::atoll(argv[6]) * 1000 : 250'000);
  std::fprintf(stderr, "usage: tcp_echo_floor server PORT | client PORT CONNECTIONS RATE SECONDS [TICK_US]\n");
  return 2;
}
