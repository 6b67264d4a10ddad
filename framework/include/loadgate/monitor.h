// monitor.h (monitor layer): resource usage of the generator and of the system under test, sampled from /proc
// once a second during a run by a thread of its own (the data is in resources.h).
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
#include <unordered_map>
#include <utility>
#include <thread>
#include <vector>

#include "loadgate/duration.h"
#include "loadgate/resources.h"

namespace loadgate {

/// Process counters read at one instant (cumulative), to compute a Sample between two reads.
struct ProcessCounters {
  uint64_t cpu_ticks = 0;  ///< utime + stime, in clock ticks
  uint64_t rss_bytes = 0;
  int threads = 0;
  int fds = 0;
  /// Bytes (sent, received) of each TCP socket it holds, by inode, as the
  /// kernel counts them (tcp_info): its own traffic, not its network interface's.
  std::unordered_map<uint64_t, std::pair<uint64_t, uint64_t>> sockets;
  int64_t steady_ns = 0;
};

/// The fields of /proc/<pid>/stat after the command name (which may hold spaces): [0] is field 3
/// (state), [2] field 5 (pgrp), [11] and [12] utime and stime, [13] and [14] cutime and cstime,
/// [17] num_threads, [21] rss in pages. nullopt when the process is gone or the line is short.
std::optional<std::vector<std::string>> proc_stat_fields(int pid);

/// The processes of group `pgid` that live (not zombies nor dead), from /proc.
std::vector<int> process_group_members(int pgid);

/// Reads the counters of `pid` from /proc; nullopt when the process is gone.
std::optional<ProcessCounters> read_process(int pid);

/// The counters of every live process of group `pgid`, summed (CPU includes the children its
/// members have waited for); nullopt when none is left.
std::optional<ProcessCounters> read_group(int pgid);

/// The Sample between two reads of the same process.
Sample sample_between(const ProcessCounters& before, const ProcessCounters& after, int pid, const std::string& role);

/// Monitor samples processes on its own thread until stopped.
class Monitor {
 public:
  /// Watches `targets`.
  explicit Monitor(std::vector<MonitoredProcess> targets);
  ~Monitor();
  /// Reads the counters the first interval counts from. Reading takes milliseconds (the process
  /// table, the socket table): an attack primes before it fixes its start, so that the reading
  /// does not delay the first hits (four shards on one core started 20 ms late when it came
  /// between the start and the first hit). start() primes if this was not called.
  void prime();
  /// Starts sampling every `interval`; `on_sample` (optional) sees each sample as it is taken.
  void start(Nanos interval = std::chrono::seconds(1), std::function<void(const Sample&)> on_sample = nullptr);
  /// Takes a last sample and stops. Idempotent.
  void stop();
  /// Every sample taken (call after stop()).
  const std::vector<Sample>& samples() const { return samples_; }

 private:
  void loop(Nanos interval);
  void take();
  static std::optional<ProcessCounters> read(const MonitoredProcess& p);
  std::vector<MonitoredProcess> targets_;
  std::map<int, ProcessCounters> last_;
  bool primed_ = false;  // prime() ran
  std::vector<Sample> samples_;
  std::function<void(const Sample&)> on_sample_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace loadgate
