// scenario_runner.cc: scenario -> attack -> reports, for perf tests.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>
#include <type_traits>
#include <tuple>

#include "loadgate/capacity.h"
#include "loadgate/environment.h"
#include "loadgate/error.h"
#include "loadgate/file.h"
#include "loadgate/http.h"
#include "loadgate/journey.h"
#include "loadgate/replay.h"
#include "loadgate/monitor.h"
#include "loadgate/dashboard.h"
#include "loadgate/prometheus.h"
#include "loadgate/report.h"
#include "loadgate/scenario.h"
#include "loadgate/step_exchange.h"
#include "loadgate/url.h"

namespace loadgate {
const Scenario& scenario(const std::string& key) { return find_scenario(key); }

std::vector<Target> targets_file(const std::string& path) {
  const bool json = path.size() > 5 && path.substr(path.size() - 5) == ".json";
  return load_targets(path, json ? TargetsFormat::kJson : TargetsFormat::kHttp);
}

// The number in variable `e`, or `unset` when it is not set. Throws InputError naming the
// variable and what it wants (`want`) when it is not a finite number within [lo, hi].
double env_number(Env e, double unset, double lo, double hi, const std::string& want) {
  const auto v = env(e);
  if (!v) return unset;
  char* end = nullptr;
  const double x = std::strtod(v->c_str(), &end);
  if (*end != '\0' || !std::isfinite(x) || !(x >= lo && x <= hi))
    throw InputError("", 0, env_name(e), "\"" + *v + "\": " + want);
  return x;
}

double duration_scale() {
  return env_number(Env::kDurationScale, 1.0, std::nextafter(0.0, 1.0), HUGE_VAL, "want a positive number");
}

AttackOptions attack_options(const Scenario& s) {
  AttackOptions o;
  o.load = scenario_load(s, duration_scale());
  o.name = s.key();
  // Sharded suites: every generator runs the same scenario with LOADGATE_SHARD=i/n (and the
  // same LOADGATE_START_AT); their results merge into the one scenario's figures.
  if (const auto v = env(Env::kShard)) std::tie(o.load.shard, o.load.shards) = parse_shard(*v, env_name(Env::kShard));
  if (const auto v = env(Env::kStartAt)) o.load.start_at_ns = parse_start_at(*v, env_name(Env::kStartAt));
  if (env_true(Env::kProgress) || isatty(STDERR_FILENO)) o.progress = stderr;
  return o;
}

std::string reports_dir() {
  // The user's choice first, then the one loadgate_add_perf_test() gives its tests.
  for (Env e : {Env::kReportsDir, Env::kDefaultReportsDir})
    if (auto v = env(e)) return *v;
  return "reports";
}

namespace {

// The service a run loads: the caller's, a deployed one named in the environment, or one started
// from its declaration for this run only.
class Sut {
 public:
  Sut(const Scenario& s, Service* given) : scenario_(s) {
    if (given) {
      svc_ = given;
    } else if (!(env_ = service_url_from_env(s.service))) {
      if (auto spec = declared_process(s)) {
        // $LOADGATE_PIN: the service on the last core, the generator on the others.
        if (env_true(Env::kPin) && cores() >= 2) {
          spec->cpus = {cores() - 1};
          for (int c = 0; c + 1 < cores(); ++c) generator_cpus_.push_back(c);
        }
        owned_.emplace(*spec, s.service, reports_dir() + "/" + s.key() + ".service.log");
        svc_ = &*owned_;
      }
    }
  }

  /// Where the load goes: a URL with `scheme` (nullptr: host:port, for gRPC); nullopt = as written.
  std::optional<std::string> origin(const char* scheme) const {
    if (env_) return env_;
    if (svc_ && !svc_->address().empty()) return scheme ? svc_->url(scheme) : svc_->address();
    return std::nullopt;
  }

  /// The processes to sample besides the generator: the service's process group (role "sut") and
  /// $LOADGATE_MONITOR_PID ("sut", or "monitored" beside a service loadgate started).
  std::vector<MonitoredProcess> monitored() const {
    std::vector<MonitoredProcess> out;
    if (svc_) out = svc_->monitored();
    if (const auto v = env(Env::kMonitorPid)) {
      const int pid = std::atoi(v->c_str());
      if (pid > 0 && read_process(pid)) out.push_back({pid, out.empty() ? "sut" : "monitored"});
    }
    return out;
  }

