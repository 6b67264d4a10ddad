// stall_probe.cc: per-CPU real-time sleepers that record when the machine held their core.
#include "engine/stall_probe.h"

#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <chrono>

#include "loadgate/duration.h"

namespace loadgate::engine {

StallProbe::StallProbe() {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return;
  for (int cpu = 0; cpu < 64; ++cpu) {
    if (!CPU_ISSET(cpu, &allowed)) continue;
    if (by_cpu_.size() <= static_cast<size_t>(cpu)) by_cpu_.resize(static_cast<size_t>(cpu) + 1, -1);
    by_cpu_[static_cast<size_t>(cpu)] = static_cast<int>(probes_.size());
    probes_.push_back(std::make_unique<Probe>());
    probes_.back()->cpu = cpu;
  }
  for (auto& p : probes_) {
    Probe* probe = p.get();
    probe->thread = std::thread([this, probe] { loop(*probe); });
  }
  // Wait until every probe has its priority (or has given up), so that running() is known.
  for (int i = 0; i < 2000 && started_.load() < static_cast<int>(probes_.size()); ++i)
    std::this_thread::sleep_for(std::chrono::microseconds(100));
}

StallProbe::~StallProbe() {
  stop_.store(true);
  for (auto& p : probes_)
    if (p->thread.joinable()) p->thread.join();
}

void StallProbe::loop(Probe& p) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(p.cpu, &one);
  sched_param prio{};
  prio.sched_priority = 1;
  const bool ok = pthread_setaffinity_np(pthread_self(), sizeof one, &one) == 0 &&
                  pthread_setschedparam(pthread_self(), SCHED_FIFO, &prio) == 0;
  if (ok) running_.store(true);
  started_.fetch_add(1);
  if (!ok) return;
  int64_t next = steady_now_ns() + kProbePeriod;
  while (!stop_.load(std::memory_order_relaxed)) {
    const timespec at{next / 1'000'000'000, next % 1'000'000'000};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr);
    const int64_t now = steady_now_ns();
    if (now - next > kProbeSlack) {
      Interval& slot = p.ring[p.count.load(std::memory_order_relaxed) % p.ring.size()];
      slot.seq.fetch_add(1, std::memory_order_acq_rel);  // odd: being written
      slot.start.store(next, std::memory_order_relaxed);
      slot.end.store(now, std::memory_order_relaxed);
      slot.seq.fetch_add(1, std::memory_order_acq_rel);
      p.count.fetch_add(1, std::memory_order_release);
      p.total_ns.fetch_add(now - next, std::memory_order_relaxed);
    }
    next += kProbePeriod;
    if (next < now) next = now + kProbePeriod;  // skip the wake-ups the stall swallowed
  }
}

bool StallProbe::held(int cpu, int64_t from, int64_t to, int64_t need) const {
  if (cpu < 0 || static_cast<size_t>(cpu) >= by_cpu_.size() || by_cpu_[static_cast<size_t>(cpu)] < 0) return false;
  const Probe& p = *probes_[static_cast<size_t>(by_cpu_[static_cast<size_t>(cpu)])];
  const uint64_t n = p.count.load(std::memory_order_acquire);
  int64_t covered = 0;
  // The newest intervals first; older ones than the window end the search.
  for (uint64_t k = 0; k < std::min<uint64_t>(n, p.ring.size()); ++k) {
    const Interval& slot = p.ring[(n - 1 - k) % p.ring.size()];
    const uint32_t s1 = slot.seq.load(std::memory_order_acquire);
    const int64_t start = slot.start.load(std::memory_order_relaxed);
    const int64_t end = slot.end.load(std::memory_order_relaxed);
    if ((s1 & 1) || slot.seq.load(std::memory_order_acquire) != s1) continue;  // being rewritten
    if (end < from) break;
    covered += std::max<int64_t>(0, std::min(end, to) - std::max(start, from));
  }
  return covered >= need;
}

uint64_t StallProbe::stalls() const {
  uint64_t n = 0;
  for (const auto& p : probes_) n += p->count.load();
  return n;
}

int64_t StallProbe::stall_ns() const {
  int64_t n = 0;
  for (const auto& p : probes_) n += p->total_ns.load();
  return n;
}

}  // namespace loadgate::engine
