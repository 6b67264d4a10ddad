// attack.h: run an attack and get its Metrics.
//
// The attacker is protocol-agnostic: it paces hits (open model) or keeps N workers busy
// (closed model) on one Asio io_context per thread, share-nothing, and merges each thread's
// Metrics once at the end. Drivers (http.h, grpc.h) supply the wire.
//
//   loadgate::AttackOptions o;
//   o.rate = std::get<loadgate::RateSpec>(loadgate::parse_rate("100/1s"));
//   o.duration = std::chrono::seconds(10);
//   loadgate::AttackRun run = loadgate::attack_http(targets, {}, o);
//   run.metrics.summarize().latency.p99;   // ns
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>

#include "loadgate/duration.h"
#include "loadgate/metrics.h"
#include "loadgate/monitor.h"
#include "loadgate/pacer.h"
#include "loadgate/results_file.h"

namespace loadgate {

/// Default request timeout (Vegeta's).
inline constexpr Nanos kDefaultTimeout = std::chrono::seconds(30);
/// Default number of workers (connections) opened up front, as Vegeta's -workers.
inline constexpr int kDefaultWorkers = 10;
/// Default cap on concurrent workers/connections in the open model: past it, hits queue
/// (and count as late) instead of opening ever more connections.
inline constexpr int kDefaultMaxWorkers = 1024;
/// Connections that may be opening at once per thread. A hit that finds no free worker while
/// this many connect waits (and is late) instead of opening yet another: no connection storm.
inline constexpr int kMaxConnecting = 16;
/// Hits that may wait for a free worker per thread before further ones are dropped.
inline constexpr size_t kPendingCapacity = 1 << 16;

/// ResultsSink receives results in batches, always from one collector thread, in no
/// particular order across threads.
using ResultsSink = std::function<void(const Result* results, size_t count)>;

/// AttackOptions is the load: how much, how long, how concurrent.
struct AttackOptions {
  std::string name;                                 ///< attack name (Vegeta's -name), kept in results headers
  RateSpec rate;                                    ///< pacer (open model); unlimited = closed model
  Nanos duration{0};                                ///< stop scheduling after this; 0 = no time bound
  uint64_t max_requests = 0;                        ///< stop after this many hits; 0 = no count bound
  int workers = kDefaultWorkers;                    ///< initial workers (open) or concurrency (closed model)
  int max_workers = kDefaultMaxWorkers;             ///< cap on concurrent workers (open model)
  int threads = 0;                                  ///< io threads (-cpus); 0 = hardware concurrency
  Nanos timeout = kDefaultTimeout;                  ///< per request; 0 = none
  Nanos interrupt_grace = std::chrono::seconds(1);  ///< in-flight time allowed after a stop
  ResultsSink sink;                                 ///< optional: receives every result (e.g. a results file)
  std::FILE* progress = nullptr;                    ///< optional: a progress line each second goes here
  const std::atomic<bool>* stop = nullptr;          ///< optional: set to end the attack early
  /// Processes to sample once a second besides the generator itself (e.g. {sut_pid, "sut"}).
  std::vector<Monitor::Target> monitor;
  /// Optional: receives every resource sample as it is taken (from the monitor's thread).
  std::function<void(const Sample&)> sample_sink;
  /// Sample the generator's own resource usage (default on).
  bool monitor_self = true;
};

/// AttackRun is what an attack produced (named so as not to clash with testing::Test::Run).
struct AttackRun {
  AttackInfo info;           ///< name, protocol, rate, start
  Metrics metrics;           ///< every result, aggregated
  bool interrupted = false;  ///< ended early by AttackOptions::stop
  uint64_t workers = 0;      ///< workers (connections, call slots) opened, all threads
  std::string abort_reason;  ///< why the run was stopped early by a check, if it was
  Nanos elapsed{0};          ///< wall time from start to the last result
};

/// Throws InputError when `o` is inconsistent (negative values, closed model without
/// workers, no bound at all when `require_bound`).
void validate(const AttackOptions& o, bool require_bound = false);

}  // namespace loadgate
