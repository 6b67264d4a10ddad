// prometheus.cc: the exporter: a registry of families, a sink per attack that feeds them from
// the collector's thread, a collectable that reads the launcher's live counters at scrape
// time, and the push.
#include "loadgate/prometheus.h"

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/gateway.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <unordered_map>

#include "loadgate/error.h"
#include "loadgate/interner.h"
#include "loadgate/url.h"
#include "live_endpoint.h"
#include "openmetrics.h"

namespace loadgate {

const std::vector<double> kLatencyBuckets = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                             0.01,    0.025,  0.05,    0.1,    0.25,  0.5,    1,
                                             2.5,     5,      10,      30,     60};

namespace {

using prometheus::Labels;

// Reads the live counters of the attacks under way when scraped.
class LiveCollectable final : public prometheus::Collectable {
 public:
  struct Attack {
    Labels labels;
    const LiveCounters* live;
    std::shared_ptr<const Pacer> pacer;  // null for the closed model
  };
  std::vector<prometheus::MetricFamily> Collect() const override {
    std::lock_guard lock(mu_);
    prometheus::MetricFamily in_flight{"loadgate_in_flight", "Requests handed to a worker and not yet done",
                                       prometheus::MetricType::Gauge, {}};
    prometheus::MetricFamily workers{"loadgate_workers",
                                     "Workers open: connections (HTTP/1.1, WebSocket), streams (HTTP/2), call slots (gRPC)",
                                     prometheus::MetricType::Gauge, {}};
    prometheus::MetricFamily target{"loadgate_target_rate", "Hits per second due now (the pacer's rate)",
                                    prometheus::MetricType::Gauge, {}};
    for (const Attack& a : attacks_) {
      auto metric = [&](double v) {
        prometheus::ClientMetric m;
        for (const auto& [k, val] : a.labels) m.label.push_back({k, val});
        m.gauge.value = v;
        return m;
      };
      in_flight.metric.push_back(metric(static_cast<double>(a.live->in_flight.load())));
      workers.metric.push_back(metric(static_cast<double>(a.live->workers.load())));
      const int64_t start = a.live->started_ns.load();
      if (a.pacer && start > 0 && !a.live->done.load())
        target.metric.push_back(metric(a.pacer->rate(Nanos(std::max<int64_t>(0, unix_now_ns() - start)))));
    }
    return {in_flight, workers, target};
  }
  void add(Attack a) {
    std::lock_guard lock(mu_);
    attacks_.push_back(std::move(a));
  }

 private:
  mutable std::mutex mu_;
  std::vector<Attack> attacks_;
};

}  // namespace

struct PrometheusExporter::State {
  PrometheusOptions options;
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::shared_ptr<LiveCollectable> live_collectable = std::make_shared<LiveCollectable>();
  prometheus::Family<prometheus::Counter>* requests = nullptr;
  prometheus::Family<prometheus::Histogram>* latency = nullptr;
  prometheus::Family<prometheus::Counter>* late = nullptr;
  prometheus::Family<prometheus::Counter>* dropped = nullptr;
  prometheus::Family<prometheus::Gauge>* achieved = nullptr;
  prometheus::Family<prometheus::Gauge>* cpu = nullptr;
  prometheus::Family<prometheus::Gauge>* rss = nullptr;
  prometheus::Family<prometheus::Gauge>* check = nullptr;
  prometheus::Family<prometheus::Gauge>* verdict = nullptr;
  std::mutex mu;  // the families' Add() between sinks of attacks run one after the other; exemplars
  /// The exemplar of each bucket of each corrected-latency series (by its labels, as Collect()
  /// gives them): the last traced result (-trace) that fell in it. Under `mu`.
  std::map<std::vector<prometheus::ClientMetric::Label>, std::vector<std::optional<Exemplar>>> exemplars;
  std::vector<std::unique_ptr<LiveCounters>> lives;  // one per attack, alive as long as the exporter
  std::unique_ptr<LiveEndpoint> endpoint;  // the last member: stopped before what it serves goes
};

namespace {

// One attack's sink: counts on the collector's thread, then forwards.
class PromSink final : public ResultsSink {
 public:
  PromSink(PrometheusExporter::State& s, ResultsSink* next) : s_(s), next_(next) {}

  void header(const AttackInfo& info) override {
    info_ = info;
    base_ = {{"attack", info.name}, {"protocol", info.protocol}};
    if (!s_.options.shard.empty()) base_["shard"] = s_.options.shard;
    if (next_) next_->header(info);
  }
  void results(const Result* r, size_t n) override {
    count(r, n);
    if (next_) next_->results(r, n);
  }
  void results(const Result* r, size_t n, const std::vector<KeptResponse>& bodies) override {
    count(r, n);
    for (const KeptResponse& k : bodies)
      if (!k.trace.empty() && k.index < n) exemplify(r[k.index], k.trace);
    if (next_) next_->results(r, n, bodies);
  }
  void sample(const Sample& sample) override {
    Labels l = base_;
    l["role"] = sample.role;
    std::lock_guard lock(s_.mu);
    s_.cpu->Add(l).Set(sample.cpu_percent / 100);
    s_.rss->Add(l).Set(static_cast<double>(sample.rss_bytes));
    if (next_) next_->sample(sample);
  }
  void end(const RunEnd& e) override {
    if (next_) next_->end(e);
  }
  bool broken() const override { return next_ && next_->broken(); }