  void watch(std::atomic<bool>* stop) {
    if (svc_) svc_->watch(stop);
  }

  /// After the run that started at `started_ns` (Unix): stops watching, stops a service started
  /// for the run, and says what happened to it; nullopt without a process.
  /// The CPUs the generator runs on when the service was pinned away from them; empty = any.
  const std::vector<int>& generator_cpus() const { return generator_cpus_; }

  /// Whether the service runs on this machine: started here for the run, or given by the
  /// caller (an embedded one); a deployment named in the environment is elsewhere.
  bool here() const { return !env_ && svc_ && svc_->pid() > 0; }

  std::optional<ServiceStatus> finish(int64_t started_ns) {
    if (!svc_ || svc_->pid() <= 0) return std::nullopt;
    svc_->watch(nullptr);
    std::string failure;
    if (auto at = svc_->died_at()) {
      char into[48];
      std::snprintf(into, sizeof into, "%.1f s", static_cast<double>(std::max<int64_t>(0, *at - started_ns)) / 1e9);
      failure = "service " + scenario_.service + " " + svc_->exit_cause() + " " + into + " into " + scenario_.key();
    }
    ServiceStatus st = owned_ ? owned_->stop() : svc_->status();
    st.failure = failure;
    if (!failure.empty()) {
      st.last_lines = svc_->tail(20);
      std::fprintf(stderr, "loadgate: %s\n", failure.c_str());
    }
    return st;
  }

