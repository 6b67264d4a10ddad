// dashboard.cc: the dashboard's state, the sink that feeds it from the collector's thread, and
// the tick that turns what came in each period into one frame on the endpoint's thread.
//
// Threads: the sink (collector's thread) and attach() (the command's) write the `Inbox` under
// its lock; everything else (the run's figures so far, the frames kept, the report) belongs to
// the endpoint's thread, where the ticks, the greetings and the pages run.
#include "loadgate/dashboard.h"

#include <algorithm>
#include <array>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "live_endpoint.h"
#include "loadgate/error.h"
#include "loadgate/gate.h"
#include "loadgate/interner.h"

namespace loadgate {
namespace {

using nlohmann::json;

// A duration in ns as milliseconds, for the page.
double ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }

// JSON text on one line; bytes that are not UTF-8 (a target's, an error's) become U+FFFD.
std::string one_line(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json latencies_json(const Latencies& l) {
  return {{"mean", ms(l.mean)}, {"p50", ms(l.p50)}, {"p90", ms(l.p90)}, {"p99", ms(l.p99)}, {"max", ms(l.max)}};
}

// What a frame shows of the results of one kind: counts, the corrected latency to 2 significant
// digits (1 %: finer than a chart shows), status codes, errors and HTTP phases. Tens of KB,
// merged and summarized in microseconds each second; a Metrics (3-digit histograms of an hour,
// a Stats per target) took 6-13 ms of CPU a frame at 30,000 results/s.
struct Tally {
  uint64_t requests = 0, success = 0, late = 0, dropped = 0;
  Histogram latency{Histogram::kDefaultHighest, 2};
  std::map<uint16_t, uint64_t> status;
  std::map<uint32_t, uint64_t> errors;  // interned text -> count
  std::unique_ptr<PhaseStats> phases;   // HTTP requests that timed theirs (as Stats::add_phases)

  void add(const Result& r, const ConnectPhases& c) {
    ++requests;
    if (r.ok()) ++success;
    ++status[r.status];
    if (r.error) ++errors[r.error];
    if (r.error_kind == ErrorKind::kDropped) {
      ++dropped;
      return;
    }
    if (r.send_delay_ns > kLateThreshold.count()) ++late;
    if (r.error_kind == ErrorKind::kLost) return;  // sent, never timed
    latency.record(r.latency_ns);
    if (r.kind != Kind::kHttp || (r.sending_ns() == 0 && !c.any())) return;
    if (!phases) phases = std::make_unique<PhaseStats>();
    phases->add(phases_of(r, c));
  }
  void merge(const Tally& o) {
    requests += o.requests;
    success += o.success;
    late += o.late;
    dropped += o.dropped;
    latency.merge(o.latency);
    for (const auto& [k, n] : o.status) status[k] += n;
    for (const auto& [k, n] : o.errors) errors[k] += n;
    if (o.phases) {
      if (!phases) phases = std::make_unique<PhaseStats>();
      phases->merge(*o.phases);
    }
  }
};

// A Tally for each kind that came.
using Tallies = std::array<std::unique_ptr<Tally>, kKindCount>;

// The kind the page shows: the one reports lead with (the order of Metrics::primary()).
Kind primary_of(const Tallies& t) {
  for (Kind k : {Kind::kHttp, Kind::kGrpcUnary, Kind::kGrpcStream, Kind::kWsMessage, Kind::kWsPush, Kind::kWsHandshake,
                 Kind::kWsClose, Kind::kJourney, Kind::kGrpcClientStream, Kind::kGrpcBidi})
    if (t[static_cast<size_t>(k)]) return k;
  return Kind::kHttp;
}

}  // namespace

struct Dashboard::State {
  // What the sink and attach() hand the endpoint's thread.
  struct Inbox {
    std::mutex mu;
    Tallies window;                       // results since the last tick
    std::optional<Metrics> judged;        // with thresholds: the same results, for the gate
    std::map<std::string, Sample> samples;  // the latest sample of each role
    bool attached = false;                // an attack is being watched
    bool restart = false;                 // a new attack: the page starts over
    bool header = false;                  // its header came
    bool ended = false;                   // its end came
    AttackInfo info;
    LiveCounters* live = nullptr;
    std::shared_ptr<const Pacer> pacer;   // null for the closed model
    std::optional<Thresholds> thresholds;
    std::string source;
  } inbox;

