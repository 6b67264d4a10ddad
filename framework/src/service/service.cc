// service.cc: Service: start (free port, placeholders, process group, guard), readiness,
// watching (a thread blocked in waitpid), stopping (SIGTERM, grace, SIGKILL, then the children).
#include "loadgate/service.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

#include "loadgate/error.h"
#include "loadgate/file.h"
#include "log_tap.h"
#include "process_group.h"
#include "ready_probe.h"

extern char** environ;

namespace loadgate {
namespace {

constexpr const char* kHost = "127.0.0.1";
constexpr int kStartAttempts = 3;  // a {port} taken between the pick and the bind: pick again
constexpr Nanos kProbeEvery = std::chrono::milliseconds(50);
constexpr Nanos kMaxProbe = std::chrono::seconds(1);
constexpr Nanos kMinProbe = std::chrono::milliseconds(250);
constexpr Nanos kKillWait = std::chrono::seconds(10);

// A port free on loopback now: the kernel's pick for bind(0).
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw RunError(std::string("socket: ") + std::strerror(errno));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  close(fd);
  if (!ok) throw RunError(std::string("cannot find a free port: ") + std::strerror(errno));
  return ntohs(a.sin_port);
}

// Whether something listens on loopback `port` (a bind to it fails with EADDRINUSE).
bool port_in_use(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  const bool in_use = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno == EADDRINUSE;
  close(fd);
  return in_use;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

// The last `n` lines of `text`, the end of an output that began earlier when `cut`.
std::vector<std::string> last_lines_of(const std::string& text, size_t n, bool cut) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(printable(text.substr(start, end - start), 300));
    start = end + 1;
  }
  if (cut && !lines.empty()) lines.erase(lines.begin());  // cut in the middle
  if (lines.size() > n) lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(n));
  return lines;
}

std::string format_ms(int64_t ns) { return format_duration(std::chrono::milliseconds(ns / 1'000'000)); }

}  // namespace

struct Service::State {
  std::string name, address, log, command_line;
  ProcessSpec spec;
  int port = 0;
  std::string port_file;
  pid_t pid = 0;
  int64_t started_steady = 0;
  std::unique_ptr<service::Guard> guard;
  std::unique_ptr<service::LogTap> tap;  // its output into `log`, up to spec.log_limit
  service::Marker marker;                // in its environment and its descendants'
  std::thread reaper;

  mutable std::mutex mu;
  std::condition_variable cv;
  bool exited = false;
  int wait_status = 0;
  int64_t exited_unix = 0, exited_steady = 0;
  bool stopping = false;  // we sent SIGTERM: an exit from here on is ours
  int64_t term_steady = 0;
  bool killed = false;
  bool stopped = false;
  std::string leftovers;
  std::atomic<bool>* watch = nullptr;

  void spawn(const std::string& path, bool append_log);
  std::string wait_ready(bool& exited_early);
  void halt();
  std::string describe() const;  // under mu
};

void Service::State::spawn(const std::string& path, bool append_log) {
  auto fill = [&](std::string s) {
    s = replace_all(std::move(s), "{port_file}", port_file);
    s = replace_all(std::move(s), "{addr}", std::string(kHost) + ":" + std::to_string(port));
    s = replace_all(std::move(s), "{port}", std::to_string(port));
    return replace_all(std::move(s), "{host}", kHost);
  };
  service::Launch l;
  l.path = path;
  for (const std::string& a : spec.command) l.argv.push_back(fill(a));
  for (char** e = environ; *e; ++e) {
    const std::string kv = *e;
    if (!spec.env.count(kv.substr(0, kv.find('=')))) l.env.push_back(kv);
  }
  for (const auto& [k, v] : spec.env) l.env.push_back(k + "=" + fill(v));
  marker = service::Marker::make();
  l.env.emplace_back(marker.entry);
  l.directory = spec.directory;
  l.cpus = spec.cpus;
  command_line.clear();
  for (const std::string& a : l.argv) command_line += (command_line.empty() ? "" : " ") + a;

  const auto slash = log.rfind('/');
  if (slash != std::string::npos) make_dirs(log.substr(0, slash));
  try {
    tap = std::make_unique<service::LogTap>(log, append_log, spec.log_limit);
  } catch (const RunError& e) {
    throw RunError("service " + name + ": " + e.what());
  }
  l.output_fd = tap->writer();
  std::string error;
  started_steady = steady_now_ns();
  pid = service::spawn_group(l, error);
  tap->close_writer();
  if (pid < 0) {
    tap.reset();
    pid = 0;
    throw RunError("service " + name + ": " + error + " (declared in " + (spec.file.empty() ? "" : spec.file + ": ") +
                   spec.field + ")");
  }
  exited = stopping = killed = stopped = false;
  guard = std::make_unique<service::Guard>(pid, spec.grace, marker);
  reaper = std::thread([this] {
    int status = 0;
    pid_t r;
    do r = waitpid(pid, &status, 0);
    while (r < 0 && errno == EINTR);
    std::lock_guard lock(mu);
    exited = true;
    wait_status = status;
    exited_unix = unix_now_ns();
    exited_steady = steady_now_ns();
    if (!stopping && watch) watch->store(true);
    cv.notify_all();
  });
}