 private:
  const Scenario& scenario_;
  Service* svc_ = nullptr;
  std::optional<Service> owned_;
  std::optional<std::string> env_;
  std::vector<int> generator_cpus_;
};

// Each protocol's target, adjusted to the scenario and pointed at its service.
void prepare(std::vector<Target>& targets, const Scenario&, const Sut& sut) {
  const bool tls = !targets.empty() && targets[0].url.rfind("https:", 0) == 0;
  if (auto url = sut.origin(tls ? "https" : "http")) rebase_targets(targets, *url);
}

void prepare(Journey& j, const Scenario&, const Sut& sut) {
  bool tls = false;  // as the first HTTP step says
  for (const JourneyStep& step : j.steps)
    if (!step.grpc && !step.ws) {
      tls = step.request.url.rfind("https:", 0) == 0;
      break;
    }
  if (auto url = sut.origin(tls ? "https" : "http")) rebase_journey(j, *url);
}

// A replay scenario's log, planned once its service's address is known.
struct ReplayRun {
  std::string log;
  ReplayOptions options;
  ReplayPlan plan;
};

void prepare(ReplayRun& r, const Scenario&, const Sut& sut) {
  if (auto url = sut.origin("http")) r.options.origin = *url;
  r.plan = plan_replay(r.log, r.options);
  std::fprintf(stderr, "loadgate: replay %s: %s\n", r.log.c_str(), r.plan.describe().c_str());
  for (const std::string& e : r.plan.unparsed_examples) std::fprintf(stderr, "loadgate: unparsed: %s\n", e.c_str());
}

void prepare(GrpcOptions& g, const Scenario& s, const Sut& sut) {
  if (auto addr = sut.origin(nullptr)) g.addr = *addr;
  if (!s.protocol.call.empty()) g.call = s.protocol.call;
  if (!s.protocol.data.empty()) g.data = {s.protocol.data};
  if (!s.protocol.proto.empty()) g.proto = s.protocol.proto;
  if (s.protocol.connections > 0) g.connections = s.protocol.connections;
  if (!g.reflection_cache) g.reflection_cache = new_grpc_reflection_cache();  // the run's trials, steps, re-measure
}

void prepare(WsOptions& w, const Scenario& s, const Sut& sut) {
  auto u = parse_url(w.url);
  const std::string path = !s.protocol.path.empty() ? s.protocol.path : u ? u->target : std::string("/echo");
  if (auto base = sut.origin(w.url.rfind("wss:", 0) == 0 ? "wss" : "ws"))
    w.url = *base + path;
  else if (u && !s.protocol.path.empty())
    w.url = u->origin() + path;
  if (s.protocol.connections > 0) w.connections = s.protocol.connections;
  if (s.protocol.connect_rate > 0) w.connect_rate = s.protocol.connect_rate;
  if (s.protocol.rate_per_conn > 0) w.rate_per_conn = s.protocol.rate_per_conn;
  if (s.protocol.message_size > 0) w.message_size = s.protocol.message_size;
}

// The peak rate a load asks (hits, calls or messages per second; 0 = closed model) and its
// protocol, for the Need said before a run.
double peak_of(const AttackOptions& o) { return o.load.open() ? peak_rate(*o.load.rate.pacer, o.load.duration) : 0; }
double peak_of(const std::vector<Target>&, const AttackOptions& o) { return peak_of(o); }
double peak_of(const Journey&, const AttackOptions& o) { return peak_of(o); }
double peak_of(const ReplayRun& r, const AttackOptions&) { return peak_rate(*r.plan.pacer, Nanos(r.plan.span_ns)); }
double peak_of(const GrpcOptions&, const AttackOptions& o) { return peak_of(o); }
double peak_of(const WsOptions& w, const AttackOptions& o) {
  const double per = w.message_pacer ? peak_rate(*w.message_pacer, o.load.duration) : w.rate_per_conn;
  return per * w.connections / std::max(1, o.load.shards);
}
const char* protocol_of(const std::vector<Target>&) { return "http"; }
const char* protocol_of(const Journey&) { return "http"; }
const char* protocol_of(const ReplayRun&) { return "http"; }
const char* protocol_of(const GrpcOptions&) { return "grpc"; }
const char* protocol_of(const WsOptions&) { return "ws"; }

// $LOADGATE_FIT=SHARE (the main job's, ci/load-test: 0.25): a load whose generator and
// service here would need more than SHARE of this machine's cores runs at the rate that needs
// SHARE, and says so; unset or 0 = every load as written. Only WebSocket messages are scaled
// (connections stay as written): the seed's HTTP and gRPC rates fit any machine.
double fit_share() {
  return env_number(Env::kFit, 0, 0, 1, "want a share of the cores, 0 (off) to 1");
}

template <class T>
std::string fit(T&, const Need&) {
  return "";
}
std::string fit(WsOptions& w, const Need& n) {
  const double share = fit_share();
  if (share <= 0 || n.fits(share) || w.message_pacer || w.rate_per_conn <= 0) return "";
  const double f = fit_factor("ws", n.rate, n.service_here, share);
  const double asked = w.rate_per_conn;
  w.rate_per_conn = std::max(1.0, std::floor(asked * f));
  char note[200];
  std::snprintf(note, sizeof note, "%.0f/1s each of the baseline's %.0f/1s, to fit this machine (", w.rate_per_conn,
                asked);
  return note + n.line() + ")";
}

AttackRun run_one(const std::vector<Target>& t, const AttackOptions& o) { return attack_http(t, HttpOptions{}, o); }
AttackRun run_one(const GrpcOptions& g, const AttackOptions& o) { return attack_grpc(g, o); }
AttackRun run_one(const WsOptions& w, const AttackOptions& o) { return attack_ws(w, o); }
AttackRun run_one(const Journey& j, const AttackOptions& o) { return attack_journey(j, HttpOptions{}, o); }
// The log is the schedule; a shortened suite ($LOADGATE_DURATION_SCALE) stops it early.
AttackRun run_one(const ReplayRun& r, AttackOptions o) {
  o.load.rate.pacer = r.plan.pacer;
  if (o.load.duration.count() == 0 && duration_scale() < 1)
    o.load.duration = scale_duration(Nanos(r.plan.span_ns + 1'000'000), duration_scale());
  HttpOptions http;
  http.targeter = r.plan.targeter;
  return attack_http({}, http, o);
}

// One breakpoint step (its pacer set by step_runner()): for WebSocket, `rate` messages per
// second over all connections.
template <class T>
AttackRun run_at(const T& target, const AttackOptions& o, double) {
  return run_one(target, o);
}
AttackRun run_at(const WsOptions& w, const AttackOptions& o, double rate) { return run_one(ws_at_rate(w, rate), o); }

// Watches windows as results arrive and stops the run after `abort_after` consecutive breached
// windows: a soak test that collapses stops there, instead of running on for an hour.
class WindowWatch final : public ResultsSink {
 public:
  WindowWatch(const Scenario& s, std::atomic<bool>& stop)
      : s_(s), live_(s.thresholds.window.value_or(Nanos(1))), stop_(stop) {}