  // The endpoint's thread's own.
  Tallies total;                  // every result of the attack so far
  Metrics judged;                 // with thresholds: every result so far, for the gate
  std::vector<Check> checks;      // the gate's checks, judged every kChecksEvery frames
  int ticks = 0;
  std::map<std::string, Sample> samples;
  LiveCounters* live = nullptr;
  std::shared_ptr<const Pacer> pacer;
  std::optional<Thresholds> thresholds;
  std::string source;
  bool running = false;           // frames are being sent
  std::string header_event;       // the attack's "header" event
  std::deque<std::string> frames;  // its "frame" events, the last kHistory
  std::string report_event;       // its "report" event, once it has one
  std::string report_html;

  std::vector<std::unique_ptr<LiveCounters>> lives;  // one per attack that had none
  std::unique_ptr<LiveEndpoint> endpoint;  // the last member: stopped before what it serves goes

  void tick();
  json frame(const Tallies& window, int64_t started_ns);
  std::string greeting() const;
};

namespace {

// One attack's sink: keeps what it gets for the next frame, then forwards.
class DashSink final : public ResultsSink {
 public:
  DashSink(Dashboard::State::Inbox& in, ResultsSink* next) : in_(in), next_(next) {}

  void header(const AttackInfo& info) override {
    {
      std::lock_guard lock(in_.mu);
      in_.info = info;
      in_.header = true;
      in_.ended = false;  // a trial after the first, or a run measured again: frames go on
    }
    if (next_) next_->header(info);
  }
  void results(const Result* r, size_t n) override {
    {
      std::lock_guard lock(in_.mu);
      for (size_t i = 0; i < n; ++i) add(r[i], {});
    }
    if (next_) next_->results(r, n);
  }
  void results(const Result* r, size_t n, const std::vector<KeptResponse>& kept) override {
    {
      std::lock_guard lock(in_.mu);
      size_t k = 0;
      for (size_t i = 0; i < n; ++i) {
        while (k < kept.size() && kept[k].index < i) ++k;
        add(r[i], k < kept.size() && kept[k].index == i ? kept[k].opened : ConnectPhases{});
      }
    }
    if (next_) next_->results(r, n, kept);
  }
  void sample(const Sample& s) override {
    {
      std::lock_guard lock(in_.mu);
      in_.samples[s.role] = s;
    }
    if (next_) next_->sample(s);
  }
  void end(const RunEnd& e) override {
    {
      std::lock_guard lock(in_.mu);
      in_.ended = true;
    }
    if (next_) next_->end(e);
  }
  bool broken() const override { return next_ && next_->broken(); }

 private:
  // Under in_.mu.
  void add(const Result& r, const ConnectPhases& c) {
    auto& t = in_.window[static_cast<size_t>(r.kind)];
    if (!t) t = std::make_unique<Tally>();
    t->add(r, c);
    if (in_.judged) in_.judged->add(r, c);
  }

