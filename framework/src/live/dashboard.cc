// dashboard.cc: the dashboard's state, the sink that feeds it from the collector's thread, and
// the tick that turns what came in each period into one frame on the endpoint's thread.
//
// Threads: the sink (collector's thread) and attach() (the command's) write the `Inbox` under
// its lock; everything else (the run's figures so far, the frames kept, the report) belongs to
// the endpoint's thread, where the ticks, the greetings and the pages run.
#include "loadgate/dashboard.h"

#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "live_endpoint.h"
#include "loadgate/error.h"
#include "loadgate/gate.h"

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

}  // namespace

struct Dashboard::State {
  // What the sink and attach() hand the endpoint's thread.
  struct Inbox {
    std::mutex mu;
    Metrics window;                       // results since the last tick
    std::map<std::string, Sample> samples;  // the latest sample of each role
    bool attached = false;                // an attack is being watched
    bool restart = false;                 // a new attack: the page starts over
    bool header = false;                  // its header came
    bool ended = false;                   // its end came
    AttackInfo info;
    GeneratorStats generator;
    LiveCounters* live = nullptr;
    std::shared_ptr<const Pacer> pacer;   // null for the closed model
    std::optional<Thresholds> thresholds;
    std::string source;
  } inbox;

  // The endpoint's thread's own.
  Metrics total;                  // every result of the attack so far
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
  json frame(const Metrics& window, int64_t started_ns) const;
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
    }
    if (next_) next_->header(info);
  }
  void results(const Result* r, size_t n) override {
    {
      std::lock_guard lock(in_.mu);
      for (size_t i = 0; i < n; ++i) in_.window.add(r[i]);
    }
    if (next_) next_->results(r, n);
  }
  void results(const Result* r, size_t n, const std::vector<KeptResponse>& kept) override {
    {
      std::lock_guard lock(in_.mu);
      size_t k = 0;
      for (size_t i = 0; i < n; ++i) {
        while (k < kept.size() && kept[k].index < i) ++k;
        in_.window.add(r[i], k < kept.size() && kept[k].index == i ? kept[k].opened : ConnectPhases{});
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
      in_.generator = e.generator;
    }
    if (next_) next_->end(e);
  }
  bool broken() const override { return next_ && next_->broken(); }

 private:
  Dashboard::State::Inbox& in_;
  ResultsSink* next_;
};

json header_json(const AttackInfo& info) {
  return {{"name", info.name},         {"protocol", info.protocol}, {"rate", info.rate},
          {"plan", plan_text(info)},   {"started_ns", info.started_ns},
          {"duration_s", static_cast<double>(info.duration_ns) / 1e9}};
}

}  // namespace

json Dashboard::State::frame(const Metrics& window, int64_t started_ns) const {
  const double elapsed_s = static_cast<double>(unix_now_ns() - started_ns) / 1e9;
  const Kind kind = total.primary();
  json f;
  f["t"] = elapsed_s;
  f["asked"] = pacer ? json(pacer->rate(Nanos(std::max<int64_t>(0, unix_now_ns() - started_ns)))) : json(nullptr);
  json w = {{"requests", 0}, {"success", 0}, {"late", 0}, {"dropped", 0}};
  if (const Group* g = window.group(kind)) {
    const Summary s = summarize(g->total, kind);
    w = {{"requests", s.requests}, {"success", s.success}, {"late", s.late}, {"dropped", s.dropped}};
    if (s.requests > s.dropped) w["latency"] = latencies_json(s.latency);
  }
  f["window"] = w;
  f["achieved"] = (w["requests"].get<double>() - w["dropped"].get<double>()) * 1000.0 / static_cast<double>(kPeriod.count());
  if (live) {
    f["in_flight"] = live->in_flight.load(std::memory_order_relaxed);
    f["workers"] = live->workers.load(std::memory_order_relaxed);
  }
  json res = json::object();
  for (const auto& [role, s] : samples) res[role] = {{"cpu", s.cpu_percent}, {"rss", s.rss_bytes}, {"threads", s.threads}};
  f["resources"] = res;
  const Group* g = total.group(kind);
  if (!g) return f;
  const Summary s = summarize(g->total, kind);
  f["kind"] = std::string(kind_name(kind));
  f["total"] = {{"requests", s.requests}, {"success", s.success}, {"success_ratio", s.success_ratio},
                {"late", s.late},         {"dropped", s.dropped}, {"rate", s.rate},
                {"latency", latencies_json(s.latency)}};
  f["status"] = s.status_codes;
  json errors = json::array();
  for (size_t i = 0; i < s.errors.size() && i < 10; ++i) errors.push_back({s.errors[i], s.error_counts[i]});
  f["errors"] = errors;
  json phases = json::array();  // in the order they happen
  for (const std::string& name : phase_names()) {
    auto p = s.phases.find(name);
    if (p == s.phases.end()) continue;
    json l = latencies_json(p->second);
    l["name"] = name;
    phases.push_back(l);
  }
  f["phases"] = phases;
  if (thresholds) {
    json checks = json::array();
    for (const Check& c : evaluate(total, *thresholds, source).checks)
      checks.push_back({{"name", c.name}, {"state", c.state()}, {"measured", c.measured_text()}, {"limit", c.limit_text()}});
    f["checks"] = checks;
  }
  return f;
}

void Dashboard::State::tick() {
  Metrics window;
  bool restart = false, header = false, ended = false;
  AttackInfo info;
  {
    std::lock_guard lock(inbox.mu);
    if (!inbox.attached) return;
    std::swap(window, inbox.window);
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
    total = Metrics();
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
  }
  if (!running) return;
  const int64_t started = live ? live->started_ns.load() : 0;
  if (started == 0) return;  // not started yet
  total.merge(window);
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
  const auto colon = listen.rfind(':');
  bool valid = colon != std::string::npos && colon + 1 < listen.size();
  for (size_t i = valid ? colon + 1 : listen.size(); i < listen.size(); ++i) valid = valid && listen[i] >= '0' && listen[i] <= '9';
  if (!valid) throw InputError("", 0, "-dashboard", "\"" + printable(listen) + "\": want host:port, e.g. 127.0.0.1:5665");
  LiveEndpoint::Routes routes;
  State* s = s_.get();
  routes.page = [s](const std::string& path) -> std::optional<Page> {
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
    in.window = Metrics();
    in.samples.clear();
    in.attached = in.restart = true;
    in.header = in.ended = false;
    in.generator = {};
    in.live = options.live;
    in.pacer = options.load.rate.pacer;
    in.thresholds = thresholds ? std::optional<Thresholds>(*thresholds) : std::nullopt;
    in.source = source;
  }
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
