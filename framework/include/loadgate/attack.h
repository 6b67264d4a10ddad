// attack.h (core layer): what every driver takes and gives back: the options of an attack,
// its header, the sink of its results and its run record.
//
// The attacker is protocol-agnostic: it paces hits (open model) or keeps N workers busy
// (closed model) on one Asio io_context per thread, share-nothing, and merges each thread's
// Metrics once at the end. Drivers (http.h, grpc.h, ws.h) supply the wire.
//
//   loadgate::AttackOptions o;
//   o.load.rate = loadgate::parse_rate("100/1s");
//   o.load.duration = std::chrono::seconds(10);
//   loadgate::AttackRun run = loadgate::attack_http(targets, {}, o);
//   run.metrics.summarize().latency.p99;   // ns
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "loadgate/load.h"
#include "loadgate/metrics.h"
#include "loadgate/resources.h"

namespace loadgate {

/// Connections that may be opening at once per thread. A hit that finds no free worker while
/// this many connect waits (and is late) instead of opening yet another: no connection storm.
inline constexpr int kMaxConnecting = 16;
/// Hits that may wait for a free worker per thread before further ones are dropped.
inline constexpr size_t kPendingCapacity = 1 << 16;

/// AttackInfo identifies the attack a stream came from.
struct AttackInfo {
  std::string name;         ///< -name of the attack
  std::string protocol;     ///< "http", "grpc", "ws"
  std::string rate;         ///< the pacer's spec, or "0" for closed model
  int64_t started_ns = 0;   ///< Unix ns of the attack's start
  int64_t duration_ns = 0;  ///< requested duration (0 = unbounded)
  /// The wire protocol of each target by label ("GET https://h/" -> "HTTP/2.0"), when known.
  std::map<std::string, std::string> target_protocols;
  std::string shard;  ///< "i/n" of a sharded attack; "" otherwise
  std::string trial;  ///< "k/n" of one of an attack's trials (Load::trials); "" otherwise
  std::string host;   ///< the generator's host name
  /// The whole attack's plan, the same in every shard's header: "rate=2500/1s duration=10s
  /// requests=0 workers=10 shards=4".
  std::string plan;
  /// JSON text of this header.
  std::string to_json() const;
  /// Parses the JSON text of a header; unknown keys are ignored. False on malformed JSON.
  static bool from_json(const std::string& text, AttackInfo& out);
};

/// RunEnd closes an attack's results: how it ended and what the generator says of itself. A
/// stream without one was cut short (the process was killed).
struct RunEnd {
  bool interrupted = false;   ///< ended early: Ctrl-C, a stop flag, an aborted soak
  int64_t elapsed_ns = 0;     ///< from the start to the last result (ns)
  GeneratorStats generator;   ///< the generator's own account
  /// JSON text of this record.
  std::string to_json() const;
  /// Parses the JSON text of a record; unknown keys are ignored. False on malformed JSON.
  static bool from_json(const std::string& text, RunEnd& out);
};

/// KeptResponse is what goes beside one result when there is something: the start of its
/// response body (-max-body=N > 0), its header lines (-keep-headers=N > 0), the phases of the
/// connection opened for it, its trace id. `index` is its result's position in the batch it came with.
struct KeptResponse {
  uint32_t index = 0;
  std::string bytes;     ///< the start of the body
  std::string headers;   ///< header lines as received, "Name: value\r\n" each
  ConnectPhases opened;  ///< of the connection opened for it ({}: it reused one)
  TraceId trace;         ///< the trace id its request carried, kept for one of the slowest (-trace)
};

/// ResultsSink receives what an attack produces, from one thread at a time and in order: the
/// header once, before anything else, then batches of results (in no particular order across
/// the attacker's threads) and resource samples as they are taken, then the end once.
class ResultsSink {
 public:
  virtual ~ResultsSink() = default;
  /// The attack's header, once, before its start.
  virtual void header(const AttackInfo& info) = 0;
  /// A batch of `count` results.
  virtual void results(const Result* results, size_t count) = 0;
  /// A batch of which some results kept part of their response (ordered by index).
  /// Default: the results alone.
  virtual void results(const Result* results, size_t count, const std::vector<KeptResponse>& bodies) {
    (void)bodies;
    this->results(results, count);
  }
  /// One resource sample.
  virtual void sample(const Sample& sample) = 0;
  /// The end of the attack, once, after everything else.
  virtual void end(const RunEnd&) {}
  /// Whether the sink can take no more (a closed pipe, a full disk): the attack then stops.
  /// Thread-safe.
  virtual bool broken() const { return false; }
};

/// LiveCounters are an attack's figures that its launcher publishes while it runs (every 50 ms),
/// for live exporters (prometheus.h): read with relaxed loads, from any thread.
struct LiveCounters {
  std::atomic<uint64_t> in_flight{0};  ///< hits handed to a worker and not yet done
  std::atomic<uint64_t> workers{0};    ///< workers open (connections, streams, call slots)
  std::atomic<int64_t> started_ns{0};  ///< Unix ns of the attack's start; 0 before it
  std::atomic<bool> done{false};       ///< the attack is over
};

/// AttackOptions is an attack's load and where its output goes.
struct AttackOptions {
  Load load;  ///< rate, duration, workers, timeout, trials, shard
  std::string name;                                 ///< attack name (Vegeta's -name), kept in results headers
  Nanos interrupt_grace = std::chrono::seconds(1);  ///< in-flight time allowed after a stop
  ResultsSink* sink = nullptr;                      ///< optional: receives the header, results and samples
  std::FILE* progress = nullptr;                    ///< optional: a progress line each second goes here
  const std::atomic<bool>* stop = nullptr;          ///< optional: set to end the attack early
  /// Processes to sample once a second besides the generator itself (e.g. {sut_pid, "sut"}).
  std::vector<MonitoredProcess> monitor;
  /// Sample the generator's own resource usage (default on).
  bool monitor_self = true;
  /// Optional: live figures the launcher keeps up to date (see LiveCounters).
  LiveCounters* live = nullptr;
  /// CPUs the generator's I/O threads run on (empty = any): away from a service that shares
  /// the machine, so that neither waits for the other's core.
  std::vector<int> cpus;
  /// "k/n" when this run is trial k of n (written in the results header); "" otherwise.
  std::string trial;
};

/// AttackRun is what an attack produced (named so as not to clash with testing::Test::Run).
struct AttackRun {
  AttackInfo info;           ///< name, protocol, rate, start
  Metrics metrics;           ///< every result, aggregated
  bool interrupted = false;  ///< ended early by AttackOptions::stop
  uint64_t workers = 0;      ///< workers (connections, call slots) opened, all threads
  std::string abort_reason;  ///< why the run was stopped early by a check, if it was
  Nanos elapsed{0};          ///< wall time from start to the last result
  /// gRPC: bytes on the attack's TCP connections to the server, as the kernel counts them
  /// (HTTP/2 framing, headers and compression included); WebSocket: the bytes of the
  /// handshakes and frames written (compressed payloads included); 0 for other protocols.
  uint64_t wire_bytes_out = 0;
  uint64_t wire_bytes_in = 0;  ///< gRPC, WebSocket: bytes received on those connections
  /// With trials (Load::trials > 1): each trial's figures of the primary kind, in order; the
  /// run's metrics are all trials merged.
  std::vector<Summary> trials;
};

/// Runs `attack` options.load.trials times back to back, each run told its trial ("k/n" in
/// AttackOptions::trial, and so in its results header), and returns them as one run: every
/// trial's metrics merged, each trial's summary of the primary kind in AttackRun::trials, the
/// times and counts summed. An interrupted trial ends the series. With one trial, the run as is.
AttackRun run_trials(const AttackOptions& options, const std::function<AttackRun(const AttackOptions&)>& attack);

}  // namespace loadgate
