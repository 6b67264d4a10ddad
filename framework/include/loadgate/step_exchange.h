// step_exchange.h (suite layer): how the shards of one capacity search (breakpoint -shard=i/n
// -exchange=DIR, or a suite's breakpoint scenario with $LOADGATE_SHARD and $LOADGATE_EXCHANGE)
// share each step's figures. Every shard writes its step's results to a file of its own in a
// directory they all see (a shared volume, or one machine's disk), then waits for the others'
// and merges them all, in shard order: every shard judges the same whole and so takes the same
// next step. Files of one search are named by its start, so that an older search's files in the
// same directory are never read:
//   DIR/search-<start-at, Unix ms>/step-<k>.shard-<i>-of-<n>.bin
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "loadgate/attack.h"
#include "loadgate/breakpoint.h"
#include "loadgate/metrics.h"
#include "loadgate/results_file.h"

namespace loadgate {

/// StepExchange is one shard's end of the exchange.
class StepExchange {
 public:
  /// Shard `shard` of `shards` of the search that starts at `start_unix_ns`, exchanging in `dir`
  /// (created when missing). Throws RunError when the directory cannot be made.
  StepExchange(std::string dir, int shard, int shards, int64_t start_unix_ns);
  /// Closes a step's file left open by an attack that threw.
  ~StepExchange();
  StepExchange(const StepExchange&) = delete;
  StepExchange& operator=(const StepExchange&) = delete;

  /// A sink that writes this shard's results of step `step` (a file kept out of sight of the other
  /// shards until publish()). Throws RunError when it cannot be created.
  ResultsSink* open(int step);
  /// Makes step `step`'s file whole and visible to the other shards. Throws RunError on a write
  /// error.
  void publish(int step);
  /// Every shard's results of step `step`, merged in shard order, once all are published; waits
  /// until `deadline_unix_ns` at most, then throws RunError naming the shards that are missing.
  /// Ends early (what was there, merged) when `stop` is set.
  Metrics gather(int step, int64_t deadline_unix_ns, const std::atomic<bool>* stop) const;
  /// The file of shard `shard` for step `step`.
  std::string path(int step, int shard) const;

 private:
  std::string dir_;  // DIR/search-<ms>
  int shard_, shards_;
  std::FILE* file_ = nullptr;  // the step being written
  std::unique_ptr<ResultsFileSink> sink_;
};

/// StepAttack runs one step's attack: `o` holds the step's pacer, duration and (sharded) start
/// and sink; `rate` is the step's, per second (WebSocket spreads it over its connections).
using StepAttack = std::function<AttackRun(const AttackOptions& o, double rate)>;

/// The StepRunner of a search that attacks with `attack` from `base` (whose rate, duration and
/// request count it replaces). With `exchange` (a shard of a sharded search, base.shards > 1),
/// each step starts at base.start_at_ns + StepPlan::at, its results are published and every
/// shard's, merged, are what the search judges; they must be in by a quarter second before the
/// next step is due (`settle` after the step's end, SearchOptions::settle), or RunError.
StepRunner step_runner(const AttackOptions& base, StepAttack attack, StepExchange* exchange, Nanos settle);

/// SearchShards is where the shards of a search meet, and how the user names each setting
/// (flags, or a suite's variables and baseline fields) for the errors.
struct SearchShards {
  std::string dir;    ///< the exchange directory; "" = not given
  Nanos settle{0};    ///< from a step's end to the next step; 0 = not given (the timeout + 2 s)
  std::string file;   ///< where the settings were written ("" = the command line)
  std::string dir_name = "-exchange", start_name = "-start-at", settle_name = "-settle";
};

/// The settle of a search (SearchOptions::settle): for a sharded base (shards > 1), shards.settle
/// when given, else the timeout + 2 s; 0 for one generator alone. Throws InputError, named as
/// `shards` names the settings, when a sharded search lacks its directory or start or has a
/// settle under the timeout + 1 s, or an unsharded one was given a directory or settle.
Nanos shard_settle(const AttackOptions& base, const SearchShards& shards);

/// The one path of a capacity search, for `loadgate breakpoint` and a suite's breakpoint
/// scenario: find_breakpoint() over step_runner(base, attack, ...). A sharded base (shards > 1)
/// starts its steps on the plan from base.start_at_ns and exchanges each step's figures in
/// shards.dir, so that every shard finds the same capacity. Throws InputError as shard_settle()
/// does; RunError when a step or the exchange fails.
Breakpoint search_capacity(const AttackOptions& base, const StepAttack& attack, const Objective& objective,
                           SearchOptions search, const SearchShards& shards);

}  // namespace loadgate
