// stall_probe.h (internal): the machine's own stalls, measured beside an attack, so that a hit
// sent late is blamed on the generator only when the machine was not holding its core.
//
// One probe thread per CPU, pinned to it at real-time priority (SCHED_FIFO 1: nothing of the
// generator, the service or any other normal thread can delay it), sleeps kProbePeriod at a time
// and records every wake-up that came more than kProbeSlack late: the core was held by the
// kernel (interrupts, soft interrupts), the hypervisor (steal), or a real-time thread. This is the
// "bare sleeping thread" reference of issue #11, run in the same seconds as the attack.
//
// A worker that wakes late looks up its CPU's probe for the same window: if the probe was held
// through at least half of it, the machine stalled, not the generator. Without the right to run
// at real-time priority (no CAP_SYS_NICE), there is no probe and nothing is attributed.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

namespace loadgate::engine {

/// Time between two wake-ups of a probe (ns).
inline constexpr int64_t kProbePeriod = 1'000'000;
/// A probe wake-up later than this is a stall (ns): a sleeping thread's wake-up latency on a
/// virtual machine is 50-150 us (issue #11), well under it.
inline constexpr int64_t kProbeSlack = 300'000;

/// StallProbe runs the per-CPU probes from construction to destruction.
class StallProbe {
 public:
  /// Starts a probe on every CPU this process may run on (at most 64).
  StallProbe();
  /// Stops and joins the probes.
  ~StallProbe();
  StallProbe(const StallProbe&) = delete;
  StallProbe& operator=(const StallProbe&) = delete;

  /// Whether the probes run (real-time priority was granted).
  bool running() const { return running_.load(); }
  /// Whether CPU `cpu`'s probe was held during at least `need` ns of [from, to] (steady ns).
  /// Thread-safe. False when there is no probe for `cpu`.
  bool held(int cpu, int64_t from, int64_t to, int64_t need) const;
  /// Stalls the probes saw, and their time (ns), all CPUs: the machine's own account.
  uint64_t stalls() const;
  int64_t stall_ns() const;

 private:
  // One late wake-up: the window [start, end] (steady ns) the core was held.
  struct Interval {
    std::atomic<uint32_t> seq{0};  // odd while being written
    std::atomic<int64_t> start{0}, end{0};
  };
  struct Probe {
    int cpu = 0;
    std::array<Interval, 256> ring;
    std::atomic<uint64_t> count{0};  // intervals written
    std::atomic<int64_t> total_ns{0};
    std::thread thread;
  };
  void loop(Probe& p);
  std::vector<std::unique_ptr<Probe>> probes_;
  std::vector<int> by_cpu_;  // index into probes_, -1 = none
  std::atomic<bool> stop_{false};
  std::atomic<bool> running_{false};
  std::atomic<int> started_{0};
};

}  // namespace loadgate::engine
