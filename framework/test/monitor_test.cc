// monitor_test.cc: the resource monitor against processes of known usage, and samples in files.
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

TEST(Monitor, MeasuresAProcessOfKnownUsage) {
  const pid_t busy = busy_child(64, 40, true);
  const pid_t idle = busy_child(8, 0, false);
  usleep(300'000);
  Monitor m({{busy, "busy"}, {idle, "idle"}});
  m.start(std::chrono::milliseconds(500));
  usleep(1'600'000);
  m.stop();
  kill(busy, SIGKILL);
  kill(idle, SIGKILL);
  waitpid(busy, nullptr, 0);
  waitpid(idle, nullptr, 0);
  Resources r;
  for (const Sample& s : m.samples()) r.add(s);
  ASSERT_GE(r.series("busy").size(), 2u);
  EXPECT_GT(r.mean_cpu("busy"), 60.0) << "a spinning process uses about one core";
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
