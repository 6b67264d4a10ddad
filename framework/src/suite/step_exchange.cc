// step_exchange.cc: the shards of one capacity search, meeting after each step in a directory.
#include "loadgate/step_exchange.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <thread>
#include <vector>

#include "loadgate/duration.h"
#include "loadgate/error.h"
#include "loadgate/file.h"
#include "loadgate/pacer.h"

namespace loadgate {
namespace {

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

StepExchange::StepExchange(std::string dir, int shard, int shards, int64_t start_unix_ns)
    : dir_(std::move(dir) + "/search-" + std::to_string(start_unix_ns / 1'000'000)), shard_(shard), shards_(shards) {
  if (!make_dirs(dir_)) throw RunError("-exchange: cannot make the directory " + dir_);
}

StepExchange::~StepExchange() {
  sink_.reset();
  if (file_) std::fclose(file_);
}

std::string StepExchange::path(int step, int shard) const {
  return dir_ + "/step-" + std::to_string(step) + ".shard-" + std::to_string(shard) + "-of-" + std::to_string(shards_) + ".bin";
}

ResultsSink* StepExchange::open(int step) {
  sink_.reset();  // a step whose attack threw before its publish()
  if (file_) std::fclose(file_);
  const std::string tmp = path(step, shard_) + ".part";
  file_ = std::fopen(tmp.c_str(), "wb");
  if (!file_) throw RunError("-exchange: cannot write " + tmp);
  sink_ = std::make_unique<ResultsFileSink>(file_, Encoding::kBinary);
  return sink_.get();
}

void StepExchange::publish(int step) {
  const std::string done = path(step, shard_);
  const bool ok = sink_ && sink_->ok();
  sink_.reset();
  const bool closed = file_ && std::fclose(file_) == 0;
  file_ = nullptr;
  // The rename makes the whole file appear at once: a shard never reads half of it.
  if (!ok || !closed || std::rename((done + ".part").c_str(), done.c_str()) != 0)
    throw RunError("-exchange: cannot write " + done);
}

Metrics StepExchange::gather(int step, int64_t deadline_unix_ns, const std::atomic<bool>* stop) const {
  std::vector<std::string> paths;
  std::vector<int> missing;
  for (;;) {
    paths.clear();
    missing.clear();
    for (int i = 0; i < shards_; ++i) (exists(path(step, i)) ? paths.push_back(path(step, i)) : missing.push_back(i));
    if (missing.empty() || (stop && stop->load())) break;
    if (unix_now_ns() >= deadline_unix_ns) {
      std::string names;
      for (int i : missing) names += (names.empty() ? "" : ", ") + std::to_string(i) + "/" + std::to_string(shards_);
      throw RunError("shard " + names + " published no results for step " + std::to_string(step) + " in " + dir_ +
                     " before the next step was due: is every shard running, with the same -start-at and search "
                     "flags, and does it see this directory?");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Metrics m;
  read_metrics(paths, m);
  return m;
}

StepRunner step_runner(const AttackOptions& base, StepAttack attack, StepExchange* exchange, Nanos settle) {
  return [base, attack = std::move(attack), exchange, settle](const StepPlan& step) {
    AttackOptions o = base;
    o.load.rate.pacer = constant_pacer(step.rate);
    o.load.duration = step.duration;
    o.load.requests = 0;
    if (!exchange) return attack(o, step.rate).metrics;
    o.load.start_at_ns = base.load.start_at_ns + step.at.count();
    o.sink = exchange->open(step.index);
    attack(o, step.rate);
    exchange->publish(step.index);
    // A quarter second to merge and judge before the next step is due: with a settle of at
    // least the timeout + 1 s, 750 ms at least after the drain.
    const Nanos due = step.at + step.duration + settle - std::chrono::milliseconds(250);
    return exchange->gather(step.index, base.load.start_at_ns + due.count(), base.stop);
  };
}

Nanos shard_settle(const AttackOptions& base, const SearchShards& shards) {
  auto refuse = [&](const std::string& name, const std::string& why) { return InputError(shards.file, 0, name, why); };
  if (base.load.shards <= 1) {
    const std::string alone = "only with -shard=i/n (a search shared by n > 1 shards)";
    if (!shards.dir.empty()) throw refuse(shards.dir_name, alone);
    if (shards.settle.count() > 0) throw refuse(shards.settle_name, alone);
    return Nanos(0);
  }
  if (shards.dir.empty())
    throw refuse(shards.dir_name,
                 "missing: a sharded search needs " + shards.dir_name + ", a directory every shard sees, for each step's figures");
  if (base.load.start_at_ns == 0)
    throw refuse(shards.start_name, "missing: the shards of a search start their steps from one " + shards.start_name);
  // Requests end within the timeout, then the shards exchange their figures.
  const Nanos least = base.load.timeout + std::chrono::seconds(1);
  const Nanos settle = shards.settle.count() > 0 ? shards.settle : base.load.timeout + std::chrono::seconds(2);
  if (settle < least)
    throw refuse(shards.settle_name, "\"" + format_duration(settle) + "\": want at least the timeout + 1s (" +
                                         format_duration(least) +
                                         "): requests end within the timeout, then the shards exchange their figures");
  return settle;
}

Breakpoint search_capacity(const AttackOptions& base, const StepAttack& attack, const Objective& objective,
                           SearchOptions search, const SearchShards& shards) {
  search.settle = shard_settle(base, shards);
  std::optional<StepExchange> exchange;
  if (base.load.shards > 1) exchange.emplace(shards.dir, base.load.shard, base.load.shards, base.load.start_at_ns);
  return find_breakpoint(step_runner(base, attack, exchange ? &*exchange : nullptr, search.settle), objective, search);
}

}  // namespace loadgate
