// lazy_targets.h (internal): targets made while the attack runs (HttpOptions::targeter), read
// ahead and prepared by a thread of their own.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "loadgate/error.h"
#include "protocol/http/prepared.h"

namespace loadgate::http {

/// LazyTargets reads a target source ahead of the hits and prepares each target (URL parsed,
/// request bytes built) into a bounded store, so that neither a slow source nor the preparing
/// holds up the I/O threads: a burst of 100 hits due at one instant costs them the sends alone.
/// Target n is hit n's, whichever thread takes the hit and in whatever order the threads ask: a
/// replay's request n goes at its own due time. A shard keeps only its hits' targets (n mod
/// shards == shard).
class LazyTargets {
 public:
  /// Targets kept ready ahead of the hits, at most.
  static constexpr size_t kAhead = 4096;
  /// A prepared target, or why it could not be.
  struct Made {
    std::unique_ptr<Prepared> prepared;
    std::optional<InputError> error;
  };
  /// Prepares one target (on the reader's thread); throws InputError.
  using Prepare = std::function<std::unique_ptr<Prepared>(const Target&)>;
  /// `make(n, t)` fills target n and says whether there was one.
  LazyTargets(std::function<bool(uint64_t, Target&)> make, Prepare prepare, int shard, int shards);
  ~LazyTargets();
  /// The target of hit `seq`; false when the source ended before it. Waits (the hit is then
  /// late) for a source slower than the rate.
  bool pop(uint64_t seq, Made& t);
  /// The origin of this shard's first target, once the reader prepared it; nullopt when the
  /// source has none, it is bad, or it is not there within a second (a pipe that has not spoken
  /// yet). Waits for the reader: before the start, where a streamed attack opens its
  /// connections ahead.
  std::optional<uint32_t> first_origin();
  /// What the source threw, if it did.
  std::optional<InputError> error() const;

 private:
  void run();
  std::function<bool(uint64_t, Target&)> make_;
  Prepare prepare_;
  const uint64_t shard_, shards_;
  mutable std::mutex mu_;
  std::condition_variable made_cv_;   // a target was made (hits wait on it)
  std::condition_variable space_cv_;  // the store has room, or a hit waits (the reader waits on it)
  std::unordered_map<uint64_t, Made> store_;
  uint64_t made_ = 0;    // targets 0 .. made_ - 1 are made
  uint64_t wanted_ = 0;  // a hit waits for a target below this
  bool over_ = false, closing_ = false;
  std::optional<InputError> error_;
  std::thread thread_;
};

}  // namespace loadgate::http
