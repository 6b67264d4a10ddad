// launch.h (internal): the one way an attack runs, whatever its protocol: threads, the
// collector, the monitor, the start, progress, Ctrl-C and the merge at the end.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "engine/thread_loop.h"
#include "loadgate/attack.h"

namespace loadgate::engine {

/// Makes worker `index` (0-based) of `threads`; `collector` is null when there is no sink.
using ThreadFactory = std::function<std::unique_ptr<ThreadLoop>(int index, int threads, Collector* collector)>;

/// How long the launcher waits for workers to prepare (open their first connections) before it
/// starts the schedule anyway.
inline constexpr Nanos kMaxPrepare = std::chrono::seconds(3);
/// Nice value of the generator's I/O threads when pinned to cores of their own (AttackOptions::cpus).
inline constexpr int kPinnedNice = -5;

/// Runs an attack of `protocol` ("http", "grpc", "ws") on `threads` threads: makes the workers,
/// lets them prepare, fixes one Start for all, sends the header (name, protocol, `rate`, start,
/// duration, `target_protocols`) to o.sink, runs until every worker finished, forwarding o.stop,
/// printing progress and sampling resources, then merges their Metrics into the returned run.
AttackRun launch(const AttackOptions& o, const std::string& protocol, const std::string& rate, int threads,
                 std::map<std::string, std::string> target_protocols, const ThreadFactory& make);

}  // namespace loadgate::engine
