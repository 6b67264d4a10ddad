// signals.cc: the stop flag.
#include "signals.h"

#include <signal.h>
#include <unistd.h>

namespace loadgate::cli {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_count{0};

void on_signal(int) {
  g_stop.store(true);
  g_count.fetch_add(1);
}

}  // namespace

const std::atomic<bool>& install_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return g_stop;
}

int signal_count() { return g_count.load(); }

void wait_for_stop_signal() {
  install_stop_signals();
  while (!g_stop.load()) pause();
}

}  // namespace loadgate::cli
