// scenario.h: run a baseline scenario the way a perf test does, gtest-free.
//
//   loadgate::ScenarioRun run = loadgate::attack(loadgate::targets_file("targets/api.txt"),
//                                                loadgate::scenario("api.heavy"));
//   run.verdict.pass();
//
// attack() takes the load from the scenario (durations scaled by LOADGATE_DURATION_SCALE),
// sends it to the service's URL (LOADGATE_<SERVICE>_URL, else the embedded service of that
// name, started on loopback), judges the run once against the scenario, then writes
// reports/<key>.{json,txt,html} with the verdict, appends to $LOADGATE_HISTORY when set, and
// re-records the scenario's reference when LOADGATE_RECORD_BASELINES=1.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "loadgate/attack.h"
#include "loadgate/baseline.h"
#include "loadgate/breakpoint.h"
#include "loadgate/gate.h"
#include "loadgate/grpc.h"
#include "loadgate/targets.h"
#include "loadgate/ws.h"

namespace loadgate {

/// ScenarioRun is an attack run of a scenario, with its one verdict.
struct ScenarioRun : AttackRun {
  const Scenario* scenario = nullptr;  ///< the scenario it ran (lives as long as the process)
  Verdict verdict;                     ///< every threshold and reference check of the scenario
};

/// The scenario "service.name" from the baselines directory (see find_scenario()).
const Scenario& scenario(const std::string& key);

/// Targets from a file, in Vegeta's http format (or json for *.json files).
std::vector<Target> targets_file(const std::string& path);

/// LOADGATE_DURATION_SCALE (default 1): every scenario duration is multiplied by it, with a
/// floor of one second. Throws InputError when it is not a positive number.
double duration_scale();

/// The load of `s` as AttackOptions, durations scaled by duration_scale().
AttackOptions attack_options(const Scenario& s);

/// URL of `service`: $LOADGATE_<SERVICE>_URL when set; else, for an embedded service
/// (api, kernel, ai, websocket), the URL of an instance started once per process on loopback
/// and stopped by PID at exit; else nullopt. Throws RunError if the embedded service
/// cannot start.
std::optional<std::string> service_url(const std::string& service);

/// PID of the embedded service started for `service` by service_url(), or 0.
int embedded_pid(const std::string& service);

/// The processes a scenario run samples besides itself: the embedded service of `service`
/// (role "sut") and $LOADGATE_MONITOR_PID when set (role "sut", or "monitored" beside an
/// embedded one).
std::vector<MonitoredProcess> monitored(const std::string& service);

/// Runs `s` over `targets` (HTTP), rebased onto service_url(s.service) when there is one,
/// judges it and writes its reports. Throws InputError on bad input (never for a failing service).
ScenarioRun attack(std::vector<Target> targets, const Scenario& s);

/// Runs `s` as a gRPC load: the scenario's load.call, load.data and load.connections override
/// `g`'s when set, and g.addr becomes service_url(s.service) when there is one. Writes reports.
ScenarioRun attack(GrpcOptions g, const Scenario& s);

/// Runs `s` as a WebSocket load: load.connections, connect_rate, rate_per_conn and
/// message_size override `w`'s when set; the URL's scheme, host and port become
/// service_url(s.service)'s when there is one (the path stays). Writes reports.
ScenarioRun attack(WsOptions w, const Scenario& s);

/// Runs the capacity search of breakpoint scenario `s` (its "search" block; its thresholds p99
/// and success are the objective) against HTTP targets, gRPC calls or WebSocket messages (the
/// rate is then messages per second over all connections). Writes reports/<key>.{txt,html}.
/// Throws InputError when `s` has no search block.
Breakpoint breakpoint(std::vector<Target> targets, const Scenario& s);
Breakpoint breakpoint(GrpcOptions g, const Scenario& s);
Breakpoint breakpoint(WsOptions w, const Scenario& s);

/// Where reports go: $LOADGATE_REPORTS_DIR, else $LOADGATE_DEFAULT_REPORTS_DIR (set by
/// loadgate_add_perf_test() for its tests), else "reports".
std::string reports_dir();

/// Judges `run` against `s` (once) and returns it as a ScenarioRun.
ScenarioRun judge(AttackRun run, const Scenario& s);

/// Writes reports/<key>.json, .txt and .html for a judged run; returns the path of the JSON
/// report. Also appends to $LOADGATE_HISTORY and records the reference when
/// LOADGATE_RECORD_BASELINES=1 and the run passed.
std::string write_scenario_reports(const ScenarioRun& run);

}  // namespace loadgate
