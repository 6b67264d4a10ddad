// monitor_test.cc: the resource monitor against processes of known usage, and samples in files.
#include <fstream>
#include <sstream>
#include <string>

#include "loadgate/monitor.h"
#include "kit/listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <thread>
#include <vector>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace loadgate {
namespace {

// A child that burns one core and holds `mb` MB and `files` open files until killed.
pid_t busy_child(int mb, int files, bool spin) {
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char> memory(static_cast<size_t>(mb) << 20, 1);
    for (size_t i = 0; i < memory.size(); i += 4096) memory[i] = static_cast<char>(i);
    for (int i = 0; i < files; ++i) open("/dev/null", O_RDONLY);
    volatile uint64_t x = 0;
    while (true) {
      if (spin)
        x = x + 1;
      else
        pause();
    }
  }
  return pid;
}

// CPU seconds (utime + stime) of `pid`, read here from /proc/<pid>/stat, not by the monitor.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(all.substr(all.rfind(')') + 2));
  std::string f;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::stoull(f);
    if (i == 15) stime = std::stoull(f);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

TEST(Monitor, MeasuresAProcessOfKnownUsage) {
  const pid_t busy = busy_child(64, 40, true);
  const pid_t idle = busy_child(8, 0, false);
  usleep(300'000);
  Monitor m({{busy, "busy"}, {idle, "idle"}});
  // The CPU the spinning child really got, over the same window: on a busy machine it gets
  // less than a core, and the monitor must say what it got, not what it wanted.
  const double cpu0 = cpu_seconds(busy);
  const auto t0 = std::chrono::steady_clock::now();
  m.start(std::chrono::milliseconds(500));
  usleep(1'600'000);
  m.stop();
  const double actual = 100 * (cpu_seconds(busy) - cpu0) /
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  kill(busy, SIGKILL);
  kill(idle, SIGKILL);
  waitpid(busy, nullptr, 0);
  waitpid(idle, nullptr, 0);
  Resources r;
  for (const Sample& s : m.samples()) r.add(s);
  ASSERT_GE(r.series("busy").size(), 2u);
  EXPECT_GT(actual, 10.0) << "the child ran";
  EXPECT_NEAR(r.mean_cpu("busy"), actual, 25.0) << "the monitor reports what the child got";
  EXPECT_LT(r.peak_cpu("idle"), 5.0);
  EXPECT_GE(r.peak_rss("busy"), 64u << 20);
  EXPECT_LT(r.peak_rss("idle"), 40u << 20);
  EXPECT_GE(r.peak_fds("busy"), 40 + 3);
  EXPECT_EQ(r.series("busy").back().pid, busy);
}

// Blocking helpers for the socket test: all of `n` bytes, or false.
bool send_all(int fd, size_t n) {
  std::vector<char> b(64 << 10, 'x');
  while (n > 0) {
    const ssize_t w = write(fd, b.data(), std::min(n, b.size()));
    if (w <= 0) return false;
    n -= static_cast<size_t>(w);
  }
  return true;
}
bool read_all(int fd, size_t n) {
  std::vector<char> b(64 << 10);
  while (n > 0) {
    const ssize_t r = read(fd, b.data(), std::min(n, b.size()));
    if (r <= 0) return false;
    n -= static_cast<size_t>(r);
  }
  return true;
}
int connect_to(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 ? fd : -1;
}

// A newcomer's first hour (#31 item 7): "net in/out" was the loopback interface's traffic, the
// same for every process on it. A child sends 3 MiB and receives 1 MiB over loopback while the
// test moves 5 MiB of its own beside it: the child's figures are its 3 and 1 MiB, exactly.
TEST(Monitor, NetworkBytesAreTheProcesssOwnSockets) {
  const testing::Listener l = testing::loopback_listener(8);
  ASSERT_GE(l.fd, 0);
  const int listener = l.fd, port = l.port;
  int go[2];
  ASSERT_EQ(pipe(go), 0);
  const pid_t child = fork();
  if (child == 0) {
    const int c = connect_to(port);
    char x;
    if (c < 0 || read(go[0], &x, 1) != 1 || !send_all(c, 3 << 20) || !read_all(c, 1 << 20)) _exit(1);
    pause();
    _exit(0);
  }
  const int peer = accept(listener, nullptr, nullptr);
  ASSERT_GE(peer, 0);
  const auto before = read_process(child);
  ASSERT_TRUE(before);
  // Beside it, traffic of the test's own on the same interface.
  std::thread noise([&] {
    const int c = connect_to(port);
    send_all(c, 5 << 20);
    close(c);
  });
  const int noise_peer = accept(listener, nullptr, nullptr);
  ASSERT_EQ(write(go[1], "g", 1), 1);
  EXPECT_TRUE(read_all(noise_peer, 5 << 20));
  EXPECT_TRUE(read_all(peer, 3 << 20));
  EXPECT_TRUE(send_all(peer, 1 << 20));
  noise.join();
  Sample s;
  for (int i = 0; i < 200; ++i) {  // until the last bytes are acknowledged and read
    const auto after = read_process(child);
    ASSERT_TRUE(after);
    s = sample_between(*before, *after, child, "child");
    if (s.net_tx_bytes >= (3u << 20) && s.net_rx_bytes >= (1u << 20)) break;
    usleep(10'000);
  }
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  close(peer);
  close(noise_peer);
  close(listener);
  EXPECT_EQ(s.net_tx_bytes, 3u << 20) << "what the child sent";
  EXPECT_EQ(s.net_rx_bytes, 1u << 20) << "what the child received";
}

TEST(Monitor, SamplesSurviveTheResultsFile) {
  Sample s;
  s.time_ns = 123;
  s.role = "sut";
  s.pid = 42;
  s.cpu_percent = 55.5;
  s.rss_bytes = 1 << 20;
  auto back = Sample::from_json(s.to_json());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->role, "sut");
  EXPECT_EQ(back->rss_bytes, 1u << 20);
  EXPECT_DOUBLE_EQ(back->cpu_percent, 55.5);
  EXPECT_FALSE(Sample::from_json("not json"));
}

}  // namespace
}  // namespace loadgate