 private:
  // The series of one (target, kind, status): cached, so that a result costs a hash lookup.
  struct Series {
    prometheus::Counter* requests;
    prometheus::Histogram* corrected;
    prometheus::Histogram* uncorrected;
    prometheus::Counter* late;
    prometheus::Counter* dropped;
    std::vector<std::optional<Exemplar>>* exemplars;  // of `corrected`'s buckets
  };

  // Keeps `trace` as the exemplar of the bucket `r`'s corrected latency fell in.
  void exemplify(const Result& r, const TraceId& trace) {
    if (r.error_kind == ErrorKind::kDropped) return;
    Series& s = series(r);
    const double seconds = static_cast<double>(r.latency_ns) / 1e9;
    size_t bucket = 0;
    while (bucket < kLatencyBuckets.size() && seconds > kLatencyBuckets[bucket]) ++bucket;  // the last: +Inf
    std::lock_guard lock(s_.mu);
    (*s.exemplars)[bucket] = Exemplar{trace.hex(), seconds};
  }

  Series& series(const Result& r) {
    const uint64_t key = uint64_t{r.target} << 24 | uint64_t{static_cast<uint8_t>(r.kind)} << 16 | r.status;
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    const std::string label = interned(r.target);
    Labels l = base_;
    l["target"] = label;
    l["kind"] = std::string(kind_name(r.kind));
    auto p = info_.target_protocols.find(label);
    if (p != info_.target_protocols.end()) l["protocol"] = p->second;
    Labels with_status = l;
    with_status["status"] = status_label(r.kind, r.status);
    Labels corrected = l, uncorrected = l;
    corrected["corrected"] = "true";
    uncorrected["corrected"] = "false";
    std::vector<prometheus::ClientMetric::Label> as_collected;  // the corrected series' labels, as Collect() gives them
    for (const auto& [name, value] : corrected) as_collected.push_back({name, value});
    std::lock_guard lock(s_.mu);
    auto& exemplars = s_.exemplars[as_collected];
    exemplars.resize(kLatencyBuckets.size() + 1);
    Series s{&s_.requests->Add(with_status), &s_.latency->Add(corrected, kLatencyBuckets),
             &s_.latency->Add(uncorrected, kLatencyBuckets), &s_.late->Add(l), &s_.dropped->Add(l), &exemplars};
    return cache_.emplace(key, s).first->second;
  }

  void count(const Result* r, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      Series& s = series(r[i]);
      s.requests->Increment();
      if (r[i].error_kind == ErrorKind::kDropped) {
        s.dropped->Increment();
        continue;
      }
      s.corrected->Observe(static_cast<double>(r[i].latency_ns) / 1e9);
      s.uncorrected->Observe(static_cast<double>(r[i].uncorrected_ns()) / 1e9);
      if (r[i].send_delay_ns > kLateThreshold.count()) s.late->Increment();
      // Hits sent in the last whole second, by their send times.
      const int64_t second = r[i].sent_ns() / 1'000'000'000;
      if (second > second_) {
        if (second == second_ + 1) last_second_ = in_second_;
        else last_second_ = 0;
        second_ = second;
        in_second_ = 0;
      }
      if (second == second_) ++in_second_;
    }
    std::lock_guard lock(s_.mu);
    s_.achieved->Add(base_).Set(static_cast<double>(last_second_));
  }

  PrometheusExporter::State& s_;
  ResultsSink* next_;
  AttackInfo info_;
  Labels base_;
  std::unordered_map<uint64_t, Series> cache_;
  int64_t second_ = 0;
  uint64_t in_second_ = 0, last_second_ = 0;
};

}  // namespace

