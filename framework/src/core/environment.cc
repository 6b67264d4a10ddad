// environment.cc: the names of the LOADGATE_* variables, and reading them.
#include "loadgate/environment.h"

#include <cstdlib>

namespace loadgate {

const char* env_name(Env e) {
  switch (e) {
    case Env::kBaselinesDir: return "LOADGATE_BASELINES_DIR";
    case Env::kCli: return "LOADGATE_CLI";
    case Env::kCommit: return "LOADGATE_COMMIT";
    case Env::kCostFile: return "LOADGATE_COST_FILE";
    case Env::kDashboard: return "LOADGATE_DASHBOARD";
    case Env::kDefaultReportsDir: return "LOADGATE_DEFAULT_REPORTS_DIR";
    case Env::kDurationScale: return "LOADGATE_DURATION_SCALE";
    case Env::kExchange: return "LOADGATE_EXCHANGE";
    case Env::kFit: return "LOADGATE_FIT";
    case Env::kHistory: return "LOADGATE_HISTORY";
    case Env::kMonitorPid: return "LOADGATE_MONITOR_PID";
    case Env::kProgress: return "LOADGATE_PROGRESS";
    case Env::kPin: return "LOADGATE_PIN";
    case Env::kPrometheusAddr: return "LOADGATE_PROMETHEUS_ADDR";
    case Env::kPrometheusPush: return "LOADGATE_PROMETHEUS_PUSH";
    case Env::kRecordBaselines: return "LOADGATE_RECORD_BASELINES";
    case Env::kRemeasure: return "LOADGATE_REMEASURE";
    case Env::kReportsDir: return "LOADGATE_REPORTS_DIR";
    case Env::kRunId: return "LOADGATE_RUN_ID";
    case Env::kShard: return "LOADGATE_SHARD";
    case Env::kStartAt: return "LOADGATE_START_AT";
    case Env::kCount: break;
  }
  return "";
}

std::optional<std::string> env(Env e) {
  const char* v = std::getenv(env_name(e));
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

bool env_true(Env e) {
  const auto v = env(e);
  return v && (*v == "1" || *v == "true" || *v == "yes");
}

}  // namespace loadgate