  Dashboard::State::Inbox& in_;
  ResultsSink* next_;
};

json header_json(const AttackInfo& info) {
  return {{"name", info.name},         {"protocol", info.protocol}, {"rate", info.rate},
          {"plan", plan_text(info)},   {"started_ns", info.started_ns},
          {"duration_s", static_cast<double>(info.duration_ns) / 1e9}};
}

}  // namespace

json Dashboard::State::frame(const Tallies& window, int64_t started_ns) {
  const int64_t elapsed = std::max<int64_t>(0, unix_now_ns() - started_ns);
  const Kind kind = primary_of(total);
  const size_t k = static_cast<size_t>(kind);
  json f;
  f["t"] = static_cast<double>(elapsed) / 1e9;
  f["asked"] = pacer ? json(pacer->rate(Nanos(elapsed))) : json(nullptr);
  json w = {{"requests", 0}, {"success", 0}, {"late", 0}, {"dropped", 0}};
  if (const Tally* t = window[k].get()) {
    w = {{"requests", t->requests}, {"success", t->success}, {"late", t->late}, {"dropped", t->dropped}};
    if (t->latency.count() > 0) w["latency"] = latencies_json(latencies_of(t->latency));
  }
  f["window"] = w;
  f["achieved"] = (w["requests"].get<double>() - w["dropped"].get<double>()) * 1000.0 / static_cast<double>(kPeriod.count());
  if (live) {
    f["in_flight"] = live->in_flight.load(std::memory_order_relaxed);
    f["workers"] = live->workers.load(std::memory_order_relaxed);
  }
  json res = json::object();
  for (const auto& [role, sample] : samples)
    res[role] = {{"cpu", sample.cpu_percent}, {"rss", sample.rss_bytes}, {"threads", sample.threads}};
  f["resources"] = res;
  const Tally* t = total[k].get();
  if (!t) return f;
  f["kind"] = std::string(kind_name(kind));
  const uint64_t timed = t->latency.count();
  f["total"] = {{"requests", t->requests},
                {"success", t->success},
                {"success_ratio", t->requests ? static_cast<double>(t->success) / static_cast<double>(t->requests) : 0.0},
                {"late", t->late},
                {"dropped", t->dropped},
                {"latency", timed ? latencies_json(latencies_of(t->latency)) : json(nullptr)}};
  json status = json::object();
  for (const auto& [code, n] : t->status) status[status_label(kind, code)] = n;
  f["status"] = status;
  std::vector<std::pair<uint64_t, uint32_t>> errors;  // the most frequent first
  for (const auto& [id, n] : t->errors) errors.emplace_back(n, id);
  std::sort(errors.begin(), errors.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  json top = json::array();
  for (size_t i = 0; i < errors.size() && i < 10; ++i) top.push_back({interned(errors[i].second), errors[i].first});
  f["errors"] = top;
  json phases = json::array();  // in the order they happen
  if (t->phases)
    for (const std::string& name : phase_names()) {
      json l = latencies_json(latencies_of(*phase_histogram(*t->phases, name)));
      l["name"] = name;
      phases.push_back(l);
    }
  f["phases"] = phases;
  if (thresholds) {
    if (ticks % kChecksEvery == 1 || checks.empty()) checks = evaluate(judged, *thresholds, source).checks;
    json out = json::array();
    for (const Check& c : checks)
      out.push_back({{"name", c.name}, {"state", c.state()}, {"measured", c.measured_text()}, {"limit", c.limit_text()}});
    f["checks"] = out;
  }
  return f;
}

void Dashboard::State::tick() {
  Tallies window;
  std::optional<Metrics> judged_now;
  bool restart = false, header = false, ended = false;
  AttackInfo info;
  {
    std::lock_guard lock(inbox.mu);
    if (!inbox.attached) return;
    std::swap(window, inbox.window);
    if (inbox.judged) {
      judged_now.emplace();
      std::swap(*judged_now, *inbox.judged);
    }
    restart = std::exchange(inbox.restart, false);
    header = std::exchange(inbox.header, false);
    ended = inbox.ended;
    if (header) info = inbox.info;
    samples = inbox.samples;
    if (restart) {
      live = inbox.live;
      pacer = inbox.pacer;
      thresholds = inbox.thresholds;
      source = inbox.source;
    }
  }
  if (restart) {
    total = Tallies();
    judged = Metrics();
    checks.clear();
    ticks = 0;
    header_event.clear();
    frames.clear();
    report_event.clear();
    report_html.clear();
    running = true;
    endpoint->publish(sse_event("restart", "{}"));
  }
  if (header) {
    header_event = sse_event("header", one_line(header_json(info)));
    endpoint->publish(header_event);
    running = true;
  }
  if (!running) return;
  const int64_t started = live ? live->started_ns.load() : 0;
  if (started == 0) return;  // not started yet
  for (size_t k = 0; k < window.size(); ++k) {
    if (!window[k]) continue;
    if (!total[k]) total[k] = std::make_unique<Tally>();
    total[k]->merge(*window[k]);
  }
  if (judged_now) judged.merge(*judged_now);
  ++ticks;
  if (ended) checks.clear();  // the last frame's checks are judged on every result
  const std::string event = sse_event("frame", one_line(frame(window, started)));
  frames.push_back(event);
  if (frames.size() > kHistory) frames.pop_front();
  endpoint->publish(event);
  if (ended) running = false;  // that was the last frame of the attack
}

std::string Dashboard::State::greeting() const {
  std::string out = header_event;
  for (const std::string& f : frames) out += f;
  return out + report_event;
}

Dashboard::Dashboard(const std::string& listen) : s_(std::make_unique<State>()) {
  if (!valid_listen(listen)) throw InputError("", 0, "-dashboard", "\"" + printable(listen) + "\": want host:port, e.g. 127.0.0.1:5665");
  LiveEndpoint::Routes routes;
  State* s = s_.get();
  routes.page = [s](const ScrapeRequest& r) -> std::optional<Page> {
    const std::string& path = r.path;
    if (path == "/" || path == "/index.html")
      return Page{"text/html; charset=utf-8", s->report_html.empty() ? dashboard_page() : s->report_html};
    if (path == "/report" && !s->report_html.empty()) return Page{"text/html; charset=utf-8", s->report_html};
    return std::nullopt;
  };
  routes.events = "/events";
  routes.greeting = [s] { return s->greeting(); };
  try {
    s_->endpoint = std::make_unique<LiveEndpoint>(listen, std::move(routes), LiveEndpoint::Limits{});
  } catch (const std::exception& e) {
    throw InputError("", 0, "-dashboard", listen + ": cannot listen (" + e.what() + ")");
  }
  s_->endpoint->every(kPeriod, [s] { s->tick(); });
}

Dashboard::~Dashboard() { s_->endpoint.reset(); }

std::unique_ptr<ResultsSink> Dashboard::attach(AttackOptions& options, const Thresholds* thresholds,
                                               const std::string& source) {
  if (!options.live) {
    s_->lives.push_back(std::make_unique<LiveCounters>());
    options.live = s_->lives.back().get();
  }
  {
    std::lock_guard lock(s_->inbox.mu);
    State::Inbox& in = s_->inbox;
    in.window = Tallies();
    if (thresholds) in.judged.emplace();
    else in.judged.reset();
    in.samples.clear();
    in.attached = in.restart = true;
    in.header = in.ended = false;
    in.live = options.live;
    in.pacer = options.load.rate.pacer;
    in.thresholds = thresholds ? std::optional<Thresholds>(*thresholds) : std::nullopt;
    in.source = source;
  }
  // Its ticks off the generator's pinned cores: a frame's few hundred microseconds of figures
  // would otherwise delay the hits due meanwhile.
  s_->endpoint->avoid_cpus(options.cpus);
  auto sink = std::make_unique<DashSink>(s_->inbox, options.sink);
  options.sink = sink.get();
  return sink;
}

void Dashboard::finish(const Metrics& m, const ReportOptions& o) {
  std::ostringstream html;
  write_html_report(html, m, o);
  finish(html.str());
}

void Dashboard::finish(const std::string& html) {
  State* s = s_.get();
  s_->endpoint->post([s, page = html] {
    s->tick();  // what came since the last frame, and the end
    {
      std::lock_guard lock(s->inbox.mu);
      s->inbox.attached = false;
    }
    s->running = false;
    s->report_html = page;
    s->report_event = sse_event("report", one_line(json(page)));
    s->endpoint->publish(s->report_event);
  });
  s_->endpoint->flush(std::chrono::seconds(2));
}

uint16_t Dashboard::port() const { return s_->endpoint->port(); }

size_t Dashboard::browsers() const { return s_->endpoint->streams(); }

std::unique_ptr<Dashboard> make_dashboard(const std::string& listen) {
  if (listen.empty()) return nullptr;
  return std::make_unique<Dashboard>(listen);
}

}  // namespace loadgate
