// monitor.cc: /proc sampling on a thread of its own.
#include "loadgate/monitor.h"

#include "monitor/socket_bytes.h"

#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace loadgate {
namespace {

int count_fds(int pid) {
  const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = opendir(dir.c_str());
  if (!d) return 0;
  int n = 0;
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.') ++n;
  closedir(d);
  return n;
}

}  // namespace

std::optional<std::vector<std::string>> proc_stat_fields(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return std::nullopt;
  const auto close = text.rfind(')');
  if (close == std::string::npos || close + 2 > text.size()) return std::nullopt;
  std::istringstream rest(text.substr(close + 2));
  std::vector<std::string> f;
  std::string tok;
  while (rest >> tok) f.push_back(tok);
  if (f.size() < 22) return std::nullopt;
  return f;
}

std::vector<int> process_group_members(int pgid) {
  std::vector<int> out;
  DIR* d = opendir("/proc");
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    const auto f = proc_stat_fields(static_cast<int>(pid));
    if (f && (*f)[0] != "Z" && (*f)[0] != "X" && std::strtol((*f)[2].c_str(), nullptr, 10) == pgid)
      out.push_back(static_cast<int>(pid));
  }
  closedir(d);
  return out;
}

namespace {

// The counters of `pid`; with `children`, its CPU includes that of the children it waited for.
std::optional<ProcessCounters> counters(int pid, bool children) {
  const auto f = proc_stat_fields(pid);
  if (!f) return std::nullopt;
  ProcessCounters c;
  c.steady_ns = steady_now_ns();
  c.cpu_ticks = std::stoull((*f)[11]) + std::stoull((*f)[12]);
  if (children) c.cpu_ticks += std::stoull((*f)[13]) + std::stoull((*f)[14]);
  c.threads = std::stoi((*f)[17]);
  c.rss_bytes = std::stoull((*f)[21]) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  c.fds = count_fds(pid);
  const auto table = tcp_socket_table();  // one dump per 100 ms, shared by a group's members
  for (uint64_t inode : socket_inodes(pid))
    if (auto it = table->find(inode); it != table->end()) c.sockets[inode] = {it->second.sent, it->second.received};
  return c;
}

}  // namespace

std::optional<ProcessCounters> read_process(int pid) { return counters(pid, false); }

std::optional<ProcessCounters> read_group(int pgid) {
  std::optional<ProcessCounters> sum;
  for (int pid : process_group_members(pgid)) {
    auto c = counters(pid, true);
    if (!c) continue;
    if (!sum) {
      sum = std::move(c);
      continue;
    }
    sum->cpu_ticks += c->cpu_ticks;
    sum->rss_bytes += c->rss_bytes;
    sum->threads += c->threads;
    sum->fds += c->fds;
    sum->sockets.insert(c->sockets.begin(), c->sockets.end());  // a socket two members share counts once
  }
  return sum;
}

Sample sample_between(const ProcessCounters& before, const ProcessCounters& after, int pid, const std::string& role) {
  Sample s;
  s.time_ns = unix_now_ns();
  s.role = role;
  s.pid = pid;
  const double wall = static_cast<double>(after.steady_ns - before.steady_ns) / 1e9;
  const double cpu =
      static_cast<double>(after.cpu_ticks - before.cpu_ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
  s.cpu_percent = wall > 0 ? 100.0 * cpu / wall : 0;
  s.rss_bytes = after.rss_bytes;
  s.threads = after.threads;
  s.fds = after.fds;
  // Each socket's bytes since the last read (since it opened, for one opened in between); the
  // bytes of a socket that closed in between, after the last read, are not seen.
  for (const auto& [inode, bytes] : after.sockets) {
    const auto it = before.sockets.find(inode);
    const std::pair<uint64_t, uint64_t> was = it == before.sockets.end() ? std::pair<uint64_t, uint64_t>{0, 0} : it->second;
    s.net_tx_bytes += bytes.first >= was.first ? bytes.first - was.first : 0;
    s.net_rx_bytes += bytes.second >= was.second ? bytes.second - was.second : 0;
  }
  return s;
}

// ---- Monitor ----

Monitor::Monitor(std::vector<MonitoredProcess> targets) : targets_(std::move(targets)) {}

Monitor::~Monitor() { stop(); }

void Monitor::prime() {
  primed_ = true;
  for (const MonitoredProcess& t : targets_)
    if (auto c = read(t)) last_[t.pid] = *c;
}

void Monitor::start(Nanos interval, std::function<void(const Sample&)> on_sample) {
  on_sample_ = std::move(on_sample);
  if (!primed_) prime();
  thread_ = std::thread([this, interval] { loop(interval); });
}

void Monitor::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  take();
}

void Monitor::loop(Nanos interval) {
  // Sampling must never delay the attacker's threads: run only on otherwise idle CPU time.
  sched_param idle{};
  pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle);
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, interval, [this] { return stopping_; })) {
    lock.unlock();
    take();
    lock.lock();
  }
}

std::optional<ProcessCounters> Monitor::read(const MonitoredProcess& p) {
  return p.group ? read_group(p.pid) : read_process(p.pid);
}

void Monitor::take() {
  for (const MonitoredProcess& t : targets_) {
    auto now = read(t);
    auto it = last_.find(t.pid);
    if (!now || it == last_.end()) continue;
    if (now->steady_ns - it->second.steady_ns < 100'000'000) continue;  // too short to mean anything
    // A group's CPU can drop when a member exits unwaited-for: never a negative interval.
    if (now->cpu_ticks < it->second.cpu_ticks) it->second.cpu_ticks = now->cpu_ticks;
    Sample s = sample_between(it->second, *now, t.pid, t.role);
    it->second = *now;
    samples_.push_back(s);
    if (on_sample_) on_sample_(s);
  }
}

}  // namespace loadgate
