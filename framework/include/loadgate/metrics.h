// metrics.h (core layer): streaming, constant-memory aggregation of Results.
//
// Metrics::add() is O(1) and allocates only when it meets something new (a target, an error
// text, a time window). Everything is mergeable, so per-thread Metrics are merged once at the
// end and results files from several machines merge into one report. Figures (percentiles,
// rates) are computed on demand by summarize(), never while adding.
//
//   loadgate::Metrics m;
//   for (const Result& r : results) m.add(r);
//   loadgate::Summary s = m.summarize();     // s.latency.p99, s.rate, s.success_ratio ...
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "loadgate/duration.h"
#include "loadgate/histogram.h"
#include "loadgate/resources.h"
#include "loadgate/result.h"
#include "loadgate/stats.h"

namespace loadgate {

/// A request sent more than this after its scheduled time counts as late.
inline constexpr Nanos kLateThreshold = std::chrono::milliseconds(1);

/// Latencies are the figures of one latency histogram (ns).
struct Latencies {
  int64_t total = 0;  ///< sum of all latencies (ns; saturates at INT64_MAX)
  int64_t mean = 0;
  int64_t min = 0;
  int64_t p50 = 0;
  int64_t p90 = 0;
  int64_t p95 = 0;
  int64_t p99 = 0;
  int64_t p999 = 0;  ///< 99.9th percentile
  int64_t max = 0;
};
/// Figures of `h` (percentiles by nearest rank, see Histogram::percentile).
Latencies latencies_of(const Histogram& h);

/// PhaseStats hold where HTTP requests' time went (Phases of result.h), one histogram per phase
/// (2 significant digits), over every timed request: connect and tls are 0 for a request that
/// reused its connection, as k6 counts them.
struct PhaseStats {
  PhaseStats();
  /// Adds one request's phases. O(1).
  void add(const Phases& p);
  /// Adds every count of `other`.
  void merge(const PhaseStats& other);
  uint64_t opened = 0;  ///< requests for which a connection was opened (connect > 0)
  Histogram connect, tls, sending, waiting, receiving;
};

/// Stats accumulates counters and histograms of one group of results.
class Stats {
 public:
  Stats();
  /// Adds one result. O(1).
  void add(const Result& r);
  /// Adds the phases of an HTTP result that measured them (its send timed, or a connection
  /// opened: results of other tools, and of loadgates before phases, have none), given
  /// the phases of the connection opened for it (`c`; none: {}). O(1).
  void add_phases(const Result& r, const ConnectPhases& c);
  /// Adds every count of `other`.
  void merge(const Stats& other);

  uint64_t requests = 0;                                ///< results added (including dropped hits)
  uint64_t success = 0;                                 ///< results with ok()
  uint64_t dropped = 0;                                 ///< hits never sent (ErrorKind::kDropped)
  uint64_t late = 0;                                    ///< sent more than kLateThreshold after their scheduled time
  uint64_t bytes_in = 0;                                ///< sum of bytes_in
  uint64_t bytes_out = 0;                               ///< sum of bytes_out
  uint64_t messages = 0;                                ///< sum of stream messages received
  uint64_t messages_sent = 0;                           ///< sum of stream messages sent (client-streaming, bidi)
  int64_t earliest_ns = 0;                              ///< earliest actual send (Unix ns); 0 when none was sent
  int64_t latest_ns = 0;                                ///< latest actual send (Unix ns)
  int64_t end_ns = 0;                                   ///< latest completion (Unix ns)
  Histogram latency;                                    ///< from scheduled time to completion (corrected)
  Histogram uncorrected;                                ///< from actual send to completion
  Histogram send_delay;                                 ///< actual send minus scheduled time (2 significant digits)
  Histogram first;                                      ///< send to first byte/message, when measured (2 digits)
  Histogram gap;                                        ///< streams: mean time between messages of each call (2 digits)
  /// HTTP requests' phases (add_phases()); null until some were added: other kinds have none,
  /// and a kind's total keeps them, not each target.
  std::unique_ptr<PhaseStats> phases;
  std::map<uint16_t, uint64_t> status;                  ///< status code -> count (by Kind's meaning)
  std::vector<std::pair<uint32_t, uint64_t>> errors;    ///< interned error id -> count, first-seen order
  std::array<uint64_t, kErrorKindCount> error_kinds{};  ///< count per ErrorKind

