// monitor_test.cc: the resource monitor against processes of known usage, and samples in files.
#include <fstream>
#include <sstream>
#include <string>

#include "loadgate/monitor.h"

#include <fcntl.h>
#include <gtest/gtest.h>
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
