// monitor.h: resource usage of the generator and of the system under test, sampled from /proc
// once a second during a run: CPU %, RSS, threads, open files, network bytes.
//
//   loadgate::Monitor m({{getpid(), "generator"}, {sut_pid, "sut"}});
//   m.start(std::chrono::seconds(1));  ...  m.stop();
//   for (const loadgate::Sample& s : m.samples()) ...
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "loadgate/duration.h"

namespace loadgate {

/// Sample is the resource usage of one process at one moment.
struct Sample {
  int64_t time_ns = 0;  ///< Unix ns
  std::string role;     ///< "generator", "sut", or a name given with -monitor-pid
  int pid = 0;
  double cpu_percent = 0;  ///< CPU time over the last interval / wall time (100 = one core)
  uint64_t rss_bytes = 0;  ///< resident set size
  int threads = 0;
  int fds = 0;                ///< open file descriptors
  uint64_t net_rx_bytes = 0;  ///< bytes received over the last interval, all interfaces of the
  uint64_t net_tx_bytes = 0;  ///<   process's network namespace (loopback included)
  /// JSON text of the sample (the results stream's sample frames).
  std::string to_json() const;
  /// Parses to_json() output; nullopt when malformed.
  static std::optional<Sample> from_json(const std::string& text);
};

/// Process counters read at one instant (cumulative), to compute a Sample between two reads.
struct ProcessCounters {
  uint64_t cpu_ticks = 0;  ///< utime + stime, in clock ticks
  uint64_t rss_bytes = 0;
  int threads = 0;
  int fds = 0;
  uint64_t net_rx = 0, net_tx = 0;
  int64_t steady_ns = 0;
};

/// Reads the counters of `pid` from /proc; nullopt when the process is gone.
std::optional<ProcessCounters> read_process(int pid);

/// The Sample between two reads of the same process.
Sample sample_between(const ProcessCounters& before, const ProcessCounters& after, int pid, const std::string& role);

/// Monitor samples processes on its own thread until stopped.
class Monitor {
 public:
  /// A process to watch and the role to report it under.
  struct Target {
    int pid;
    std::string role;
  };
  explicit Monitor(std::vector<Target> targets);
  ~Monitor();
  /// Starts sampling every `interval`; `on_sample` (optional) sees each sample as it is taken.
  void start(Nanos interval = std::chrono::seconds(1), std::function<void(const Sample&)> on_sample = nullptr);
  /// Takes a last sample and stops. Idempotent.
  void stop();
  /// Every sample taken (call after stop()).
  const std::vector<Sample>& samples() const { return samples_; }

 private:
  void loop(Nanos interval);
  void take();
  std::vector<Target> targets_;
  std::map<int, ProcessCounters> last_;
  std::vector<Sample> samples_;
  std::function<void(const Sample&)> on_sample_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
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
