// metrics.cc: Stats, Series, Metrics and the Summary computation (Vegeta's Close()).
#include "loadgate/metrics.h"

#include <algorithm>
#include <limits>

#include "loadgate/figures.h"
#include "loadgate/interner.h"

namespace loadgate {
namespace {

// The percentiles whose intervals a Summary carries, and their names: every percentile of the
// figures table below the max.
const std::vector<std::pair<const char*, double>>& interval_percentiles() {
  static const std::vector<std::pair<const char*, double>> p = [] {
    std::vector<std::pair<const char*, double>> out;
    for (const Figure& f : all_figures())
      if (f.latency() && f.percentile > 0 && f.percentile < 100) out.emplace_back(f.name, f.percentile);
    return out;
  }();
  return p;
}


constexpr int64_t kNs = 1'000'000'000;

bool was_sent(const Result& r) { return r.error_kind != ErrorKind::kDropped; }

// Whether the result has a latency to record: not for hits never sent, nor for answers that
// never came (a lost echo's latency is unknown, and recording its send delay would bias low).
bool timed(const Result& r) { return was_sent(r) && r.error_kind != ErrorKind::kLost; }

}  // namespace

Latencies latencies_of(const Histogram& h) {
  Latencies l;
  if (h.count() == 0) return l;
  const double sum = h.sum();
  l.total = sum >= 9.2e18 ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(sum);
  l.mean = static_cast<int64_t>(h.mean());
  l.min = h.min();
  l.p50 = h.percentile(50);
  l.p90 = h.percentile(90);
  l.p95 = h.percentile(95);
  l.p99 = h.percentile(99);
  l.p999 = h.percentile(99.9);
  l.max = h.max();
  return l;
}

// ---- PhaseStats -----------------------------------------------------------------------------

PhaseStats::PhaseStats()
    : connect(Histogram::kDefaultHighest, 2),
      tls(Histogram::kDefaultHighest, 2),
      sending(Histogram::kDefaultHighest, 2),
      waiting(Histogram::kDefaultHighest, 2),
      receiving(Histogram::kDefaultHighest, 2) {}

void PhaseStats::add(const Phases& p) {
  if (p.connect > 0) ++opened;
  connect.record(p.connect);
  tls.record(p.tls);
  sending.record(p.sending);
  waiting.record(p.waiting);
  receiving.record(p.receiving);
}

void PhaseStats::merge(const PhaseStats& o) {
  opened += o.opened;
  connect.merge(o.connect);
  tls.merge(o.tls);
  sending.merge(o.sending);
  waiting.merge(o.waiting);
  receiving.merge(o.receiving);
}

const std::vector<std::string>& phase_names() {
  static const std::vector<std::string> kNames = {"connect", "tls", "sending", "waiting", "receiving"};
  return kNames;
}

const Histogram* phase_histogram(const PhaseStats& p, const std::string& name) {
  if (name == "connect") return &p.connect;
  if (name == "tls") return &p.tls;
  if (name == "sending") return &p.sending;
  if (name == "waiting") return &p.waiting;
  if (name == "receiving") return &p.receiving;
  return nullptr;
}

// ---- Stats ----------------------------------------------------------------------------------

Stats::Stats()
    : send_delay(Histogram::kDefaultHighest, 2),
      first(Histogram::kDefaultHighest, 2),
      gap(Histogram::kDefaultHighest, 2) {}

void Stats::add(const Result& r) {
  ++requests;
  if (r.ok()) ++success;
  error_kinds[static_cast<size_t>(r.error_kind)]++;
  if (r.error) {
    auto [it, fresh] = error_index_.try_emplace(r.error, errors.size());
    if (fresh) errors.emplace_back(r.error, 0);
    errors[it->second].second++;
  }
  ++status[r.status];
  if (!was_sent(r)) {
    ++dropped;
    return;
  }
  const int64_t sent = r.sent_ns();
  if (earliest_ns == 0 || sent < earliest_ns) earliest_ns = sent;
  latest_ns = std::max(latest_ns, sent);
  end_ns = std::max(end_ns, r.end_ns());
  if (r.send_delay_ns > kLateThreshold.count()) ++late;
  bytes_in += r.bytes_in;
  bytes_out += r.bytes_out;
  messages += r.messages_in();
  if (sends_stream(r.kind)) messages_sent += r.messages_out();
  send_delay.record(r.send_delay_ns);
  if (!timed(r)) return;
  latency.record(r.latency_ns);
  uncorrected.record(r.uncorrected_ns());
  if (r.first_ns > 0) first.record(r.first_ns);
  // Messages 2..n of a stream arrive over (end - first message): their mean spacing.
  if (const uint32_t in = r.messages_in(); in > 1 && r.first_ns > 0)
    gap.record((r.uncorrected_ns() - r.first_ns) / static_cast<int64_t>(in - 1));
}

void Stats::add_phases(const Result& r, const ConnectPhases& c) {
  if (r.kind != Kind::kHttp || !was_sent(r) || !timed(r) || (r.sending_ns() == 0 && !c.any())) return;
  if (!phases) phases = std::make_unique<PhaseStats>();
  phases->add(phases_of(r, c));
}

void Stats::merge(const Stats& o) {
  requests += o.requests;
  success += o.success;
  dropped += o.dropped;
  late += o.late;
  bytes_in += o.bytes_in;
  bytes_out += o.bytes_out;
  messages += o.messages;
  messages_sent += o.messages_sent;
  if (o.earliest_ns && (earliest_ns == 0 || o.earliest_ns < earliest_ns)) earliest_ns = o.earliest_ns;
  latest_ns = std::max(latest_ns, o.latest_ns);
  end_ns = std::max(end_ns, o.end_ns);
  latency.merge(o.latency);
  uncorrected.merge(o.uncorrected);
  send_delay.merge(o.send_delay);
  first.merge(o.first);
  gap.merge(o.gap);
  if (o.phases) {
    if (!phases) phases = std::make_unique<PhaseStats>();
    phases->merge(*o.phases);
  }
  for (auto& [code, n] : o.status) status[code] += n;
  for (auto& [id, n] : o.errors) {
    auto [it, fresh] = error_index_.try_emplace(id, errors.size());
    if (fresh) errors.emplace_back(id, 0);
    errors[it->second].second += n;
  }
  for (size_t i = 0; i < error_kinds.size(); ++i) error_kinds[i] += o.error_kinds[i];
}

// ---- Series ---------------------------------------------------------------------------------

Series::Series(Nanos width) : width_ns_(std::max<int64_t>(1, width.count())) {}

Window& Series::slot(int64_t t_ns) {
  // Widen first, so that the span from the first window to `t` fits: a result far from the
  // others (files recorded a day apart) must not allocate every window in between.
  if (!windows_.empty()) {
    auto span = [&] {
      const int64_t index = t_ns / width_ns_;
      const int64_t last = first_index_ + static_cast<int64_t>(windows_.size()) - 1;
      return std::max(last, index) - std::min(first_index_, index) + 1;
    };
    while (span() > static_cast<int64_t>(kMaxWindows)) coarsen();
  }
  const int64_t index = t_ns / width_ns_;
  if (windows_.empty()) {
    first_index_ = index;
    windows_.emplace_back().start_ns = index * width_ns_;
  }
  while (index < first_index_) {
    --first_index_;
    windows_.emplace_front().start_ns = first_index_ * width_ns_;
  }
  while (index >= first_index_ + static_cast<int64_t>(windows_.size())) {
    const int64_t next = first_index_ + static_cast<int64_t>(windows_.size());
    windows_.emplace_back().start_ns = next * width_ns_;
  }
  return windows_[static_cast<size_t>(index - first_index_)];
}

void Window::merge(const Window& other) {
  requests += other.requests;
  success += other.success;
  bytes_in += other.bytes_in;
  latency.merge(other.latency);
}

// Doubles the window width, merging each pair of neighbouring windows.
void Series::coarsen() {
  const int64_t new_width = width_ns_ * 2;
  std::deque<Window> merged;
  for (Window& w : windows_) {
    const int64_t start = w.start_ns / new_width * new_width;
    if (merged.empty() || merged.back().start_ns != start) merged.emplace_back().start_ns = start;
    merged.back().merge(w);
  }
  windows_ = std::move(merged);
  width_ns_ = new_width;
  if (!windows_.empty()) first_index_ = windows_.front().start_ns / width_ns_;
}

void Series::add(const Result& r) {
  Window& w = slot(was_sent(r) ? r.sent_ns() : r.scheduled_ns);
  ++w.requests;
  if (r.ok()) ++w.success;
  if (!timed(r)) return;
  w.bytes_in += r.bytes_in;
  w.latency.record(r.latency_ns);
}

void Series::merge(const Series& other) {
  while (width_ns_ < other.width_ns_) coarsen();
  for (const Window& w : other.windows_) slot(w.start_ns).merge(w);
}

std::vector<Window> Series::rebucket(Nanos width) const {
  std::vector<Window> out;
  // A whole number of this series' windows, so that none straddles two buckets.
  const int64_t w = width_ns_ * std::max<int64_t>(1, (width.count() + width_ns_ / 2) / width_ns_);
  for (const Window& src : windows_) {
    const int64_t start = src.start_ns / w * w;
    if (out.empty() || out.back().start_ns != start) out.emplace_back().start_ns = start;
    out.back().merge(src);
  }
  return out;
}

// ---- Summary --------------------------------------------------------------------------------

Summary summarize(const Stats& s, Kind kind) {
  Summary m;
  m.requests = s.requests;
  m.success = s.success;
  m.dropped = s.dropped;
  m.late = s.late;
  m.earliest_ns = s.earliest_ns;
  m.latest_ns = s.latest_ns;
  m.end_ns = s.end_ns;
  m.duration = Nanos{s.latest_ns - s.earliest_ns};
  m.wait = Nanos{std::max<int64_t>(0, s.end_ns - s.latest_ns)};
  m.rate = static_cast<double>(s.requests - s.dropped);  // hits actually sent
  m.throughput = static_cast<double>(s.success);
  if (m.duration.count() > 0) {
    m.rate /= static_cast<double>(m.duration.count()) / kNs;
    m.throughput /= static_cast<double>((m.duration + m.wait).count()) / kNs;
  } else {
    m.rate = m.throughput = 0;
  }
  if (s.requests) {
    m.success_ratio = static_cast<double>(s.success) / static_cast<double>(s.requests);
    m.bytes_in_mean = static_cast<double>(s.bytes_in) / static_cast<double>(s.requests);
    m.bytes_out_mean = static_cast<double>(s.bytes_out) / static_cast<double>(s.requests);
  }
  m.latency = latencies_of(s.latency);
  for (const auto& [name, p] : interval_percentiles()) m.intervals[name] = quantile_interval(s.latency, p);
  m.intervals["success"] = wilson_interval(s.success, s.requests);
  m.uncorrected = latencies_of(s.uncorrected);
  m.send_delay = latencies_of(s.send_delay);
  m.first = latencies_of(s.first);
  m.gap = latencies_of(s.gap);
  if (s.phases && s.phases->sending.count() > 0) {
    for (const std::string& name : phase_names()) m.phases[name] = latencies_of(*phase_histogram(*s.phases, name));
    m.connections_opened = s.phases->opened;
  }
  m.bytes_in = s.bytes_in;
  m.bytes_out = s.bytes_out;
  m.messages = s.messages;
  m.messages_sent = s.messages_sent;
  for (auto& [code, n] : s.status) m.status_codes[status_label(kind, code)] += n;
  for (auto& [id, n] : s.errors) {
    m.errors.push_back(interned(id));
    m.error_counts.push_back(n);
  }
  return m;
}

// ---- Metrics --------------------------------------------------------------------------------

Metrics::Metrics() = default;
Metrics::Metrics(Metrics&&) noexcept = default;
Metrics& Metrics::operator=(Metrics&&) noexcept = default;
Metrics::~Metrics() = default;

// ---- Slowest --------------------------------------------------------------------------------

namespace {
bool faster(const Traced& a, const Traced& b) { return a.result.latency_ns > b.result.latency_ns; }
}  // namespace

bool Slowest::offer(const Traced& t) {
  if (heap_.size() < kMax) {
    heap_.push_back(t);
    std::push_heap(heap_.begin(), heap_.end(), faster);
    return true;
  }
  if (t.result.latency_ns <= heap_.front().result.latency_ns) return false;
  std::pop_heap(heap_.begin(), heap_.end(), faster);
  heap_.back() = t;
  std::push_heap(heap_.begin(), heap_.end(), faster);
  return true;
}

void Slowest::merge(const Slowest& other) {
  for (const Traced& t : other.heap_) offer(t);
}

std::vector<Traced> Slowest::sorted() const {
  std::vector<Traced> out = heap_;
  std::sort(out.begin(), out.end(),
            [](const Traced& a, const Traced& b) { return a.result.latency_ns > b.result.latency_ns; });
  return out;
}

// ---- Metrics --------------------------------------------------------------------------------

bool Metrics::add(const Result& r, const ConnectPhases& c, const TraceId& trace) {
  auto& g = groups_[static_cast<size_t>(r.kind) % kKindCount];
  if (!g) g = std::make_unique<Group>();
  ++count_;
  g->total.add(r);
  g->total.add_phases(r, c);
  g->series.add(r);
  auto it = g->targets.find(r.target);
  if (it == g->targets.end()) {
    const uint32_t key = g->targets.size() < kMaxTargets ? r.target : intern("(other)");
    it = g->targets.find(key);
    if (it == g->targets.end()) it = g->targets.emplace(key, std::make_unique<Stats>()).first;
  }
  it->second->add(r);
  return !trace.empty() && timed(r) && slowest_.offer({r, c, trace});
}

void Metrics::prepare(Kind kind, const std::vector<uint32_t>& targets) {
  auto& g = groups_[static_cast<size_t>(kind) % kKindCount];
  if (!g) g = std::make_unique<Group>();
  for (uint32_t id : targets)
    if (g->targets.size() < kMaxTargets && !g->targets.count(id)) g->targets.emplace(id, std::make_unique<Stats>());
}

void Metrics::merge(const Metrics& other) {
  count_ += other.count_;
  slowest_.merge(other.slowest_);
  resources_.merge(other.resources_);
  generator_.merge(other.generator_);
  for (size_t k = 0; k < groups_.size(); ++k) {
    const Group* o = other.groups_[k].get();
    if (!o) continue;
    auto& g = groups_[k];
    if (!g) g = std::make_unique<Group>();
    g->total.merge(o->total);
    g->series.merge(o->series);
    for (auto& [id, stats] : o->targets) {
      auto it = g->targets.find(id);
      if (it == g->targets.end()) {
        const uint32_t key = g->targets.size() < kMaxTargets ? id : intern("(other)");
        it = g->targets.find(key);
        if (it == g->targets.end()) it = g->targets.emplace(key, std::make_unique<Stats>()).first;
      }
      it->second->merge(*stats);
    }
  }
}

Kind Metrics::primary() const {
  for (Kind k : {Kind::kHttp, Kind::kGrpcUnary, Kind::kGrpcStream, Kind::kWsMessage, Kind::kWsPush, Kind::kWsHandshake,
                 Kind::kWsClose, Kind::kJourney, Kind::kGrpcClientStream, Kind::kGrpcBidi})
    if (group(k)) return k;
  return Kind::kHttp;
}

namespace {

// A rate interval from per-window counts, centred on the summary's own figure `value`.
Interval rate_interval(const std::vector<double>& counts, double width_s, double value) {
  Interval iv = window_rate_interval(counts, width_s);
  if (!iv.known || iv.value <= 0) return Interval{value, 0, 0, false};
  const double scale = value / iv.value;
  return Interval{value, iv.low * scale, iv.high * scale, true};
}

}  // namespace

Summary Metrics::summarize(Kind kind) const {
  const Group* g = group(kind);
  if (!g) return Summary{};
  Summary s = loadgate::summarize(g->total, kind);
  // Widen the intervals by the run's seconds: seconds that resemble each other (a slow minute)
  // are not independent samples. The first and last windows are partial: left out of rates.
  const auto& windows = g->series.windows();
  std::vector<const Histogram*> hists;
  std::vector<double> requests, success, inner_requests, inner_success;
  for (size_t k = 0; k < windows.size(); ++k) {
    const Window& w = windows[k];
    hists.push_back(&w.latency);
    requests.push_back(static_cast<double>(w.requests));
    success.push_back(static_cast<double>(w.success));
    if (k > 0 && k + 1 < windows.size()) {
      inner_requests.push_back(static_cast<double>(w.requests));
      inner_success.push_back(static_cast<double>(w.success));
    }
  }
  std::vector<double> ps;
  for (const auto& [name, p] : interval_percentiles()) ps.push_back(p);
  const std::vector<Interval> boot = window_quantile_intervals(hists, ps);
  for (size_t k = 0; k < ps.size(); ++k) {
    Interval& iv = s.intervals[interval_percentiles()[k].first];
    if (boot[k].known) iv = iv.widest(Interval{iv.value, boot[k].low, boot[k].high, true});
  }
  const Interval ratio = window_ratio_interval(success, requests);
  if (ratio.known) s.intervals["success"] = s.intervals["success"].widest(Interval{s.success_ratio, ratio.low, ratio.high, true});
  const double width_s = static_cast<double>(g->series.width().count()) / kNs;
  s.intervals["rate"] = rate_interval(inner_requests, width_s, s.rate);
  s.intervals["throughput"] = rate_interval(inner_success, width_s, s.throughput);
  return s;
}

}  // namespace loadgate
