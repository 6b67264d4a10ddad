// load.h (core layer): the load model, one for the command line, baselines and suites.
//
// A load is either open (hits due on a pacer's schedule, whatever the service does) or closed
// (N workers back to back, as fast as the service answers). It is written as text, in flags
// (-rate=100/1s -duration=30s) or in a baseline's "load" object, and parsed and validated once,
// by parse_load(), into a Load.
//
//   loadgate::LoadSpec spec;  spec.rate = "10..500@60s";  spec.duration = "90s";
//   loadgate::Load load = loadgate::parse_load(spec, loadgate::LoadSource::flags());
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "loadgate/duration.h"
#include "loadgate/pacer.h"

namespace loadgate {

/// Default request timeout (Vegeta's).
inline constexpr Nanos kDefaultTimeout = std::chrono::seconds(30);
/// Default number of workers (connections) opened up front, as Vegeta's -workers.
inline constexpr int kDefaultWorkers = 10;
/// Default cap on concurrent workers/connections in the open model: past it, hits queue
/// (and count as late) instead of opening ever more connections.
inline constexpr int kDefaultMaxWorkers = 1024;
/// Highest -cpus accepted, as a multiple of the machine's cores: more threads than this only
/// add scheduling noise to the figures.
inline constexpr int kMaxThreadsPerCore = 4;

/// Load is how hard, how long and how concurrently an attack pushes.
struct Load {
  RateSpec rate;                         ///< when hits are due; unlimited() = closed model
  Nanos duration{0};                     ///< no hit is due after this; 0 = bounded by `requests` only
  uint64_t requests = 0;                 ///< stop after this many hits; 0 = no count bound
  int workers = kDefaultWorkers;         ///< open model: connections opened ahead; closed: concurrency
  int max_workers = kDefaultMaxWorkers;  ///< open model: cap on concurrent workers (connections)
  int threads = 0;                       ///< I/O threads (-cpus); 0 = one per core
  Nanos timeout = kDefaultTimeout;       ///< per request; 0 = none
  /// Pacing precision: how far past its due time a hit may go out so that it shares a wake-up
  /// of the generator with others (-precision). Hits keep their exact scheduled times, so the
  /// delay is measured whatever the precision; a coarser one costs the generator less CPU.
  /// 0 = automatic (engine/schedule.h).
  Nanos precision{0};
  /// Trials: the attack runs this many times back to back (-trials, "trials" in a baseline's
  /// load), each its own run in the results (AttackInfo::trial), so that statistics can tell
  /// a change from the noise between runs (compare, the gate's references). 1 = one run.
  int trials = 1;
  /// The same two figures when workers are streams sharing connections (HTTP/2): -connections
  /// then counts connections, not workers, and does not cap them. 0 = as workers, max_workers.
  int stream_workers = 0;
  int stream_max_workers = 0;
  /// Sharding: this generator is shard `shard` of `shards` (0-based; 1 = not sharded). It takes
  /// hits k with k mod shards == shard of the one schedule, a share of -requests (the shards
  /// sum to it) and of the closed model's workers.
  int shard = 0;
  int shards = 1;
  /// Unix ns at which the schedule starts (-start-at); 0 = as soon as the generator is ready.
  /// A generator that starts later keeps the schedule: hits already due go out at once, late.
  int64_t start_at_ns = 0;
  /// Whether hits are paced (open model) rather than sent back to back by workers.
  bool open() const { return !rate.unlimited(); }
};

/// LoadSpec is a Load as written, before parsing. Unset optionals take the defaults above.
struct LoadSpec {
  std::string rate = "50/1s";      ///< parse_rate() syntax; "0" = closed model
  std::string duration = "0";      ///< Go duration; "0" = none
  std::string step;                ///< step length for "a,b,c" rates; "" = the duration split evenly
  std::string timeout = "30s";     ///< Go duration; "0" = none
  std::string precision = "0";     ///< Go duration, 10us to 10ms; "0" = automatic
  int trials = 1;                  ///< runs of the attack, back to back (1..1000)
  std::optional<int> workers;      ///< initial workers (open) or concurrency (closed)
  std::optional<int> max_workers;  ///< cap on workers
  std::optional<int> connections;  ///< Vegeta's -connections: also caps workers
  uint64_t requests = 0;           ///< hit count bound; 0 = none
  int cpus = 0;                    ///< I/O threads; 0 = one per core
  std::string shard;               ///< "i/n" (-shard, $LOADGATE_SHARD); "" = not sharded
  std::string start_at;            ///< RFC 3339 time or "+5s" (-start-at); "" = at once
  std::string start_at_late;       ///< "ok": start even when start_at is over a second past
                                   ///< (-start-at-late); "" = refuse such a time
};

/// Parses "i/n" (0 <= i < n): the shard's index and count. Throws InputError naming `field`
/// ("-shard") for anything else, e.g. "4/4" or "0/0".
std::pair<int, int> parse_shard(const std::string& text, const std::string& field = "-shard");

/// Parses -start-at: an RFC 3339 time, or "+DURATION" from now, as Unix ns. Throws InputError
/// for anything else, and for a time more than kStartAtSlack in the past unless `late_ok`:
/// every hit already due would go out at once, as one burst.
int64_t parse_start_at(const std::string& text, const std::string& field = "-start-at", bool late_ok = false);

/// How far in the past -start-at may be without -start-at-late=ok (a shard slow to start).
inline constexpr Nanos kStartAtSlack{1'000'000'000};

/// LoadSource names the fields of a LoadSpec in error messages: flags ("-max-workers") or the
/// key path of a baseline ("baselines/api.json: scenarios.heavy.load.max_workers").
struct LoadSource {
  std::string file;    ///< file the spec came from ("" for flags)
  std::string prefix;  ///< "-" for flags, else a key path ending in "."
  /// Names as flags: -rate, -max-workers.
  static LoadSource flags() { return {"", "-"}; }
  /// Names as keys of `file` under `path` ("scenarios.heavy.load").
  static LoadSource baseline(const std::string& file, const std::string& path) { return {file, path + "."}; }
  /// The name of field `key` ("max_workers") in this source: "-max-workers" or "max_workers".
  std::string name(const std::string& key) const;
  /// The full name of field `key`: "-max-workers" or "scenarios.heavy.load.max_workers".
  std::string field(const std::string& key) const;
};

/// `d` times `scale` (suites' LOADGATE_DURATION_SCALE), with a floor of one second (or `d`
/// itself when shorter): how every duration of a scenario is shortened.
Nanos scale_duration(Nanos d, double scale);

/// Parses and validates `spec`. The duration and the step are multiplied by `duration_scale`
/// (suites' LOADGATE_DURATION_SCALE), the duration with a floor of one second.
/// Rules: the closed model (rate 0) needs max_workers, connections or workers > 0, which
/// becomes its concurrency; in the open model workers <= max_workers <= connections; a load
/// needs a duration or a request count when `require_bound`; -cpus at most kMaxThreadsPerCore
/// per core. Throws InputError naming the field through `source`.
Load parse_load(const LoadSpec& spec, const LoadSource& source, double duration_scale = 1.0,
                bool require_bound = false);

/// Checks a Load built in code. Throws InputError naming flags (-rate, -workers) when it is
/// inconsistent, or has no bound at all when `require_bound`.
void validate(const Load& load, bool require_bound = false);

/// This machine's cores (at least 1).
int cores();

/// The number of I/O threads `load` asks for: load.threads, else one per core.
int thread_count(const Load& load);

}  // namespace loadgate
