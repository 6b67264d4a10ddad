// resources.cc: samples as JSON, and the per-role resource series.
#include "loadgate/resources.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace loadgate {

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