namespace {
std::atomic<const std::atomic<bool>*> g_interrupt{nullptr};
}  // namespace

void set_service_interrupt(const std::atomic<bool>* flag) { g_interrupt.store(flag); }

std::string Service::State::wait_ready(bool& exited_early) {
  const int64_t deadline = started_steady + spec.timeout.count();
  std::string last = "no probe ran";
  for (;;) {
    if (const std::atomic<bool>* stop = g_interrupt.load(); stop && stop->load())
      return "was interrupted (a signal) while waiting for it to be ready: " + last;
    {
      std::lock_guard lock(mu);
      if (exited) {
        exited_early = true;
        return service::describe_status(wait_status) + " before it was ready";
      }
    }
    if (port == 0) {
      std::ifstream in(port_file);
      long p = 0;
      if (in >> p && p > 0 && p < 65536) {
        port = static_cast<int>(p);
        address = std::string(kHost) + ":" + std::to_string(port);
      } else {
        last = "it has not written its port to {port_file} (" + port_file + ")";
      }
    }
    if (port != 0) {
      // The last probe may run past the deadline by kMinProbe: cut shorter, it would report "no
      // answer in time" instead of what the service really answers.
      const Nanos left(std::max<int64_t>(kMinProbe.count(), deadline - steady_now_ns()));
      last = service::probe_once(spec.ready, kHost, port, log, std::min(left, kMaxProbe));
      if (last.empty()) return "";
    }
    if (steady_now_ns() >= deadline) return "was not ready after " + format_duration(spec.timeout) + ": " + last;
    std::unique_lock lock(mu);
    cv.wait_for(lock, kProbeEvery, [this] { return exited; });
  }
}