PrometheusExporter::PrometheusExporter(const PrometheusOptions& options) : s_(std::make_unique<State>()) {
  s_->options = options;
  auto& r = *s_->registry;
  s_->requests = &prometheus::BuildCounter().Name("loadgate_requests_total").Help("Results of requests, calls and messages, by status").Register(r);
  s_->latency = &prometheus::BuildHistogram()
                     .Name("loadgate_request_duration_seconds")
                     .Help("Latency; corrected=true from the scheduled time, false from the actual send")
                     .Register(r);
  s_->late = &prometheus::BuildCounter().Name("loadgate_late_hits_total").Help("Hits sent more than 1 ms after they were due").Register(r);
  s_->dropped = &prometheus::BuildCounter().Name("loadgate_dropped_hits_total").Help("Hits never sent").Register(r);
  s_->achieved = &prometheus::BuildGauge().Name("loadgate_achieved_rate").Help("Hits sent in the last whole second").Register(r);
  s_->cpu = &prometheus::BuildGauge().Name("loadgate_process_cpu_ratio").Help("CPU of a monitored process (1 = one core)").Register(r);
  s_->rss = &prometheus::BuildGauge().Name("loadgate_process_rss_bytes").Help("Resident memory of a monitored process").Register(r);
  s_->check = &prometheus::BuildGauge().Name("loadgate_check_passed").Help("1 when the check passed, 0 when it failed").Register(r);
  s_->verdict = &prometheus::BuildGauge().Name("loadgate_verdict_passed").Help("1 when every check of the scenario passed").Register(r);
  if (!options.push.empty()) {
    auto u = parse_url(options.push);
    if (!u || u->scheme != "http")
      throw InputError("", 0, "-prometheus-push", "\"" + printable(options.push) + "\": want http://host:port");
  }
  if (options.listen.empty()) return;
  if (!valid_listen(options.listen))
    throw InputError("", 0, "-prometheus-addr", "\"" + printable(options.listen) + "\": want host:port, e.g. 127.0.0.1:9464");
  try {
    LiveEndpoint::Routes routes;
    routes.page = [this](const ScrapeRequest& r) -> std::optional<Page> {
      if (r.path != "/metrics") return std::nullopt;
      if (accepts_openmetrics(r.accept)) return Page{kOpenMetricsType, openmetrics()};
      return Page{"text/plain; version=0.0.4; charset=utf-8", text()};
    };
    s_->endpoint = std::make_unique<LiveEndpoint>(options.listen, std::move(routes), LiveEndpoint::Limits{});
  } catch (const std::exception& e) {
    throw InputError("", 0, "-prometheus-addr", options.listen + ": cannot listen (" + e.what() + ")");
  }
}

PrometheusExporter::~PrometheusExporter() = default;

std::unique_ptr<ResultsSink> PrometheusExporter::sink(const AttackOptions& /*options*/, ResultsSink* next) {
  return std::make_unique<PromSink>(*s_, next);
}

LiveCounters* PrometheusExporter::live(const AttackOptions& options) {
  LiveCounters* live = nullptr;
  {
    std::lock_guard lock(s_->mu);
    s_->lives.push_back(std::make_unique<LiveCounters>());
    live = s_->lives.back().get();
  }
  Labels l = {{"attack", options.name}};
  if (!s_->options.shard.empty()) l["shard"] = s_->options.shard;
  s_->live_collectable->add({l, live, options.load.rate.pacer});
  return live;
}

void PrometheusExporter::verdict(const std::string& scenario, const Verdict& v) {
  std::lock_guard lock(s_->mu);
  for (const Check& c : v.checks) s_->check->Add({{"scenario", scenario}, {"check", c.name}}).Set(c.pass ? 1 : 0);
  s_->verdict->Add({{"scenario", scenario}}).Set(v.pass() ? 1 : 0);
}

std::string PrometheusExporter::push() {
  if (s_->options.push.empty()) return "";
  auto u = parse_url(s_->options.push);
  prometheus::Labels labels;
  if (!s_->options.shard.empty()) labels["shard"] = s_->options.shard;
  prometheus::Gateway gw(u->host, std::to_string(u->port), s_->options.job, labels);
  gw.RegisterCollectable(s_->registry);
  gw.RegisterCollectable(s_->live_collectable);
  const int code = gw.Push();
  if (code >= 200 && code < 300) return "";
  return "push to " + s_->options.push + " failed" + (code > 0 ? " (HTTP " + std::to_string(code) + ")" : " (no answer)");
}

std::string PrometheusExporter::text() const {
  std::vector<prometheus::MetricFamily> all = s_->registry->Collect();
  for (auto& f : s_->live_collectable->Collect()) all.push_back(std::move(f));
  return prometheus::TextSerializer().Serialize(all);
}

std::string PrometheusExporter::openmetrics() const {
  std::vector<prometheus::MetricFamily> all = s_->registry->Collect();
  for (auto& f : s_->live_collectable->Collect()) all.push_back(std::move(f));
  std::lock_guard lock(s_->mu);
  return openmetrics_text(all, [this](const std::vector<prometheus::ClientMetric::Label>& labels, size_t bucket) -> const Exemplar* {
    auto it = s_->exemplars.find(labels);
    if (it == s_->exemplars.end() || bucket >= it->second.size() || !it->second[bucket]) return nullptr;
    return &*it->second[bucket];
  });
}

std::unique_ptr<ResultsSink> PrometheusExporter::attach(AttackOptions& options) {
  std::unique_ptr<ResultsSink> counting = sink(options, options.sink);
  options.sink = counting.get();
  options.live = live(options);
  return counting;
}

std::unique_ptr<PrometheusExporter> make_exporter(const PrometheusOptions& o) {
  if (o.listen.empty() && o.push.empty()) return nullptr;
  return std::make_unique<PrometheusExporter>(o);
}

}  // namespace loadgate
