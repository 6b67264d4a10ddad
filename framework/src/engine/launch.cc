// launch.cc: threads, start, progress and merge of every attack.
#include "engine/launch.h"

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "engine/progress.h"
#include "loadgate/monitor.h"

namespace loadgate::engine {
namespace {

// Forwards resource samples to the collector (the sink's thread).
class SampleForwarder {
 public:
  explicit SampleForwarder(Collector* c) : c_(c) {}
  void operator()(const Sample& s) const {
    if (c_) c_->sample(s);
  }

 private:
  Collector* c_;
};

bool all(const std::vector<std::unique_ptr<ThreadLoop>>& loops, std::atomic<bool> ThreadLoop::*flag) {
  return std::all_of(loops.begin(), loops.end(), [flag](auto& w) { return ((*w).*flag).load(); });
}

}  // namespace

AttackRun launch(const AttackOptions& o, const std::string& protocol, const std::string& rate, int threads,
                 std::map<std::string, std::string> target_protocols, const ThreadFactory& make) {
  std::unique_ptr<Collector> collector;
  if (o.sink) collector = std::make_unique<Collector>(*o.sink);
  std::vector<std::unique_ptr<ThreadLoop>> loops;  // one per thread
  for (int i = 0; i < threads; ++i) loops.push_back(make(i, threads, collector.get()));
  // A paced attack runs beside the machine's stall probe (stall_probe.h): a late hit is the
  // generator's own only when the machine was not holding its core.
  std::unique_ptr<StallProbe> probe;
  if (o.load.open()) {
    probe = std::make_unique<StallProbe>();
    if (!probe->running()) probe.reset();
  }
  for (auto& w : loops) w->set_probe(probe.get());
  // Pinned, those cores are the generator's: its threads outrank whatever else wakes there (the
  // kernel's writeback after a build, a shell), so that a hit is late only for the machine's
  // stalls or the generator's own work. Nice kPinnedNice when allowed (root, CAP_SYS_NICE,
  // RLIMIT_NICE); threads gRPC starts from them inherit it. Unpinned, the generator shares
  // cores with the service as an equal.
  if (!o.cpus.empty())
    for (auto& w : loops) w->set_nice(kPinnedNice);

  std::vector<MonitoredProcess> watched = o.monitor;
  if (o.monitor_self) watched.insert(watched.begin(), MonitoredProcess{static_cast<int>(getpid()), "generator"});
  Monitor monitor(watched);
  std::vector<std::thread> pool;
  for (auto& w : loops) pool.emplace_back([&w] { w->run(); });
  if (!o.cpus.empty()) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int c : o.cpus)
      if (c >= 0 && c < CPU_SETSIZE) CPU_SET(c, &set);
    for (auto& t : pool) pthread_setaffinity_np(t.native_handle(), sizeof set, &set);
  }

  // Every thread up and its first connections open before the first hit is due: the start is
  // not counted against the service.
  const int64_t prepare_until = steady_now_ns() + kMaxPrepare.count();
  while (!all(loops, &ThreadLoop::ready) && steady_now_ns() < prepare_until && !(o.stop && o.stop->load()))
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  monitor.prime();  // before the start is fixed: the reading takes milliseconds
  const int64_t lead = 2'000'000;  // time for every worker to receive the start before it comes
  Start start{steady_now_ns() + lead, unix_now_ns() + lead};
  if (o.load.start_at_ns > 0) {
    // -start-at: every shard's schedule counts from the same instant. Waiting for it here keeps
    // the threads' loops idle; a generator that is late keeps the schedule (its first hits are late).
    const int64_t late = unix_now_ns() - o.load.start_at_ns;
    while (unix_now_ns() + lead < o.load.start_at_ns && !(o.stop && o.stop->load()))
      std::this_thread::sleep_for(std::chrono::microseconds(
          std::min<int64_t>(100'000, std::max<int64_t>(50, (o.load.start_at_ns - lead - unix_now_ns()) / 1000))));
    start = Start{steady_now_ns() + (o.load.start_at_ns - unix_now_ns()), o.load.start_at_ns};
    if (late > 0)
      std::fprintf(stderr, "loadgate: started %.3f s after -start-at: hits already due go out at once, late\n",
                   static_cast<double>(late) / 1e9);
  }

  AttackRun run;
  run.info.name = o.name;
  run.info.protocol = protocol;
  run.info.rate = rate;
  run.info.started_ns = start.unix_ns;
  run.info.duration_ns = o.load.duration.count();
  run.info.target_protocols = std::move(target_protocols);
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  run.info.host = host;
  if (o.load.shards > 1) run.info.shard = std::to_string(o.load.shard) + "/" + std::to_string(o.load.shards);
  run.info.trial = o.trial;
  run.info.plan = "rate=" + rate + " duration=" + format_duration(o.load.duration) + " requests=" + std::to_string(o.load.requests) +
                  " workers=" + std::to_string(o.load.workers) + " shards=" + std::to_string(std::max(1, o.load.shards));
  if (o.load.open()) run.info.plan += " precision=" + (o.load.precision.count() > 0 ? format_duration(o.load.precision) : "auto");
  if (collector) collector->header(run.info);
  if (o.live) o.live->started_ns.store(start.unix_ns);
  monitor.start(std::chrono::seconds(1), SampleForwarder(collector.get()));
  for (auto& w : loops) w->begin(start);

  Progress progress(o.progress, o.load.duration);
  bool stop_sent = false;
  while (!all(loops, &ThreadLoop::finished)) {
    // Ctrl-C, a stop flag, or a sink that takes no more (`attack | head`): stop now.
    if (!stop_sent && ((o.stop && o.stop->load()) || (o.sink && o.sink->broken()))) {
      stop_sent = true;
      run.interrupted = true;
      for (auto& w : loops) w->request_stop();
    }
    if (o.live) {
      uint64_t started = 0, done = 0, open = 0;
      for (auto& w : loops) {
        started += w->started.load(std::memory_order_relaxed);
        done += w->completed.load(std::memory_order_relaxed);
        open += w->workers_open.load(std::memory_order_relaxed);
      }
      o.live->in_flight.store(started > done ? started - done : 0);
      o.live->workers.store(open);
    }
    if (o.progress) {
      uint64_t n = 0, bad = 0;
      int64_t p99 = 0;
      for (auto& w : loops) {
        n += w->completed.load(std::memory_order_relaxed);
        bad += w->failed.load(std::memory_order_relaxed);
        p99 = std::max(p99, w->p99.load(std::memory_order_relaxed));
      }
      progress.update(Nanos(steady_now_ns() - start.steady_ns), n, bad, p99);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (auto& t : pool) t.join();
  if (o.live) {
    o.live->in_flight.store(0);
    o.live->workers.store(0);
    o.live->done.store(true);
  }
  monitor.stop();
  progress.finish();
  RunEnd end;
  for (auto& w : loops) {
    // The first thread's figures move: merged into an empty Metrics, every label's histograms
    // would be resident twice at the end of the run (30 MB more at 1,024 labels).
    if (&w == &loops.front())
      run.metrics = std::move(w->metrics());
    else
      run.metrics.merge(w->metrics());
    run.workers += w->opened;
    end.generator.merge(w->generator);
  }
  if (probe) end.generator.machine_stall_ns = probe->stall_ns();
  probe.reset();
  run.metrics.add_generator(end.generator);
  for (const Sample& s : monitor.samples()) run.metrics.add_sample(s);
  run.elapsed = Nanos(steady_now_ns() - start.steady_ns);
  end.interrupted = run.interrupted;
  end.elapsed_ns = run.elapsed.count();
  if (collector) {
    collector->end(end);
    collector->close();
  }
  return run;
}

}  // namespace loadgate::engine
