// scenario_runner.cc: scenario -> attack -> reports, for perf tests.
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
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
  const double scale = duration_scale();
  // Scaled, with a floor of one second (or the scenario's own duration when shorter).
  const Nanos d = s.load.duration;
  const Nanos scaled(static_cast<int64_t>(static_cast<double>(d.count()) * scale));
  o.duration = std::max(scaled, std::min(d, Nanos(std::chrono::seconds(1))));
  Nanos step{0};
  if (!s.load.step.empty()) step = Nanos(static_cast<int64_t>(static_cast<double>(parse_duration(s.load.step)->count()) * scale));
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

AttackRun attack(std::vector<Target> targets, const Scenario& s) {
  AttackOptions o = attack_options(s);
  if (auto url = service_url(s.service)) rebase_targets(targets, *url);
  o.monitor = monitored(s.service);
  AttackRun run = attack_http(targets, HttpOptions{}, o);
  write_scenario_reports(run, s);
  return run;
}

AttackRun attack(GrpcOptions g, const Scenario& s) {
  AttackOptions o = attack_options(s);
  if (auto url = service_url(s.service)) g.addr = *url;
  if (!s.load.call.empty()) g.call = s.load.call;
  if (!s.load.data.empty()) g.data = {s.load.data};
  if (s.load.connections > 0) g.connections = s.load.connections;
  o.monitor = monitored(s.service);
  AttackRun run = attack_grpc(g, o);
  write_scenario_reports(run, s);
  return run;
}

AttackRun attack(WsOptions w, const Scenario& s) {
  AttackOptions o = attack_options(s);
  if (auto base = service_url(s.service)) {
    auto u = parse_url(w.url);
    w.url = *base + (u ? u->target : std::string("/echo"));
  }
  if (s.load.connections > 0) w.connections = s.load.connections;
  if (s.load.connect_rate > 0) w.connect_rate = s.load.connect_rate;
  if (s.load.rate_per_conn > 0) w.rate_per_conn = s.load.rate_per_conn;
  if (s.load.message_size > 0) w.message_size = s.load.message_size;
  o.monitor = monitored(s.service);
  AttackRun run = attack_ws(w, o);
  write_scenario_reports(run, s);
  return run;
}

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
    checks.push_back({{"name", c.name}, {"pass", c.pass}, {"measured", c.measured_text()},
                      {"limit", c.limit_text()}, {"source", c.source}});
  j["verdict"] = {{"pass", v.pass()}, {"failures", v.failures()}, {"checks", checks}};
  std::ofstream(base + ".json") << j.dump(2) << "\n";

  std::ofstream html(base + ".html");
  write_html_report(html, run.metrics, HtmlOptions{"loadgate: " + s.key() + " (" + s.tier + ")", &v});

  std::ofstream text(base + ".txt");
  text << "Scenario " << s.key() << " (" << s.tier << ", rate " << run.info.rate << ", duration "
       << format_duration(Nanos(run.info.duration_ns)) << ")\n\n";
  write_text_report(text, run.metrics, ReportOptions{true});
  text << "\nVerdict: " << (v.pass() ? "PASS" : "FAIL") << "\n" << v.table();

  const Summary summary = run.metrics.group(kind_for(run.metrics, s.thresholds.kind))
                              ? summarize(run.metrics.group(kind_for(run.metrics, s.thresholds.kind))->total,
                                          kind_for(run.metrics, s.thresholds.kind))
                              : Summary{};
  if (const char* h = std::getenv("LOADGATE_HISTORY"); h && *h) append_history(h, s.key(), summary, v);
  if (env_true("LOADGATE_RECORD_BASELINES") && summary.requests > 0)
    record_reference(s.file, s.name, reference_figures(summary));
  return base + ".json";
}

}  // namespace loadgate
