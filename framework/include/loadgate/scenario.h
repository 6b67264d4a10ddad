// scenario.h (suite layer): run a baseline scenario the way a perf test does, gtest-free.
//
//   loadgate::ScenarioRun run = loadgate::attack(loadgate::targets_file("targets/api.txt"),
//                                                loadgate::scenario("api.heavy"));
//   run.verdict.pass();
//
// attack() takes the load from the scenario (durations scaled by LOADGATE_DURATION_SCALE),
// sends it to the service (the one given, else LOADGATE_<SERVICE>_URL, else a process started
// from its declaration: see declared_process()), judges the run once against the scenario, then
// writes reports/<key>.{json,txt,html} with the verdict, appends to $LOADGATE_HISTORY when set,
// and re-records the scenario's reference when LOADGATE_RECORD_BASELINES=1.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "loadgate/attack.h"
#include "loadgate/baseline.h"
#include "loadgate/breakpoint.h"
#include "loadgate/gate.h"
#include "loadgate/grpc.h"
#include "loadgate/journey.h"
#include "loadgate/report.h"
#include "loadgate/service.h"
#include "loadgate/targets.h"
#include "loadgate/ws.h"

namespace loadgate {

/// ScenarioRun is an attack run of a scenario, with its one verdict.
struct ScenarioRun : AttackRun {
  const Scenario* scenario = nullptr;  ///< the scenario it ran (lives as long as the process)
  Verdict verdict;                     ///< every threshold and reference check of the scenario
  std::optional<ServiceStatus> service;  ///< the service process it loaded, when it had one
  /// How its load was fitted to this machine ($LOADGATE_FIT), when it was; "" = as written.
  std::string fitted;
  /// Why it was measured again, when it was ($LOADGATE_REMEASURE); "" = measured once.
  std::string remeasured;
};

/// What the reports of a scenario's run say besides its figures: the scenario, its tier and
/// verdict, the results header, the service, how the load was fitted or re-measured, and a
/// section per target. The one place a ScenarioRun becomes report options (the suite's reports
/// and `loadgate run`'s text).
ReportOptions report_options(const ScenarioRun& run);

/// The scenario "service.name" from the baselines directory (see find_scenario()).
const Scenario& scenario(const std::string& key);

/// Targets from a file, in Vegeta's http format (or json for *.json files).
std::vector<Target> targets_file(const std::string& path);

/// LOADGATE_DURATION_SCALE (default 1): every scenario duration is multiplied by it, with a
/// floor of one second. Throws InputError when it is not a positive number.
double duration_scale();

/// The load of `s` as AttackOptions, durations scaled by duration_scale().
AttackOptions attack_options(const Scenario& s);

/// A deployed service to load instead of starting one: $LOADGATE_<SERVICE>_URL (also
/// $LOADGATE_GRPC_ADDR for kernel and ai, $LOADGATE_WS_URL for websocket); nullopt when unset.
std::optional<std::string> service_url_from_env(const std::string& service);

/// The built-in declaration of an embedded service (api, kernel, ai, websocket): `loadgate serve
/// <name> -addr {addr}` with the probe that fits it; nullopt for any other name.
std::optional<ProcessSpec> builtin_process(const std::string& service);

/// How a run of `s` starts its service, the most specific declaration first: the scenario's
/// "process", else the file named by $LOADGATE_<SERVICE>_PROCESS_FILE (written by
/// loadgate_add_perf_test(... SERVICE ...)), else the baseline file's "process", else
/// builtin_process(). nullopt: the targets are loaded as written.
std::optional<ProcessSpec> declared_process(const Scenario& s);

/// Runs `s` over `targets` (HTTP) and judges it, then writes its reports. The service loaded:
/// `service` when given (targets rebased onto its address, its process monitored and watched);
/// else service_url_from_env(); else declared_process(), started for this run (output in
/// reports/<key>.service.log) and stopped after it; else the targets as written. A service
/// that ends during the run stops it and fails its verdict ("service"). Throws InputError on
/// bad input, RunError when a declared service does not start (never for a failing service).
ScenarioRun attack(std::vector<Target> targets, const Scenario& s, Service* service = nullptr);

/// Runs `s` as a gRPC load: the scenario's load.call, load.data, load.proto and
/// load.connections override `g`'s when set; g.addr becomes the service's address (as above).
ScenarioRun attack(GrpcOptions g, const Scenario& s, Service* service = nullptr);

/// Runs `s` as a WebSocket load: load.connections, connect_rate, rate_per_conn, message_size and
/// path override `w`'s when set; the URL's scheme, host and port become the service's (as
/// above).
ScenarioRun attack(WsOptions w, const Scenario& s, Service* service = nullptr);

/// Runs `s` as journeys of `j` (journey.h): every step's URL onto the service (as above), the
/// scenario's load in journeys per second (or looping users with rate 0). Per-step gates are
/// per-target thresholds by step name; "kinds": {"journey": {...}} gates whole journeys.
ScenarioRun attack(Journey j, const Scenario& s, Service* service = nullptr);

/// Runs replay scenario `s`: its log's requests at their recorded times (scaled by its "speed" or
/// "rate"), sent to the service (as above) instead of the logged host.
ScenarioRun replay(const Scenario& s, Service* service = nullptr);

/// Runs `s` the way its protocol says (Scenario::protocol_name): HTTP over its targets file, gRPC
/// or WebSocket with the options of its load, a journey, or a log replayed. What `loadgate run` does; `interrupt` (a Ctrl-C
/// flag) ends the run early, keeping what was measured.
ScenarioRun attack(const Scenario& s, Service* service = nullptr, const std::atomic<bool>* interrupt = nullptr);

/// Runs the capacity search of breakpoint scenario `s` (its "search" block; its thresholds p99
/// and success are the objective) against HTTP targets, gRPC calls or WebSocket messages (the
/// rate is then messages per second over all connections), against the service as attack()
/// finds it. Writes reports/<key>.{txt,html,json}. Throws InputError when `s` has no search
/// block, RunError when the service ends during the search.
Breakpoint breakpoint(std::vector<Target> targets, const Scenario& s, Service* service = nullptr);
Breakpoint breakpoint(GrpcOptions g, const Scenario& s, Service* service = nullptr);
Breakpoint breakpoint(WsOptions w, const Scenario& s, Service* service = nullptr);

/// Where reports go: $LOADGATE_REPORTS_DIR, else $LOADGATE_DEFAULT_REPORTS_DIR (set by
/// loadgate_add_perf_test() for its tests), else "reports".
std::string reports_dir();

/// Judges `run` against `s` (once) and returns it as a ScenarioRun.
ScenarioRun judge(AttackRun run, const Scenario& s);

/// Writes reports/<key>.json, .txt and .html for a judged run; returns the path of the JSON
/// report. Also appends to $LOADGATE_HISTORY and records the reference when
/// LOADGATE_RECORD_BASELINES=1 and the run passed.
std::string write_scenario_reports(const ScenarioRun& run);

/// Removes the reports write_scenario_reports() writes for `s` (before a new run of it).
void remove_scenario_reports(const Scenario& s);

}  // namespace loadgate