namespace {

// Stops the processes `find` lists once the service is gone: `signal` sends them SIGTERM (unless
// `term` is false: the group already had it), they have `grace` to end, then SIGKILL and up to
// kKillWait. Returns what happened, "" when nothing was left: "2 processes <what> outlived it:
// killed with SIGKILL".
std::string stop_leftovers(const std::function<std::vector<pid_t>()>& find,
                           const std::function<void(const std::vector<pid_t>&, int)>& signal, bool term,
                           Nanos grace, const std::string& what) {
  std::vector<pid_t> left = find();
  if (left.empty()) return "";
  const size_t count = left.size();
  if (term) signal(left, SIGTERM);
  const int64_t until = steady_now_ns() + grace.count();
  while (!left.empty() && steady_now_ns() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    left = find();
  }
  const bool had_to_kill = !left.empty();
  if (had_to_kill) {
    signal(left, SIGKILL);
    const int64_t kill_until = steady_now_ns() + kKillWait.count();
    while (!find().empty() && steady_now_ns() < kill_until) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::to_string(count) + (count == 1 ? " process " : " processes ") + what + " outlived it: " +
         (had_to_kill ? "killed with SIGKILL" : "ended on SIGTERM");
}

}  // namespace

void Service::State::halt() {
  if (pid <= 0) return;
  std::unique_lock lock(mu);
  if (stopped) return;
  const bool died = exited;  // on its own: its children (if any) have had no SIGTERM yet
  if (!exited) {
    stopping = true;
    term_steady = steady_now_ns();
    kill(-pid, SIGTERM);
    if (!cv.wait_for(lock, spec.grace, [this] { return exited; })) {
      killed = true;
      kill(-pid, SIGKILL);
      cv.wait_for(lock, kKillWait, [this] { return exited; });
    }
  }
  lock.unlock();
  // Children it forked are in its group and may outlive it; what it started outside its group
  // (setsid, a double fork) is found by its marker.
  const std::string in_group = stop_leftovers([this] { return service::live_members(pid); },
                                              [this](const std::vector<pid_t>&, int sig) { kill(-pid, sig); },
                                              died, spec.grace, "of its group");
  const std::string outside = stop_leftovers([this] { return service::marked(marker); },
                                             [](const std::vector<pid_t>& left, int sig) {
                                               for (pid_t p : left) kill(p, sig);
                                             },
                                             true, spec.grace, "it started outside its group (setsid)");
  lock.lock();
  leftovers = in_group + (!in_group.empty() && !outside.empty() ? "; " : "") + outside;
  lock.unlock();
  if (guard) guard->release();
  if (reaper.joinable()) reaper.join();
  if (tap) tap->finish();
  lock.lock();
  stopped = true;
}

std::string Service::State::describe() const {
  if (pid <= 0) return "not started by loadgate";
  if (!exited) return "running";
  std::string out;
  if (killed)
    out = "ignored SIGTERM for " + format_duration(spec.grace) + ": killed with SIGKILL";
  else if (stopping)
    out = service::describe_status(wait_status) + " on SIGTERM after " + format_ms(exited_steady - term_steady);
  else
    out = service::describe_status(wait_status) + " " + format_ms(exited_steady - started_steady) + " after its start";
  if (!leftovers.empty()) out += "; " + leftovers;
  return out;
}

Service::Service() : s_(std::make_unique<State>()) {}

Service::Service(const ProcessSpec& spec, std::string name, std::string log) : Service() {
  State& st = *s_;
  st.name = std::move(name);
  st.log = std::move(log);
  st.spec = spec;
  const std::string where = spec.file;
  if (spec.command.empty() || spec.command[0].empty())
    throw InputError(where, 0, spec.field + ".command", "empty: nothing to start");
  std::string error;
  const std::string path = service::find_program(spec.command[0], spec.directory, error);
  if (path.empty()) throw InputError(where, 0, spec.field + ".command[0]", error);
  const bool picks_port = spec.uses("{port}") || spec.uses("{addr}");
  const bool writes_port = spec.uses("{port_file}");
  if (!picks_port && !writes_port && spec.port <= 0)
    throw InputError(where, 0, spec.field + ".command",
                     "neither {port}, {addr} nor {port_file} appears, and no port is given: where does it listen?");
  if (spec.port > 0 && port_in_use(spec.port))
    throw InputError(where, 0, spec.field + ".port",
                     std::to_string(spec.port) + " is already in use on 127.0.0.1 (another server listens there): "
                     "stop it, or let loadgate pick a free port with {port}");
  for (int attempt = 1;; ++attempt) {
    st.port = picks_port ? free_port() : spec.port;
    st.address = st.port ? std::string(kHost) + ":" + std::to_string(st.port) : "";
    if (writes_port) {
      st.port_file = st.log + ".port";
      std::remove(st.port_file.c_str());
    }
    st.spawn(path, attempt > 1);
    bool exited_early = false;
    const std::string why = st.wait_ready(exited_early);
    if (why.empty()) return;
    st.halt();
    std::string tail_text;
    bool port_taken = false;
    for (const std::string& line : tail(20)) {
      tail_text += "\n  | " + line;
      port_taken = port_taken || line.find("in use") != std::string::npos || line.find("EADDRINUSE") != std::string::npos;
    }
    if (exited_early && port_taken && picks_port && attempt < kStartAttempts)
      continue;  // someone took the port between our pick and its bind
    ServiceStatus failed;
    failed.name = st.name;
    failed.command = st.command_line;
    failed.log = st.log;
    failed.failure = "service " + st.name + " (" + st.command_line + ") " + why;
    failed.last_lines = tail(20);
    failed.ready = false;
    throw ServiceStartError(failed.failure + "\nlast lines of its output (" + st.log + "):" +
                                (tail_text.empty() ? std::string("\n  (none)") : tail_text),
                            failed);
  }
}

Service Service::adopt(std::string address, std::string name) {
  Service s;
  s.s_->address = std::move(address);
  s.s_->name = std::move(name);
  return s;
}

Service::Service(Service&&) noexcept = default;
Service& Service::operator=(Service&& other) noexcept {
  if (this != &other) {
    if (s_) stop();
    s_ = std::move(other.s_);
  }
  return *this;
}

Service::~Service() {
  if (s_) stop();
}

const std::string& Service::address() const { return s_->address; }

std::string Service::url(const std::string& scheme) const { return scheme + "://" + s_->address; }

int Service::pid() const { return s_->pid; }

std::vector<MonitoredProcess> Service::monitored() const {
  if (s_->pid <= 0) return {};
  MonitoredProcess m;
  m.pid = s_->pid;
  m.role = "sut";
  m.group = true;
  return {m};
}

void Service::watch(std::atomic<bool>* stop) {
  std::lock_guard lock(s_->mu);
  s_->watch = stop;
  if (stop && s_->exited && !s_->stopping) stop->store(true);
}

std::optional<int64_t> Service::died_at() const {
  std::lock_guard lock(s_->mu);
  if (s_->pid > 0 && s_->exited && !s_->stopping) return s_->exited_unix;
  return std::nullopt;
}

std::string Service::exit_text() const {
  std::lock_guard lock(s_->mu);
  return s_->describe();
}

std::string Service::exit_cause() const {
  std::lock_guard lock(s_->mu);
  return s_->pid > 0 && s_->exited ? service::describe_status(s_->wait_status) : "running";
}

ServiceStatus Service::status() const {
  ServiceStatus out;
  out.name = s_->name;
  out.command = s_->command_line;
  out.address = s_->address;
  out.pid = s_->pid;
  out.log = s_->pid > 0 ? s_->log : "";
  std::lock_guard lock(s_->mu);
  if (s_->pid > 0 && s_->exited) out.ended = s_->describe();
  return out;
}

std::vector<std::string> Service::tail(size_t n) const {
  if (s_->pid <= 0) return {};
  if (!s_->tap) return {};
  s_->tap->settle(std::chrono::milliseconds(200));  // a service that just died: its last lines first
  const std::string recent = s_->tap->recent();
  return last_lines_of(recent, n, s_->tap->total() > recent.size());
}

ServiceStatus Service::stop() {
  s_->halt();
  return status();
}

}  // namespace loadgate
