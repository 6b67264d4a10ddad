// baseline.h (suite layer): scenarios and their thresholds, from JSON files in baselines/.
//
// One file per service, one entry per scenario (see baselines/baseline.schema.json):
//   {"service": "api", "targets": "targets/api.txt",
//    "scenarios": {"heavy": {"tier": "heavy",
//                            "load": {"rate": "100/1s", "duration": "60s"},
//                            "thresholds": {"p99": "500ms", "success": 0.99}}}}
// Durations carry their unit ("500ms"); ratios are 0..1; throughputs are per second.
// Loading validates everything and throws InputError naming the file and the key path.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "loadgate/breakpoint.h"
#include "loadgate/calibration.h"
#include "loadgate/duration.h"
#include "loadgate/load.h"
#include "loadgate/process.h"
#include "loadgate/replay.h"
#include "loadgate/thresholds.h"

namespace loadgate {

/// Tiers a scenario may belong to (CTest labels).
inline const std::vector<std::string> kTiers = {"light", "medium", "heavy", "stress", "soak", "breakpoint"};

/// ProtocolLoad is the part of a scenario's "load" that only gRPC or WebSocket reads; 0 and ""
/// leave the driver's defaults.
struct ProtocolLoad {
  std::string call;          ///< gRPC method "pkg.Service/Method"
  std::string data;          ///< gRPC request JSON
  int connections = 0;       ///< gRPC channels / WebSocket connections
  double connect_rate = 0;   ///< WebSocket connections opened per second
  double rate_per_conn = 0;  ///< WebSocket messages per second per connection
  int message_size = 0;      ///< WebSocket message size in bytes
  std::string proto;         ///< gRPC .proto file ("" = the embedded services' protos)
  std::string path;          ///< WebSocket URL path ("" = "/")
};

/// Search is a scenario's capacity search (tier "breakpoint"): rates from `start` up, by
/// `growth`, each held for `step`; the scenario's thresholds p99 and success are the objective.
struct Search {
  SearchOptions options;         ///< how to search: start, max_rate, growth, step, max_time, precision, cooldown
  double rate_tolerance = 0.05;  ///< throughput at least rate x (1 - this)
  double min_capacity = 0;       ///< the capacity a test expects at least (capacity_holds())
};

/// Scenario is one entry of a baseline file.
struct Scenario {
  std::string file;     ///< baseline file it came from
  std::string service;  ///< the file's service ("api")
  std::string name;     ///< scenario name in the file ("heavy")
  std::string tier;     ///< one of kTiers
  std::string description;
  std::string targets;    ///< targets file (scenario's, else the file's); may be empty
  std::string journey;    ///< journey file (journey.h): the scenario runs it instead of targets
  /// Log to replay (replay.h; "replay": {"log": ..., "speed": ...}): the scenario sends its
  /// requests at their recorded times instead of targets at a rate; "" = none.
  std::string replay_log;
  ReplayOptions replay;   ///< how to read and scale it (its origin is the service's)
  LoadSpec load;          ///< the load as written (validated); see scenario_load()
  ProtocolLoad protocol;  ///< gRPC / WebSocket settings of the load
  Thresholds thresholds;
  std::optional<Reference> reference;
  std::optional<Search> search;  ///< capacity search, for tier "breakpoint"
  /// Windowed soak checks: stop the run after this many consecutive breached windows (0 = never).
  int abort_after = 0;
  std::map<std::string, double> tolerance;  ///< figure -> allowed relative regression (0.2 = 20 %)
  /// "http", "grpc" or "ws": the scenario's "protocol", else the file's, else "grpc" when the
  /// load names a call, "ws" when it sets rate_per_conn, connect_rate or message_size, else "http".
  std::string protocol_name = "http";
  /// How to start the service: the scenario's own "process" (wins over everything) ...
  std::optional<ProcessSpec> process;
  /// ... and the file's top-level "process" (which loadgate_add_perf_test(SERVICE) overrides).
  std::optional<ProcessSpec> file_process;
  /// "service.name", e.g. "api.heavy".
  std::string key() const { return service + "." + name; }
  /// Key path of a field in its file, e.g. "scenarios.heavy.thresholds.p99".
  std::string path(const std::string& field) const { return "scenarios." + name + "." + field; }
  /// What a run of it is judged against (gate.h: evaluate()).
  Criteria criteria() const { return {thresholds, reference, tolerance, file, "scenarios." + name}; }
};

/// BaselineFile is a parsed baseline file.
struct BaselineFile {
  std::string path;
  std::string service;
  std::string description;
  std::optional<ProcessSpec> process;  ///< top-level "process"
  std::map<std::string, Scenario> scenarios;
  /// Finds "heavy" or "api.heavy". Throws InputError (naming the file and the known
  /// scenarios) when absent.
  const Scenario& find(const std::string& name) const;
};

/// Reads and validates a baseline file. Throws InputError naming the file and key path on an
/// unknown key, a wrong type, a bad duration, a negative rate, a ratio outside 0..1, a bad tier.
BaselineFile load_baseline(const std::string& path);
/// Validates JSON text as a baseline file; `path` names it in errors.
BaselineFile parse_baseline(const std::string& text, const std::string& path);

/// The load of `s` parsed (parse_load()), durations multiplied by `duration_scale`. Throws
/// InputError naming the file and key path.
Load scenario_load(const Scenario& s, double duration_scale = 1.0);

/// Reads a process declaration (the JSON object of a baseline's "process" key) from its own
/// file, as loadgate_add_perf_test(... SERVICE ...) writes it. Throws InputError naming the file
/// and field.
ProcessSpec load_process_file(const std::string& path);

/// Loads the scenario behind "service.name" from `dir`/service.json (dir defaults to
/// $LOADGATE_BASELINES_DIR, else "baselines"). Files are cached per process.
const Scenario& find_scenario(const std::string& key, const std::string& dir = "");

/// Records `figures` as the reference of `scenario` in its file, keeping every other byte of
/// meaning (thresholds are never touched). Throws InputError if the file cannot be rewritten.
/// With `trials` (each trial's figures) or `intervals` (of a one-run reference, by figure),
/// those too, so that later runs are judged against the reference with statistics.
void record_reference(const std::string& path, const std::string& scenario,
                      const std::map<std::string, double>& figures,
                      const std::vector<std::map<std::string, double>>& trials = {},
                      const std::map<std::string, std::pair<double, double>>& intervals = {});

/// Writes a calibration (calibration.h) into scenario `scenario` of the baseline file at `path`:
/// load.trials, a tolerance per figure, and a "calibration" object with the numbers behind them
/// (each figure's median and spread, the A/A trials, the false-alarm rate, the trials' duration).
/// The reference is recorded from the A/A trials (record_reference). Thresholds and the rest of
/// the file are kept. Throws InputError as record_reference does.
void record_calibration(const std::string& path, const std::string& scenario, const Calibration& c,
                        const std::map<std::string, double>& figures,
                        const std::vector<std::map<std::string, double>>& trials, const std::string& duration);

}  // namespace loadgate
