// monitor.cc: /proc sampling and the per-role resource series.
#include "loadgate/monitor.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
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

// Sums rx/tx bytes of every interface in /proc/<pid>/net/dev (the process's namespace).
void read_net(int pid, uint64_t& rx, uint64_t& tx) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/net/dev");
  std::string line;
  rx = tx = 0;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::istringstream fields(line.substr(colon + 1));
    uint64_t v[16] = {0};
    for (auto& x : v) fields >> x;
    rx += v[0];
    tx += v[8];
  }
}

}  // namespace

std::optional<ProcessCounters> read_process(int pid) {
  ProcessCounters c;
  c.steady_ns = steady_now_ns();
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return std::nullopt;
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(text.substr(close + 2));
  std::vector<std::string> f;
  std::string tok;
  while (rest >> tok) f.push_back(tok);
  if (f.size() < 22) return std::nullopt;
  // rest[0] is field 3 (state): utime = field 14, stime = 15, num_threads = 20, rss = 24.
  c.cpu_ticks = std::stoull(f[11]) + std::stoull(f[12]);
  c.threads = std::stoi(f[17]);
  c.rss_bytes = std::stoull(f[21]) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  c.fds = count_fds(pid);
  read_net(pid, c.net_rx, c.net_tx);
  return c;
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
  s.net_rx_bytes = after.net_rx >= before.net_rx ? after.net_rx - before.net_rx : 0;
  s.net_tx_bytes = after.net_tx >= before.net_tx ? after.net_tx - before.net_tx : 0;
  return s;
}

std::string Sample::to_json() const {
  nlohmann::ordered_json j = {{"time_ns", time_ns}, {"role", role},           {"pid", pid},
                              {"cpu", cpu_percent}, {"rss", rss_bytes},       {"threads", threads},
                              {"fds", fds},         {"net_rx", net_rx_bytes}, {"net_tx", net_tx_bytes}};
  return j.dump();
}

std::optional<Sample> Sample::from_json(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  Sample s;
  try {
    s.time_ns = j.value("time_ns", int64_t{0});
    s.role = j.value("role", "");
    s.pid = j.value("pid", 0);
    s.cpu_percent = j.value("cpu", 0.0);
    s.rss_bytes = j.value("rss", uint64_t{0});
    s.threads = j.value("threads", 0);
    s.fds = j.value("fds", 0);
    s.net_rx_bytes = j.value("net_rx", uint64_t{0});
    s.net_tx_bytes = j.value("net_tx", uint64_t{0});
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
  return s;
}

// ---- Monitor ----

Monitor::Monitor(std::vector<Target> targets) : targets_(std::move(targets)) {}

Monitor::~Monitor() { stop(); }

void Monitor::start(Nanos interval, std::function<void(const Sample&)> on_sample) {
  on_sample_ = std::move(on_sample);
  for (const Target& t : targets_)
    if (auto c = read_process(t.pid)) last_[t.pid] = *c;
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
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, interval, [this] { return stopping_; })) {
    lock.unlock();
    take();
    lock.lock();
  }
}

void Monitor::take() {
  for (const Target& t : targets_) {
    auto now = read_process(t.pid);
    auto it = last_.find(t.pid);
    if (!now || it == last_.end()) continue;
    if (now->steady_ns - it->second.steady_ns < 100'000'000) continue;  // too short to mean anything
    Sample s = sample_between(it->second, *now, t.pid, t.role);
    it->second = *now;
    samples_.push_back(s);
    if (on_sample_) on_sample_(s);
  }
}

// ---- Resources ----

void Resources::add(const Sample& s) {
  auto [it, fresh] = by_role_.try_emplace(s.role);
  if (fresh) order_.push_back(s.role);
  Role& r = it->second;
  r.peak_rss = std::max(r.peak_rss, s.rss_bytes);
  r.peak_cpu = std::max(r.peak_cpu, s.cpu_percent);
  r.peak_fds = std::max(r.peak_fds, s.fds);
  r.cpu_sum += s.cpu_percent;
  ++r.count;
  auto pos = std::upper_bound(r.points.begin(), r.points.end(), s.time_ns,
                              [](int64_t t, const Sample& p) { return t < p.time_ns; });
  r.points.insert(pos, s);
  if (r.points.size() > kMaxPoints) {
    // Merge neighbours pairwise, keeping each field's maximum: peaks stay visible.
    std::vector<Sample> merged;
    for (size_t i = 0; i < r.points.size(); i += 2) {
      Sample m = r.points[i];
      if (i + 1 < r.points.size()) {
        const Sample& b = r.points[i + 1];
        m.time_ns = b.time_ns;
        m.cpu_percent = std::max(m.cpu_percent, b.cpu_percent);
        m.rss_bytes = std::max(m.rss_bytes, b.rss_bytes);
        m.threads = std::max(m.threads, b.threads);
        m.fds = std::max(m.fds, b.fds);
        m.net_rx_bytes += b.net_rx_bytes;
        m.net_tx_bytes += b.net_tx_bytes;
      }
      merged.push_back(m);
    }
    r.points = std::move(merged);
  }
}

void Resources::merge(const Resources& other) {
  for (const std::string& role : other.order_)
    for (const Sample& s : other.by_role_.at(role).points) add(s);
}

std::vector<std::string> Resources::roles() const { return order_; }

const std::vector<Sample>& Resources::series(const std::string& role) const {
  static const std::vector<Sample> none;
  auto it = by_role_.find(role);
  return it == by_role_.end() ? none : it->second.points;
}

uint64_t Resources::peak_rss(const std::string& role) const {
  auto it = by_role_.find(role);
  return it == by_role_.end() ? 0 : it->second.peak_rss;
}

double Resources::peak_cpu(const std::string& role) const {
  auto it = by_role_.find(role);
  return it == by_role_.end() ? 0 : it->second.peak_cpu;
}

double Resources::mean_cpu(const std::string& role) const {
  auto it = by_role_.find(role);
  return it == by_role_.end() || it->second.count == 0 ? 0 : it->second.cpu_sum / static_cast<double>(it->second.count);
}

int Resources::peak_fds(const std::string& role) const {
  auto it = by_role_.find(role);
  return it == by_role_.end() ? 0 : it->second.peak_fds;
}

}  // namespace loadgate
