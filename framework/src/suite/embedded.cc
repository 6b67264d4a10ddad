// embedded.cc: start embedded services as child processes (`loadgate serve <name>`), once per
// process, and stop them by PID at exit. A child dies with its parent (PR_SET_PDEATHSIG), so
// a crashed test never leaves a server behind.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

#include "loadgate/error.h"
#include "loadgate/monitor.h"
#include "loadgate/scenario.h"

namespace loadgate {
namespace {

struct Child {
  pid_t pid = -1;
  std::string url;
};

std::mutex g_mu;
std::map<std::string, Child>& children() {
  static auto* m = new std::map<std::string, Child>();
  return *m;
}

void stop_all() {
  std::lock_guard lock(g_mu);
  for (auto& [name, c] : children()) {
    if (c.pid <= 0) continue;
    kill(c.pid, SIGTERM);
    for (int i = 0; i < 200; ++i) {  // up to 2 s, then SIGKILL
      if (waitpid(c.pid, nullptr, WNOHANG) == c.pid) {
        c.pid = -1;
        break;
      }
      usleep(10'000);
    }
    if (c.pid > 0) {
      kill(c.pid, SIGKILL);
      waitpid(c.pid, nullptr, 0);
    }
  }
}

bool executable(const std::string& path) { return !path.empty() && access(path.c_str(), X_OK) == 0; }

std::string cli_path() {
  if (const char* env = std::getenv("LOADGATE_CLI"); env && *env) return env;
#ifdef LOADGATE_CLI_BUILD
  if (executable(LOADGATE_CLI_BUILD)) return LOADGATE_CLI_BUILD;
#endif
#ifdef LOADGATE_CLI_INSTALL
  if (executable(LOADGATE_CLI_INSTALL)) return LOADGATE_CLI_INSTALL;
#endif
  return "loadgate";
}

// The `loadgate serve` name of an embedded service, or "" when `service` is not one.
std::string serve_name(const std::string& service) {
  if (service == "api") return "api";
  if (service == "kernel") return "kernel";
  if (service == "ai") return "ai";
  if (service == "websocket" || service == "ws") return "ws";
  return "";
}

Child spawn(const std::string& service) {
  int fds[2];
  if (pipe(fds) != 0) throw RunError("embedded " + service + ": pipe failed");
  const std::string cli = cli_path();
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw RunError("embedded " + service + ": fork failed");
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    const std::string name = serve_name(service);
    execlp(cli.c_str(), cli.c_str(), "serve", name.c_str(), "-addr", "127.0.0.1:0", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  // First line: "loadgate: <name> service listening on <url>".
  std::string line;
  pollfd p{fds[0], POLLIN, 0};
  while (line.find('\n') == std::string::npos) {
    if (poll(&p, 1, 15'000) <= 0) break;
    char buf[256];
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  const auto nl = line.find('\n');
  const auto sp = line.rfind(' ', nl);
  if (nl == std::string::npos || sp == std::string::npos) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    throw RunError("embedded " + service + ": `" + cli + " serve " + serve_name(service) +
                             "` did not report its address (set LOADGATE_CLI to the loadgate binary)");
  }
  return Child{pid, line.substr(sp + 1, nl - sp - 1)};
}

std::string env_name(const std::string& service) {
  std::string out = "LOADGATE_";
  for (char c : service)
    out += static_cast<char>(c == '-' || c == '.' ? '_' : std::toupper(static_cast<unsigned char>(c)));
  return out + "_URL";
}

}  // namespace

int embedded_pid(const std::string& service) {
  std::lock_guard lock(g_mu);
  auto it = children().find(service);
  return it == children().end() ? 0 : it->second.pid;
}

std::vector<MonitoredProcess> monitored(const std::string& service) {
  std::vector<MonitoredProcess> out;
  if (const int pid = embedded_pid(service)) out.push_back({pid, "sut"});
  if (const char* v = std::getenv("LOADGATE_MONITOR_PID"); v && *v) {
    const int pid = std::atoi(v);
    if (pid > 0 && read_process(pid)) out.push_back({pid, out.empty() ? "sut" : "monitored"});
  }
  return out;
}

std::optional<std::string> service_url(const std::string& service) {
  for (const std::string& name :
       {env_name(service), std::string(service == "kernel" || service == "ai" ? "LOADGATE_GRPC_ADDR" : ""),
        std::string(service == "websocket" ? "LOADGATE_WS_URL" : "")}) {
    if (name.empty()) continue;
    if (const char* v = std::getenv(name.c_str()); v && *v) return std::string(v);
  }
  if (serve_name(service).empty()) return std::nullopt;
  std::lock_guard lock(g_mu);
  auto it = children().find(service);
  if (it != children().end()) return it->second.url;
  if (children().empty()) std::atexit(stop_all);
  Child c = spawn(service);
  children()[service] = c;
  return c.url;
}

}  // namespace loadgate