 private:
  std::unordered_map<uint32_t, size_t> error_index_;  // id -> position in errors
};

/// Window is one time slice of a run: what completed in it, keyed by actual send time.
struct Window {
  int64_t start_ns = 0;  ///< Unix ns of the window's start
  uint64_t requests = 0;
  uint64_t success = 0;
  uint64_t bytes_in = 0;
  Histogram latency{Histogram::kDefaultHighest, 2};  ///< corrected latency, 2 significant digits
  /// Adds the counts of `other` (whatever its start).
  void merge(const Window& other);
};

/// Series is the per-window time series of a run, at most kMaxWindows long: when a run outgrows
/// it, neighbouring windows merge and the width doubles, so memory stays constant.
class Series {
 public:
  /// Maximum number of windows kept.
  static constexpr size_t kMaxWindows = 600;
  /// Creates a series of windows `width` wide (default 1 s).
  explicit Series(Nanos width = std::chrono::seconds(1));
  /// Adds a result to the window of its send time (scheduled time for dropped hits).
  void add(const Result& r);
  /// Merges another series (widths are reconciled to the larger one).
  void merge(const Series& other);
  /// Current window width.
  Nanos width() const { return Nanos{width_ns_}; }
  /// Windows in time order, gaps included as empty windows.
  const std::deque<Window>& windows() const { return windows_; }
  /// Re-buckets into windows of the multiple of width() nearest to `width` (at least one
  /// window), e.g. 30 s soak checks.
  std::vector<Window> rebucket(Nanos width) const;

