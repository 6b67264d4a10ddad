// fake_service.cc: a small HTTP service whose faults are chosen by flags, for the service tests
// (service_test.cc): where it listens, what its health check answers, when it crashes, whether
// it ignores SIGTERM, whether it forks a child that outlives it.
//
//   fake_service --port N | --port-file F   listen on 127.0.0.1:N, or on a port of its own choice
//                                           written to F
//   --bind-elsewhere    ignore --port and listen on a port of its own (never written anywhere)
//   --health STATUS     what GET /health answers (default 200)
//   --crash-after-ms T  raise SIGSEGV T ms after it listens
//   --crash-after N     raise SIGSEGV once it has answered N requests to /hello
//   --ignore-term       SIGTERM is ignored (the test then needs SIGKILL)
//   --fork-child        fork a child (same process group) that ignores SIGTERM and sleeps 300 s
//   --setsid-child      fork a child that leaves the group (setsid), ignores SIGTERM, sleeps 300 s
//   --spew-mb N         print N MiB of numbered lines once it listens, then "spew end"
//   --say TEXT          print TEXT on stdout once it listens
// Serves GET /health and GET /hello (body "hello"). Exits 0 on SIGTERM.
#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

namespace {

httplib::Server* g_server = nullptr;

void on_term(int) {
  if (g_server) g_server->stop();
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0, health = 200, crash_ms = -1, crash_after = -1;
  std::string port_file, say;
  bool elsewhere = false, ignore_term = false, fork_child = false, setsid_child = false;
  int spew_mb = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "fake_service: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--port") port = std::atoi(next().c_str());
    else if (a == "--port-file") port_file = next();
    else if (a == "--bind-elsewhere") elsewhere = true;
    else if (a == "--health") health = std::atoi(next().c_str());
    else if (a == "--crash-after-ms") crash_ms = std::atoi(next().c_str());
    else if (a == "--crash-after") crash_after = std::atoi(next().c_str());
    else if (a == "--ignore-term") ignore_term = true;
    else if (a == "--fork-child") fork_child = true;
    else if (a == "--setsid-child") setsid_child = true;
    else if (a == "--spew-mb") spew_mb = std::atoi(next().c_str());
    else if (a == "--say") say = next();
    else {
      std::fprintf(stderr, "fake_service: unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  if (fork_child && fork() == 0) {
    signal(SIGTERM, SIG_IGN);
    for (int n = 0; n < 300; ++n) sleep(1);
    _exit(0);
  }
  if (setsid_child && fork() == 0) {
    setsid();
    signal(SIGTERM, SIG_IGN);
    for (int n = 0; n < 300; ++n) sleep(1);
    _exit(0);
  }
  httplib::Server svr;
  g_server = &svr;
  svr.Get("/health", [&](const httplib::Request&, httplib::Response& res) {
    res.status = health;
    res.set_content(health == 200 ? "ok" : "not ok", "text/plain");
  });
  std::atomic<int> served{0};
  svr.Get("/hello", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content("hello", "text/plain");
    if (crash_after >= 0 && ++served > crash_after) {
      std::fprintf(stderr, "fake_service: crashing on purpose\n");
      std::fflush(stderr);
      signal(SIGSEGV, SIG_DFL);  // a sanitizer's handler would turn it into an abort
      raise(SIGSEGV);
    }
  });
  signal(SIGTERM, ignore_term ? SIG_IGN : on_term);
  int bound = 0;
  if (elsewhere || port == 0) {
    bound = svr.bind_to_any_port("127.0.0.1");
  } else if (svr.bind_to_port("127.0.0.1", port)) {
    bound = port;
  } else {
    std::fprintf(stderr, "fake_service: cannot listen on 127.0.0.1:%d: address in use\n", port);
    return 1;
  }
  if (bound <= 0) {
    std::fprintf(stderr, "fake_service: cannot listen\n");
    return 1;
  }
  if (!port_file.empty() && !elsewhere) std::ofstream(port_file) << bound << "\n";
  std::printf("fake_service: listening on 127.0.0.1:%d\n", bound);
  if (!say.empty()) std::printf("%s\n", say.c_str());
  std::fflush(stdout);
  if (spew_mb > 0) {
    const long long bytes = static_cast<long long>(spew_mb) << 20;
    for (long long line = 0, written = 0; written < bytes; ++line)
      written += std::printf("spew line %012lld yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\n", line);
    std::printf("spew end\n");
    std::fflush(stdout);
  }
  if (crash_ms >= 0) {
    std::thread([crash_ms] {
      std::this_thread::sleep_for(std::chrono::milliseconds(crash_ms));
      std::fprintf(stderr, "fake_service: crashing on purpose\n");
      std::fflush(stderr);
      signal(SIGSEGV, SIG_DFL);  // a sanitizer's handler would turn it into an abort
      raise(SIGSEGV);
    }).detach();
  }
  svr.listen_after_bind();
  std::printf("fake_service: stopped\n");
  return 0;
}
