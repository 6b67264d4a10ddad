// scenario_runner.cc: scenario -> attack -> reports, for perf tests.
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "loadgate/error.h"
#include "loadgate/http.h"
#include "loadgate/report.h"
#include "loadgate/scenario.h"
#include "loadgate/url.h"

namespace loadgate {
namespace {

bool env_true(const char* name) {
  const char* v = std::getenv(name);
  return v && (std::string(v) == "1" || std::string(v) == "true" || std::string(v) == "yes");
}

void make_dirs(const std::string& path) {
  std::string partial;
  std::istringstream in(path);
  std::string part;
  if (!path.empty() && path[0] == '/') partial = "/";
  while (std::getline(in, part, '/')) {
    if (part.empty()) continue;
    partial += part + "/";
    mkdir(partial.c_str(), 0755);
  }
}

// `d` times LOADGATE_DURATION_SCALE, with a floor of one second (or `d` itself when shorter).
Nanos scaled(Nanos d) {
  const double scale = duration_scale();
  return std::max(Nanos(static_cast<int64_t>(static_cast<double>(d.count()) * scale)),
                  std::min(d, Nanos(std::chrono::seconds(1))));
}

}  // namespace

const Scenario& scenario(const std::string& key) { return find_scenario(key); }

std::vector<Target> targets_file(const std::string& path) {
  const bool json = path.size() > 5 && path.substr(path.size() - 5) == ".json";
  return load_targets(path, json ? TargetsFormat::kJson : TargetsFormat::kHttp);
}

double duration_scale() {
  const char* v = std::getenv("LOADGATE_DURATION_SCALE");
  if (!v || !*v) return 1.0;
  char* end = nullptr;
  const double scale = std::strtod(v, &end);
  if (*end != '\0' || !(scale > 0) || !std::isfinite(scale))
    throw InputError("", 0, "LOADGATE_DURATION_SCALE", "\"" + std::string(v) + "\" is not a positive number");
  return scale;
}

AttackOptions attack_options(const Scenario& s) {
  AttackOptions o;
  o.name = s.key();
  o.duration = scaled(s.load.duration);
  Nanos step{0};  // steps scale without a floor: they divide the duration
  if (!s.load.step.empty())
    step = Nanos(static_cast<int64_t>(static_cast<double>(parse_duration(s.load.step)->count()) * duration_scale()));
  auto rate = parse_rate(s.load.rate, o.duration, step);
  if (auto* err = std::get_if<std::string>(&rate)) throw InputError(s.file, 0, s.path("load.rate"), *err);
  o.rate = std::get<RateSpec>(rate);
  o.workers = s.load.workers > 0 ? s.load.workers : kDefaultWorkers;
  if (s.load.max_workers > 0) o.max_workers = s.load.max_workers;
  o.max_requests = s.load.requests;
  o.timeout = s.load.timeout;
  if (env_true("LOADGATE_PROGRESS") || isatty(STDERR_FILENO)) o.progress = stderr;
  return o;
}

std::string reports_dir() {
  const char* v = std::getenv("LOADGATE_REPORTS_DIR");
  return v && *v ? v : "reports";
}

namespace {

// Each protocol's target, adjusted to the scenario and pointed at its service.
void prepare(std::vector<Target>& targets, const Scenario& s) {
  if (auto url = service_url(s.service)) rebase_targets(targets, *url);
}

void prepare(GrpcOptions& g, const Scenario& s) {
  if (auto url = service_url(s.service)) g.addr = *url;
  if (!s.load.call.empty()) g.call = s.load.call;
  if (!s.load.data.empty()) g.data = {s.load.data};
  if (s.load.connections > 0) g.connections = s.load.connections;
}

void prepare(WsOptions& w, const Scenario& s) {
  if (auto base = service_url(s.service)) {
    auto u = parse_url(w.url);
    w.url = *base + (u ? u->target : std::string("/echo"));
  }
  if (s.load.connections > 0) w.connections = s.load.connections;
  if (s.load.connect_rate > 0) w.connect_rate = s.load.connect_rate;
  if (s.load.rate_per_conn > 0) w.rate_per_conn = s.load.rate_per_conn;
  if (s.load.message_size > 0) w.message_size = s.load.message_size;
}

AttackRun run_one(const std::vector<Target>& t, const AttackOptions& o) { return attack_http(t, HttpOptions{}, o); }
AttackRun run_one(const GrpcOptions& g, const AttackOptions& o) { return attack_grpc(g, o); }
AttackRun run_one(const WsOptions& w, const AttackOptions& o) { return attack_ws(w, o); }

// One breakpoint step at `rate` per second: for WebSocket, messages over all connections.
template <class T>
AttackRun run_at(const T& target, AttackOptions o, double rate) {
  o.rate.pacer = constant_pacer(rate);
  return run_one(target, o);
}
AttackRun run_at(WsOptions w, const AttackOptions& o, double rate) {
  w.rate_per_conn = rate / std::max(1, w.connections);
  w.message_pacer.reset();
  // Open every connection within the first few percent of the step: the rate is measured
  // over the whole step, and a slow ramp would read as the generator falling behind.
  w.connect_rate = std::max(w.connect_rate, 50.0 * w.connections);
  w.connect_pacer.reset();
  return run_one(w, o);
}

// Watches windows as results arrive and stops the run after `abort_after` consecutive breached
// windows: a soak test that collapses stops there, instead of running on for an hour.
class WindowWatch {
 public:
  explicit WindowWatch(const Scenario& s) : s_(s), live_(s.thresholds.window.value_or(Nanos(1))) {}

