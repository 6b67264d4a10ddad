// load.cc: parsing and validating the load model.
#include "loadgate/load.h"

#include <algorithm>
#include <thread>
#include <tuple>

#include "loadgate/error.h"

namespace loadgate {
namespace {

Nanos duration_field(const std::string& text, const std::string& key, const LoadSource& src) {
  auto d = parse_duration(text);
  if (!d || d->count() < 0)
    throw InputError(src.file, 0, src.field(key), "\"" + text + "\" is not a duration (want e.g. 30s, 1m, 500ms)");
  return *d;
}

int count_field(const std::optional<int>& v, const std::string& key, const LoadSource& src, int min) {
  if (v && *v < min)
    throw InputError(src.file, 0, src.field(key),
                     "must be at least " + std::to_string(min) + ", got " + std::to_string(*v));
  return v.value_or(0);
}

}  // namespace

Nanos scale_duration(Nanos d, double scale) {
  if (scale == 1.0) return d;
  return std::max(Nanos(static_cast<int64_t>(static_cast<double>(d.count()) * scale)),
                  std::min(d, Nanos(std::chrono::seconds(1))));
}

int cores() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

std::string LoadSource::name(const std::string& key) const {
  if (prefix != "-") return key;
  std::string flag = "-" + key;
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

std::string LoadSource::field(const std::string& key) const { return prefix == "-" ? name(key) : prefix + key; }

Load parse_load(const LoadSpec& spec, const LoadSource& src, double scale, bool require_bound) {
  Load l;
  l.duration = scale_duration(duration_field(spec.duration, "duration", src), scale);
  l.timeout = duration_field(spec.timeout, "timeout", src);
  l.precision = duration_field(spec.precision, "precision", src);
  if (l.precision.count() != 0 && (l.precision < std::chrono::microseconds(10) || l.precision > std::chrono::milliseconds(10)))
    throw InputError(src.file, 0, src.field("precision"),
                     "want 0 (automatic) or 10us to 10ms, got " + format_duration(l.precision));
  Nanos step{0};
  if (!spec.step.empty())  // steps scale without a floor: they divide the duration
    step = Nanos(static_cast<int64_t>(static_cast<double>(duration_field(spec.step, "step", src).count()) * scale));
  try {
    l.rate = parse_rate(spec.rate, l.duration, step);
  } catch (const InputError& e) {
    throw InputError(src.file, 0, src.field("rate"), e.message());
  }
  l.requests = spec.requests;
  if (spec.cpus < 0 || spec.cpus > kMaxThreadsPerCore * cores())
    throw InputError(src.file, 0, src.field("cpus"),
                     "want 0 (one thread per core) to " + std::to_string(kMaxThreadsPerCore * cores()) + " (" +
                         std::to_string(kMaxThreadsPerCore) + " per core), got " + std::to_string(spec.cpus));
  l.threads = spec.cpus;
  if (spec.trials < 1 || spec.trials > 1000)
    throw InputError(src.file, 0, src.field("trials"), "want 1 to 1000, got " + std::to_string(spec.trials));
  l.trials = spec.trials;
  const int workers = count_field(spec.workers, "workers", src, 1);
  const int max_workers = count_field(spec.max_workers, "max_workers", src, 1);
  const int connections = count_field(spec.connections, "connections", src, 1);
  // Workers and their cap, with -connections capping workers (each worker a connection) or not
  // (workers are streams sharing connections).
  auto figure = [&](int conns, int& out_workers, int& out_max) {
    int cap = max_workers > 0 ? max_workers : kDefaultMaxWorkers;
    if (conns > 0) cap = max_workers > 0 ? std::min(cap, conns) : conns;
    if (l.open()) {
      out_max = cap;
      out_workers = std::min(workers > 0 ? workers : kDefaultWorkers, cap);
    } else {
      // The closed model: this many workers back to back.
      out_workers = max_workers > 0 ? cap : conns > 0 ? conns : workers;
      out_max = out_workers;
    }
  };
  figure(connections, l.workers, l.max_workers);
  figure(max_workers > 0 || workers > 0 ? 0 : connections, l.stream_workers, l.stream_max_workers);
  if (!l.open() && l.workers <= 0)
    throw InputError(src.file, 0, src.field("rate"),
                     "rate 0 (the closed model) needs " + src.name("max_workers") + " (or " + src.name("workers") +
                         ") > 0: the number of workers sending back to back");
  if (require_bound && l.duration.count() == 0 && l.requests == 0)
    throw InputError(src.file, 0, src.field("duration"), "a load needs a duration or a request count");
  if (!spec.shard.empty()) std::tie(l.shard, l.shards) = parse_shard(spec.shard, src.field("shard"));
  if (!spec.start_at_late.empty() && spec.start_at_late != "ok")
    throw InputError(src.file, 0, src.field("start_at_late"), "\"" + spec.start_at_late + "\": want ok (or nothing)");
  if (!spec.start_at.empty())
    l.start_at_ns = parse_start_at(spec.start_at, src.field("start_at"), spec.start_at_late == "ok");
  return l;
}

std::pair<int, int> parse_shard(const std::string& text, const std::string& field) {
  const auto slash = text.find('/');
  int i = -1, n = -1;
  try {
    size_t a = 0, b = 0;
    if (slash != std::string::npos) {
      i = std::stoi(text.substr(0, slash), &a);
      n = std::stoi(text.substr(slash + 1), &b);
    }
    if (a != slash || b != text.size() - slash - 1) i = -1;
  } catch (const std::exception&) {
    i = -1;
  }
  if (i < 0 || n < 1 || i >= n || n > 100000)
    throw InputError("", 0, field, "\"" + text + "\": want i/n with 0 <= i < n, e.g. 0/4 (the first of four)");
  return {i, n};
}

int64_t parse_start_at(const std::string& text, const std::string& field, bool late_ok) {
  if (!text.empty() && text[0] == '+') {
    auto d = parse_duration(text.substr(1));
    if (!d || d->count() < 0) throw InputError("", 0, field, "\"" + text + "\": want +DURATION (e.g. +5s) or an RFC 3339 time");
    return unix_now_ns() + d->count();
  }
  auto t = parse_rfc3339(text);
  if (!t) throw InputError("", 0, field, "\"" + text + "\": want an RFC 3339 time (2026-12-01T10:00:00Z) or +DURATION");
  const int64_t past = unix_now_ns() - *t;
  if (past > kStartAtSlack.count() && !late_ok)
    throw InputError("", 0, field,
                     "\"" + text + "\" is " + format_duration(Nanos(past)) +
                         " in the past: every hit already due would go out at once, as one burst; give a time to "
                         "come or +DURATION (e.g. +10s), or -start-at-late=ok to start anyway");
  return *t;
}

void validate(const Load& l, bool require_bound) {
  if (l.duration.count() < 0) throw InputError("", 0, "-duration", "must not be negative");
  if (l.timeout.count() < 0) throw InputError("", 0, "-timeout", "must not be negative");
  if (l.workers < 0) throw InputError("", 0, "-workers", "must not be negative");
  if (l.max_workers < 0) throw InputError("", 0, "-max-workers", "must not be negative");
  if (l.threads < 0 || l.threads > kMaxThreadsPerCore * cores())
    throw InputError("", 0, "-cpus", "want 0 to " + std::to_string(kMaxThreadsPerCore * cores()));
  if (!l.open() && l.workers <= 0)
    throw InputError("", 0, "-rate", "rate 0 (the closed model) needs -max-workers (or -workers) > 0");
  if (require_bound && l.duration.count() == 0 && l.requests == 0)
    throw InputError("", 0, "-duration", "an attack needs -duration or a request count");
}

int thread_count(const Load& l) { return l.threads > 0 ? l.threads : cores(); }

}  // namespace loadgate