  void attach(AttackOptions& o) {
    if (s_.abort_after <= 0 || !s_.thresholds.window) return;
    o.sink = this;
  }
  std::string reason() const { return reason_; }

  void header(const AttackInfo&) override {}
  void sample(const Sample&) override {}
  void results(const Result* r, size_t n) override {
    for (size_t i = 0; i < n; ++i) {
      live_.add(r[i]);
      latest_ = std::max(latest_, r[i].sent_ns());
    }
    // A window is judged once results sent two windows later arrive.
    const int64_t width = live_.width().count();
    for (const Window& w : live_.windows()) {
      if (w.start_ns <= judged_ || w.start_ns + 2 * width > latest_) continue;
      judged_ = w.start_ns;
      const std::string why = window_breach(w, s_.thresholds);
      consecutive_ = why.empty() ? 0 : consecutive_ + 1;
      if (consecutive_ >= s_.abort_after && !stop_.load()) {
        reason_ = "aborted after " + std::to_string(consecutive_) + " consecutive breached windows of " +
                  format_duration(Nanos(width)) + " (last: " + why + ")";
        stop_.store(true);
      }
    }
  }

  const Scenario& s_;
  Series live_;
  std::atomic<bool>& stop_;
  int64_t latest_ = 0;
  int64_t judged_ = INT64_MIN;
  int consecutive_ = 0;
  std::string reason_;
};

// Copies `from` (a Ctrl-C flag) into `to` every 20 ms while it lives: the attack polls one flag,
// which the service's watcher and the window checks also set.
class Relay {
 public:
  Relay(const std::atomic<bool>* from, std::atomic<bool>& to) {
    if (!from) return;
    thread_ = std::thread([this, from, &to] {
      while (!done_.load()) {
        if (from->load()) to.store(true);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  }
  ~Relay() {
    done_.store(true);
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// The process's exporter of live figures, when $LOADGATE_PROMETHEUS_ADDR or
// $LOADGATE_PROMETHEUS_PUSH asks for one; it serves every scenario the process runs.
PrometheusExporter* exporter() {
  static std::unique_ptr<PrometheusExporter> e = [] {
    PrometheusOptions o;
    o.listen = env(Env::kPrometheusAddr).value_or("");
    o.push = env(Env::kPrometheusPush).value_or("");
    o.shard = env(Env::kShard).value_or("");
    return make_exporter(o);
  }();
  return e.get();
}

// The process's live dashboard, when $LOADGATE_DASHBOARD asks for one; each scenario the
// process runs takes it over in turn. A bad address is said once and the runs go on without it.
Dashboard* dashboard() {
  static std::unique_ptr<Dashboard> d = []() -> std::unique_ptr<Dashboard> {
    try {
      auto made = make_dashboard(env(Env::kDashboard).value_or(""));
      if (made) std::fprintf(stderr, "loadgate: dashboard: http://127.0.0.1:%u/\n", static_cast<unsigned>(made->port()));
      return made;
    } catch (const InputError& e) {
      std::fprintf(stderr, "loadgate: %s: %s\n", env_name(Env::kDashboard), e.what());
      return nullptr;
    }
  }();
  return d.get();
}

// $LOADGATE_REMEASURE (default 1): whether a failed run whose generator fell behind is run again once.
bool remeasure_allowed() {
  return env(Env::kRemeasure).value_or("1") != "0";
}

// Whether a generator check failed (generator_checks(): the generator fell behind in a run
// that failed, or whose figures leave its delay out).
bool generator_failed(const Verdict& v) {
  return std::any_of(v.checks.begin(), v.checks.end(), [](const Check& c) {
    return !c.pass && (c.name == "generator" || c.name == "generator cpu");
  });
}

// The run of a scenario whose service never became ready: nothing measured, a failed
// "service" check with the probe's last word, and the service's status (its log's end), so that
// every PERF macro fails at its own line and the reports say why.
ScenarioRun not_started(const Scenario& s, const ServiceStartError& e) {
  ScenarioRun r;
  r.scenario = &s;
  r.info.name = s.key();
  r.service = e.status;
  r.verdict.checks.push_back(event_check("service", e.status.failure));
  check_measured(r.metrics, r.metrics.primary(), r.verdict);
  r.abort_reason = e.status.failure;
  std::fprintf(stderr, "loadgate: %s\n", e.what());
  write_scenario_reports(r);
  return r;
}

template <class T>
ScenarioRun run_scenario(T target, const Scenario& s, Service* given, const std::atomic<bool>* interrupt = nullptr) {
  remove_scenario_reports(s);  // a report left from an earlier run never stands beside this one
  std::optional<Sut> started;
  try {
    started.emplace(s, given);
  } catch (const ServiceStartError& e) {
    return not_started(s, e);
  }
  Sut& sut = *started;
  prepare(target, s, sut);
  AttackOptions o = attack_options(s);
  o.monitor = sut.monitored();
  // gRPC's completions run on gRPC's own threads, which no pinning reaches: a pinned worker then
  // waits behind them on its one core (kernel.stress: 1.8 % of hits late pinned, 0.2-0.6 % not,
  // same minutes). The gRPC generator floats; the service stays on its core.
  if (!std::is_same_v<T, GrpcOptions>) o.cpus = sut.generator_cpus();
  std::atomic<bool> stop{false};
  WindowWatch watch(s, stop);
  watch.attach(o);
  o.stop = &stop;
  sut.watch(&stop);
  if (o.name.empty()) o.name = s.key();
  // Said before, not only after: what the load needs of this machine, when it does not fit.
  const Need need = estimate_need(protocol_of(target), peak_of(target, o), sut.here());
  if (!need.fits()) std::fprintf(stderr, "loadgate: %s: %s\n", s.key().c_str(), need.line().c_str());
  const std::string fitted = fit(target, need);
  if (!fitted.empty()) std::fprintf(stderr, "loadgate: %s: fitted: %s\n", s.key().c_str(), fitted.c_str());
  std::unique_ptr<ResultsSink> prom_sink;
  if (PrometheusExporter* e = exporter()) prom_sink = e->attach(o);
  std::unique_ptr<ResultsSink> dash_sink;
  if (Dashboard* d = dashboard()) dash_sink = d->attach(o, &s.thresholds, s.file);
  ScenarioRun judged;
  std::string remeasured;
  for (int attempt = 1;; ++attempt) {
    AttackRun run;
    {
      Relay relay(interrupt, stop);
      run = run_trials(o, [&target](const AttackOptions& trial) { return run_one(target, trial); });
    }
    judged = judge(std::move(run), s);
    if (attempt > 1 || stop.load() || (interrupt && interrupt->load()) || !remeasure_allowed() ||
        judged.verdict.pass() || !generator_failed(judged.verdict))
      break;
    // The run failed and the generator fell behind: the figures carry the generator's own delay
    // (or a noisy machine's), so the failure cannot be laid on the service. Measured again once,
    // as a breakpoint search re-measures a break; a second failure stands, and the report says both.
    remeasured = "re-measured once: the first run's " + generator_warning(judged.metrics);
    std::fprintf(stderr, "loadgate: %s: %s\n", s.key().c_str(), remeasured.c_str());
  }
  std::optional<ServiceStatus> service = sut.finish(judged.info.started_ns);
  judged.abort_reason = service && !service->failure.empty() ? service->failure : watch.reason();
  if (service && !service->failure.empty()) judged.verdict.checks.push_back(event_check("service", service->failure));
  if (interrupt && interrupt->load()) {
    // Cut short by a signal: what was measured is reported, and it is never a pass.
    judged.verdict.checks.push_back(event_check(
        "interrupted", "the run was cut short by a signal: its figures are partial, its verdict cannot be a pass"));
    if (judged.abort_reason.empty()) judged.abort_reason = "interrupted by a signal";
  }
  judged.service = std::move(service);
  judged.fitted = fitted;
  judged.remeasured = remeasured;
  if (PrometheusExporter* e = exporter()) {
    e->verdict(s.key(), judged.verdict);
    if (const std::string why = e->push(); !why.empty()) std::fprintf(stderr, "loadgate: %s\n", why.c_str());
  }
  if (Dashboard* d = dashboard()) d->finish(judged.metrics, report_options(judged));
  write_scenario_reports(judged);
  return judged;
}

template <class T>
Breakpoint run_breakpoint(T target, const Scenario& s, Service* given) {
  if (!s.search) throw InputError(s.file, 0, s.path("search"), "missing: not a breakpoint scenario");
  Sut sut(s, given);
  prepare(target, s, sut);
  std::atomic<bool> died{false};
  sut.watch(&died);
  const int64_t started = unix_now_ns();
  Objective obj;
  obj.p99 = s.thresholds.latency_limit("p99");
  obj.success = s.thresholds.success;
  obj.rate_tolerance = s.search->rate_tolerance;
  SearchOptions search = s.search->options;  // durations as the suite scales them
  const double scale = duration_scale();
  search.step = scale_duration(search.step, scale);
  search.max_time = scale_duration(search.max_time, scale);
  if (search.cooldown.count() > 0) search.cooldown = scale_duration(search.cooldown, scale);
  AttackOptions base = attack_options(s);
  base.monitor = sut.monitored();
  base.cpus = sut.generator_cpus();
  base.stop = &died;  // a dead service ends the step; the search then stops below
  // Sharded ($LOADGATE_SHARD): the steps on a plan from $LOADGATE_START_AT, every shard judging
  // all shards' figures, exchanged in $LOADGATE_EXCHANGE (step_exchange.h), as breakpoint -shard.
  SearchShards shards{base.load.shards > 1 ? env(Env::kExchange).value_or("") : "", Nanos(0), s.file,
                      std::string("$") + env_name(Env::kExchange), std::string("$") + env_name(Env::kStartAt), s.path("load.timeout")};
  const Breakpoint b = search_capacity(
      base, [&](const AttackOptions& o, double rate) { return died.load() ? AttackRun{} : run_at(target, o, rate); },
      obj, search, shards);
  const std::optional<ServiceStatus> service = sut.finish(started);
  const std::string dir = reports_dir();
  make_dirs(dir);
  const BreakpointVerdict verdict{s.key(), search.start, search.max_rate, s.search->min_capacity, service};
  std::ofstream(dir + "/" + s.key() + ".txt") << breakpoint_verdict_text(b, verdict);
  std::ofstream html(dir + "/" + s.key() + ".html");
  write_breakpoint_html(html, b, "loadgate: " + s.key() + " (breakpoint)");
  std::ofstream json(dir + "/" + s.key() + ".json");
  write_breakpoint_json(json, b, verdict);
  if (service && !service->failure.empty()) {
    std::string lines;
    for (const std::string& l : service->last_lines) lines += "\n  | " + l;
    throw RunError(service->failure + " (the search stopped there)\nlast lines of its output (" + service->log + "):" + lines);
  }
  return b;
}

}  // namespace

ScenarioRun attack(std::vector<Target> targets, const Scenario& s, Service* service) {
  return run_scenario(std::move(targets), s, service);
}
ScenarioRun attack(GrpcOptions g, const Scenario& s, Service* service) { return run_scenario(std::move(g), s, service); }
ScenarioRun attack(WsOptions w, const Scenario& s, Service* service) { return run_scenario(std::move(w), s, service); }

ScenarioRun attack(const Scenario& s, Service* service, const std::atomic<bool>* interrupt) {
  if (s.protocol_name == "journey") return run_scenario(load_journey(s.journey), s, service, interrupt);
  if (s.protocol_name == "replay") return run_scenario(ReplayRun{s.replay_log, s.replay, {}}, s, service, interrupt);
  if (s.protocol_name == "grpc") return run_scenario(GrpcOptions{}, s, service, interrupt);
  if (s.protocol_name == "ws") return run_scenario(WsOptions{}, s, service, interrupt);
  if (s.targets.empty())
    throw InputError(s.file, 0, s.path("targets"), "missing: an HTTP scenario needs a targets file (or a top-level \"targets\")");
  return run_scenario(targets_file(s.targets), s, service, interrupt);
}

ScenarioRun attack(Journey j, const Scenario& s, Service* service) { return run_scenario(std::move(j), s, service); }

ScenarioRun replay(const Scenario& s, Service* service) {
  if (s.replay_log.empty()) throw InputError(s.file, 0, s.path("replay"), "missing: the scenario replays no log");
  return run_scenario(ReplayRun{s.replay_log, s.replay, {}}, s, service);
}

Breakpoint breakpoint(std::vector<Target> targets, const Scenario& s, Service* service) {
  return run_breakpoint(std::move(targets), s, service);
}
Breakpoint breakpoint(GrpcOptions g, const Scenario& s, Service* service) { return run_breakpoint(std::move(g), s, service); }
Breakpoint breakpoint(WsOptions w, const Scenario& s, Service* service) { return run_breakpoint(std::move(w), s, service); }

ScenarioRun judge(AttackRun run, const Scenario& s) {
  ScenarioRun out;
  static_cast<AttackRun&>(out) = std::move(run);
  out.scenario = &s;
  out.verdict = evaluate(out.metrics, s.criteria(), out.trials);
  return out;
}

ReportOptions report_options(const ScenarioRun& run) {
  ReportOptions o;
  o.by_target = true;
  o.info = &run.info;
  if (const Scenario* s = run.scenario) {
    o.title = "loadgate: " + s->key() + " (" + s->tier + ")";
    o.scenario = s->key();
    o.tier = s->tier;
  }
  o.verdict = &run.verdict;
  o.aborted = run.abort_reason;
  o.fitted = run.fitted;
  o.remeasured = run.remeasured;
  o.service = run.service ? &*run.service : nullptr;
  o.protocols = run.info.target_protocols;
  return o;
}

void remove_scenario_reports(const Scenario& s) {
  const std::string base = reports_dir() + "/" + s.key();
  for (const char* ext : {".json", ".gbench.json", ".html", ".txt"}) std::remove((base + ext).c_str());
}

std::string write_scenario_reports(const ScenarioRun& run) {
  const Scenario& s = *run.scenario;
  const std::string dir = reports_dir();
  make_dirs(dir);
  const std::string base = dir + "/" + s.key();
  const ReportOptions o = report_options(run);
  std::ofstream json(base + ".json");
  write_json_report(json, run.metrics, o);
  std::ofstream gbench(base + ".gbench.json");
  write_gbench_report(gbench, run.metrics, o);
  std::ofstream html(base + ".html");
  write_html_report(html, run.metrics, o);
  std::ofstream text(base + ".txt");
  write_text_report(text, run.metrics, o);

  const Summary summary = run.metrics.summarize(kind_for(run.metrics, s.thresholds.kind));
  if (const auto h = env(Env::kHistory); h && summary.requests > 0)  // a run that measured nothing has no figures
    append_history(*h, s.key(), summary, run.verdict, run.trials);
  // A reference is the last *accepted* run: a failing run is not recorded. It keeps each trial's
  // figures, or the run's intervals, so that the next runs are judged with statistics.
  if (env_true(Env::kRecordBaselines) && summary.requests > 0 && run.verdict.pass()) {
    std::vector<std::map<std::string, double>> trials;
    for (const Summary& t : run.trials) trials.push_back(reference_figures(t));
    std::map<std::string, std::pair<double, double>> intervals;
    const std::map<std::string, double> figures = reference_figures(summary);
    if (trials.empty())
      for (const auto& [figure, iv] : summary.intervals)
        if (iv.known && figures.count(figure)) intervals[figure] = {iv.low, iv.high};
    record_reference(s.file, s.name, figures, trials, intervals);
  }
  return base + ".json";
}

}  // namespace loadgate