 private:
  void coarsen();
  Window& slot(int64_t t_ns);
  int64_t width_ns_;
  int64_t first_index_ = 0;  // absolute index (t / width) of windows_.front()
  std::deque<Window> windows_;
};

/// Summary holds the finished figures of a Stats, in Vegeta's terms.
struct Summary {
  uint64_t requests = 0;
  uint64_t success = 0;
  uint64_t dropped = 0;
  uint64_t late = 0;
  double success_ratio = 0;  ///< success / requests (0..1)
  double rate = 0;           ///< hits sent (requests - dropped) / duration (per second)
  double throughput = 0;     ///< success / (duration + wait) (per second)
  int64_t earliest_ns = 0;
  int64_t latest_ns = 0;
  int64_t end_ns = 0;
  Nanos duration{0};      ///< latest - earliest send
  Nanos wait{0};          ///< end - latest send
  Latencies latency;      ///< corrected (from scheduled time)
  Latencies uncorrected;  ///< from actual send
  Latencies send_delay;   ///< how late requests left the generator
  Latencies first;        ///< time to first byte/message (streams)
  Latencies gap;          ///< streams: per-call mean time between messages
  /// Figures of each phase of HTTP requests (PhaseStats), by name: "connect", "tls", "sending",
  /// "waiting", "receiving" (phase_names()); empty when none was measured.
  std::map<std::string, Latencies> phases;
  uint64_t connections_opened = 0;  ///< HTTP requests that opened a connection
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  double bytes_in_mean = 0;
  double bytes_out_mean = 0;
  uint64_t messages = 0;       ///< stream messages received
  uint64_t messages_sent = 0;  ///< stream messages sent (client-streaming and bidi calls)
  std::map<std::string, uint64_t> status_codes;  ///< label -> count
  std::vector<std::string> errors;               ///< error texts, first-seen order
  std::vector<uint64_t> error_counts;            ///< parallel to errors
  /// 95 % intervals of the figures by name (stats.h): "p50" "p90" "p95" "p99" "p99.9" (order
  /// statistics, widened by a block bootstrap over the run's seconds when it has 8 or more),
  /// "success" (Wilson's, widened likewise), "rate" and "throughput" (bootstrap over seconds).
  /// A figure the data cannot bound has an entry with known = false, or none.
  std::map<std::string, Interval> intervals;
};
/// The phases of an HTTP request in the order they happen: "connect", "tls", "sending",
/// "waiting", "receiving".
const std::vector<std::string>& phase_names();
/// The histogram of phase `name` of `p` (phase_names()), or nullptr for an unknown name.
const Histogram* phase_histogram(const PhaseStats& p, const std::string& name);

/// Computes the figures of `s`; `kind` selects how status codes are labelled. Intervals come
/// from `s` alone (no seconds: see Metrics::summarize).
Summary summarize(const Stats& s, Kind kind);

/// GeneratorStats is what the generator says of itself beside its results: how many hits its
/// pacer made due (open model), how many of them it handed to a connection more than
/// kLateThreshold after their due time (its own delay: a busy or preempted thread; hits that
/// then wait for a connection the service holds are not counted), and on how many I/O threads.
struct GeneratorStats {
  uint64_t scheduled = 0;  ///< hits made due by the pacer
  uint64_t late = 0;       ///< of them, handed over late by the generator itself
  /// Of the late ones, those sent at a wake-up that came late while the machine held the
  /// thread's core (the kernel or the hypervisor: engine/stall_probe.h), or while the thread
  /// caught up on such a stall. They are late all the same, and their latency counts the delay.
  uint64_t stalled = 0;
  uint64_t stalls = 0;    ///< the generator's wake-ups late by more than kLateThreshold in a stall
  int64_t stall_ns = 0;   ///< those wake-ups' lateness, summed (ns)
  /// Time the machine held the cores, as the stall probes saw it (ns, summed over CPUs);
  /// -1 when no probe ran (no right to real-time priority): no late hit is then attributed.
  int64_t machine_stall_ns = -1;
  /// Journeys cut when the attack's duration ended: still thinking, or with steps left. Their
  /// steps done are results; the journeys themselves are neither successes nor failures (as
  /// k6's interrupted iterations), only counted here.
  uint64_t cut = 0;
  /// The pacing precision the run had (Load::precision, ns; 0 = automatic): hits may go out
  /// this late by design, and count as the generator's own lateness only kLateThreshold past it.
  int64_t precision_ns = 0;
  /// Pacing wake-ups of the threads (summed): each is a sleep and a wake of a thread, which
  /// costs CPU of its own (about 28 us on a virtual machine: ci/bench-http section 3).
  uint64_t wakes = 0;
  /// Answers read at a pacing tick rather than when they came (the thread slept through their
  /// arrival), each timed by the kernel's receive stamp (summed).
  uint64_t tick_reads = 0;
  int threads = 0;         ///< I/O threads (summed over merged runs)
  int64_t polled_ns = 0;   ///< time the threads busy-polled with nothing to do (ns, summed)
  int64_t ran_ns = 0;      ///< time the threads ran their schedules (ns, summed)
  /// Share of the threads' time spent polling with nothing to do (0..1): CPU that is not load.
  double polled_share() const { return ran_ns > 0 ? static_cast<double>(polled_ns) / static_cast<double>(ran_ns) : 0; }
  /// Late hits the generator itself is to blame for: late, and not in a stall of the machine.
  uint64_t own_late() const { return late > stalled ? late - stalled : 0; }
  /// Adds `other`'s counts.
  void merge(const GeneratorStats& other) {
    scheduled += other.scheduled;
    late += other.late;
    stalled += other.stalled;
    stalls += other.stalls;
    stall_ns += other.stall_ns;
    if (other.machine_stall_ns >= 0) machine_stall_ns = std::max<int64_t>(0, machine_stall_ns) + other.machine_stall_ns;
    cut += other.cut;
    threads += other.threads;
    wakes += other.wakes;
    tick_reads += other.tick_reads;
    precision_ns = std::max(precision_ns, other.precision_ns);
    polled_ns += other.polled_ns;
    ran_ns += other.ran_ns;
  }
};

/// Group holds everything measured for one Kind of result.
struct Group {
  Stats total;                                         ///< all results of this kind
  Series series;                                       ///< per-window figures
  std::map<uint32_t, std::unique_ptr<Stats>> targets;  ///< per target label id
};

/// Traced is one result of a run that sent trace ids (-trace), with what went beside it.
struct Traced {
  Result result;
  ConnectPhases opened;  ///< of the connection opened for it, if one was
  TraceId trace;         ///< the id its request carried
};

/// Slowest keeps the kMax slowest traced results by corrected latency, exactly: any result
/// slower than the kMax-th so far replaces it. O(log kMax) per offer, fixed memory.
class Slowest {
 public:
  /// Results kept.
  static constexpr size_t kMax = 10;
  /// Offers `t`; true when it is among the slowest so far (kept).
  bool offer(const Traced& t);
  /// Offers every result `other` kept.
  void merge(const Slowest& other);
  /// The kept results, slowest first.
  std::vector<Traced> sorted() const;
  /// Whether none was kept.
  bool empty() const { return heap_.empty(); }

