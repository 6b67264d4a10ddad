// resources.h (core layer): resource usage of processes during a run (CPU %, RSS, threads, open files,
// network bytes): one Sample per process per second, aggregated per role by Resources. The
// sampling thread is monitor.h.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace loadgate {

/// MonitoredProcess is a process to sample and the role it is reported under ("sut").
struct MonitoredProcess {
  int pid = 0;
  std::string role;
  /// Sample its whole process group (pid is the group id): a service and the children it forks
  /// count as one.
  bool group = false;
};

/// Sample is the resource usage of one process at one moment.
struct Sample {
  int64_t time_ns = 0;  ///< Unix ns
  std::string role;     ///< "generator", "sut", or a name given with -monitor-pid
  int pid = 0;
  double cpu_percent = 0;  ///< CPU time over the last interval / wall time (100 = one core)
  uint64_t rss_bytes = 0;  ///< resident set size
  int threads = 0;
  int fds = 0;                ///< open file descriptors
  uint64_t net_rx_bytes = 0;  ///< bytes the process's TCP sockets received over the last interval
  uint64_t net_tx_bytes = 0;  ///< bytes they sent over it (retransmissions apart)
  /// JSON text of the sample (the results stream's sample frames).
  std::string to_json() const;
  /// Parses to_json() output; nullopt when malformed.
  static std::optional<Sample> from_json(const std::string& text);
};

/// Resources aggregates samples per role: peaks, means and a bounded time series.
class Resources {
 public:
  /// Samples kept per role; beyond, neighbours are merged (max of each field).
  static constexpr size_t kMaxPoints = 600;
  /// Adds a sample.
  void add(const Sample& s);
  /// Adds everything of `other`.
  void merge(const Resources& other);
  /// Roles seen, in first-seen order.
  std::vector<std::string> roles() const;
  /// Samples of `role`, in time order, at most kMaxPoints.
  const std::vector<Sample>& series(const std::string& role) const;
  /// Peak RSS of `role` (bytes; 0 when unknown).
  uint64_t peak_rss(const std::string& role) const;
  /// Peak CPU % of `role`.
  double peak_cpu(const std::string& role) const;
  /// Mean CPU % of `role` over its samples.
  double mean_cpu(const std::string& role) const;
  /// Peak open files of `role`.
  int peak_fds(const std::string& role) const;
  /// Whether any sample was added.
  bool empty() const { return by_role_.empty(); }

 private:
  struct Role {
    std::vector<Sample> points;
    uint64_t peak_rss = 0;
    double peak_cpu = 0;
    double cpu_sum = 0;
    uint64_t count = 0;
    int peak_fds = 0;
  };
  std::vector<std::string> order_;
  std::map<std::string, Role> by_role_;
};

}  // namespace loadgate