  void attach(AttackOptions& o) {
    if (s_.abort_after <= 0 || !s_.thresholds.window) return;
    o.stop = &stop_;
    o.sink = [this](const Result* r, size_t n) { add(r, n); };
  }
  std::string reason() const { return reason_; }

 private:
  void add(const Result* r, size_t n) {
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
  std::atomic<bool> stop_{false};
  int64_t latest_ = 0;
  int64_t judged_ = INT64_MIN;
  int consecutive_ = 0;
  std::string reason_;
};

template <class T>
AttackRun run_scenario(T target, const Scenario& s) {
  prepare(target, s);
  AttackOptions o = attack_options(s);
  o.monitor = monitored(s.service);
  WindowWatch watch(s);
  watch.attach(o);
  AttackRun run = run_one(target, o);
  run.abort_reason = watch.reason();
  write_scenario_reports(run, s);
  return run;
}

template <class T>
Breakpoint run_breakpoint(T target, const Scenario& s) {
  if (!s.search) throw InputError(s.file, 0, s.path("search"), "missing: not a breakpoint scenario");
  prepare(target, s);
  Objective obj;
  obj.p99 = s.thresholds.p99;
  obj.success = s.thresholds.success;
  obj.rate_tolerance = s.search->rate_tolerance;
  SearchOptions search;
  search.start = s.search->start;
  search.max_rate = s.search->max_rate;
  search.growth = s.search->growth;
  search.step = scaled(s.search->step);
  search.max_time = scaled(s.search->max_time);
  search.precision = s.search->precision;
  search.cooldown = s.search->cooldown.count() > 0 ? scaled(s.search->cooldown) : Nanos(0);
  AttackOptions base = attack_options(s);
  base.monitor = monitored(s.service);
  base.max_requests = 0;
  const Breakpoint b = find_breakpoint(
      [&](double rate, Nanos d) {
        AttackOptions o = base;
        o.duration = d;
        return run_at(target, o, rate).metrics;
      },
      obj, search);
  const std::string dir = reports_dir();
  make_dirs(dir);
  const bool pass = b.capacity >= s.search->min_capacity && b.capacity > 0;
  char verdict[160];
  std::snprintf(verdict, sizeof verdict, "Verdict: %s (capacity %.1f/s; at least %.1f/s expected)\n",
                pass ? "PASS" : "FAIL", b.capacity, s.search->min_capacity);
  std::ofstream(dir + "/" + s.key() + ".txt")
      << "Scenario " << s.key() << " (breakpoint search, " << s.search->start << ".." << s.search->max_rate << "/s)\n\n"
      << breakpoint_text(b) << "\n"
      << verdict;
  std::ofstream html(dir + "/" + s.key() + ".html");
  write_breakpoint_html(html, b, "loadgate: " + s.key() + " (breakpoint)");
  nlohmann::ordered_json j;
  j["scenario"] = s.key();
  j["pass"] = pass;
  j["min_capacity"] = s.search->min_capacity;
  j["capacity"] = b.capacity;
  j["broke_at"] = b.broke_at;
  j["why"] = b.why;
  j["reached_max"] = b.reached_max;
  j["timed_out"] = b.timed_out;
  for (const BreakpointStep& st : b.steps)
    j["steps"].push_back({{"rate", st.rate},
                          {"throughput", st.throughput},
                          {"p99", st.p99_ns},
                          {"success", st.success},
                          {"held", st.held},
                          {"why", st.why}});
  std::ofstream(dir + "/" + s.key() + ".json") << j.dump(2) << "\n";
  return b;
}

}  // namespace

AttackRun attack(std::vector<Target> targets, const Scenario& s) { return run_scenario(std::move(targets), s); }
AttackRun attack(GrpcOptions g, const Scenario& s) { return run_scenario(std::move(g), s); }
AttackRun attack(WsOptions w, const Scenario& s) { return run_scenario(std::move(w), s); }
Breakpoint breakpoint(std::vector<Target> targets, const Scenario& s) { return run_breakpoint(std::move(targets), s); }
Breakpoint breakpoint(GrpcOptions g, const Scenario& s) { return run_breakpoint(std::move(g), s); }
Breakpoint breakpoint(WsOptions w, const Scenario& s) { return run_breakpoint(std::move(w), s); }

std::string write_scenario_reports(const AttackRun& run, const Scenario& s) {
  const Verdict v = evaluate(run.metrics, s);
  const std::string dir = reports_dir();
  make_dirs(dir);
  const std::string base = dir + "/" + s.key();

  std::ostringstream json_text;
  write_json_report(json_text, run.metrics, ReportOptions{true});
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(json_text.str());
  j["scenario"] = s.key();
  j["tier"] = s.tier;
  j["load"] = {{"rate", run.info.rate}, {"duration", format_duration(Nanos(run.info.duration_ns))}};
  nlohmann::ordered_json checks = nlohmann::ordered_json::array();
  for (const Check& c : v.checks)
    checks.push_back({{"name", c.name},
                      {"pass", c.pass},
                      {"measured", c.measured_text()},
                      {"limit", c.limit_text()},
                      {"source", c.source}});
  j["verdict"] = {{"pass", v.pass()}, {"failures", v.failures()}, {"checks", checks}};
  if (!run.abort_reason.empty()) j["aborted"] = run.abort_reason;
  std::ofstream(base + ".json") << j.dump(2) << "\n";

  std::ofstream html(base + ".html");
  write_html_report(html, run.metrics, HtmlOptions{"loadgate: " + s.key() + " (" + s.tier + ")", &v});

  std::ofstream text(base + ".txt");
  text << "Scenario " << s.key() << " (" << s.tier << ", rate " << run.info.rate << ", duration "
       << format_duration(Nanos(run.info.duration_ns)) << ")\n\n";
  write_text_report(text, run.metrics, ReportOptions{true});
  if (!run.abort_reason.empty()) text << "\n" << run.abort_reason << "\n";
  text << "\nVerdict: " << (v.pass() ? "PASS" : "FAIL") << "\n" << v.table();

  const Summary summary = run.metrics.summarize(kind_for(run.metrics, s.thresholds.kind));
  if (const char* h = std::getenv("LOADGATE_HISTORY"); h && *h) append_history(h, s.key(), summary, v);
  // A reference is the last *accepted* run: a failing run is not recorded.
  if (env_true("LOADGATE_RECORD_BASELINES") && summary.requests > 0 && v.pass())
    record_reference(s.file, s.name, reference_figures(summary));
  return base + ".json";
}

}  // namespace loadgate