 private:
  std::vector<Traced> heap_;  // a min-heap by latency: the fastest kept on top
};

/// Metrics aggregates Results of any kinds, per kind, per target and per time window.
class Metrics {
 public:
  /// At most this many distinct targets are broken down; further ones go to "(other)".
  static constexpr size_t kMaxTargets = 64;
  Metrics();
  Metrics(Metrics&&) noexcept;
  Metrics& operator=(Metrics&&) noexcept;
  ~Metrics();

  /// Adds one result. O(1) (a map lookup for its target). `c`: the phases of the connection
  /// opened for it (HTTP), if one was; `trace`: the trace id its request carried, if any.
  /// Returns whether the trace id was kept among the slowest (slowest()).
  bool add(const Result& r, const ConnectPhases& c = {}, const TraceId& trace = {});
  /// The slowest of the results added with a trace id, exactly (Slowest::kMax of them).
  const Slowest& slowest() const { return slowest_; }
  /// Adds one resource-usage sample (see monitor.h).
  void add_sample(const Sample& s) { resources_.add(s); }
  /// Resource usage of the generator and of monitored processes.
  const Resources& resources() const { return resources_; }
  /// Adds everything of `other`.
  void merge(const Metrics& other);
  /// Adds what a generator said of itself (see GeneratorStats).
  void add_generator(const GeneratorStats& g) { generator_.merge(g); }
  /// What the generators of these results said of themselves; all zero when unknown.
  const GeneratorStats& generator() const { return generator_; }
  /// Allocates the group of `kind` and the per-target stats of `targets` (interned labels)
  /// up front, so that the first results of an attack do not pay for it.
  void prepare(Kind kind, const std::vector<uint32_t>& targets);
  /// Group of `kind`, or null when no result of that kind was added.
  const Group* group(Kind kind) const { return groups_[static_cast<size_t>(kind)].get(); }
  /// The kind reports lead with: the first present of http, grpc, grpc-stream, ws-message,
  /// ws-push, ws-handshake; http when empty.
  Kind primary() const;
  /// Total results added, all kinds.
  uint64_t count() const { return count_; }
  /// Summary of the primary kind (the figures Vegeta's report shows).
  Summary summarize() const { return summarize(primary()); }
  /// Summary of the results of `kind`; an empty Summary when there are none.
  Summary summarize(Kind kind) const;

 private:
  std::array<std::unique_ptr<Group>, kKindCount> groups_;
  Resources resources_;
  GeneratorStats generator_;
  uint64_t count_ = 0;
  Slowest slowest_;
};

}  // namespace loadgate
