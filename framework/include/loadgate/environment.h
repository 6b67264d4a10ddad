// environment.h (core layer): every LOADGATE_* variable loadgate reads, named in one table with
// what it does, and read through one function. (The per-service LOADGATE_<SERVICE>_URL and
// _PROCESS_FILE names are made from a baseline's service; see declared_service.cc.)
//
//   if (auto shard = loadgate::env(loadgate::Env::kShard)) ...   // "1/4"
#pragma once

#include <optional>
#include <string>

namespace loadgate {

/// Env names one LOADGATE_* variable.
enum class Env {
  kBaselinesDir,        ///< where baseline files are (default "baselines")
  kCli,                 ///< the loadgate binary that serves the embedded services
  kCommit,              ///< the commit a history line is written for (else GITHUB_SHA, CI_COMMIT_SHA)
  kCostFile,            ///< the machine's measured cost per hit (default ~/.cache/loadgate/cost.json)
  kDashboard,           ///< serve the live dashboard of a suite's runs at this address
  kDefaultReportsDir,   ///< the reports folder loadgate_add_perf_test() gives its tests
  kDurationScale,       ///< every suite duration times this
  kExchange,            ///< where the shards of a breakpoint scenario exchange each step's figures
  kFit,                 ///< the share of this machine a suite's WebSocket loads may ask (0..1)
  kHistory,             ///< a history file each suite run appends its figures to
  kMonitorPid,          ///< a process to sample beside the generator (role "sut" or "monitored")
  kPin,                 ///< 1: pin the service and the generator to different cores
  kProgress,            ///< 1: progress lines on stderr even when it is not a terminal
  kPrometheusAddr,      ///< serve live figures for Prometheus at this address
  kPrometheusPush,      ///< push live figures to this Pushgateway
  kRecordBaselines,     ///< 1: record each passing run's figures as its scenario's reference
  kRemeasure,           ///< 0: never measure again a failed run whose generator fell behind
  kReportsDir,          ///< where suites write reports (default "reports")
  kRunId,               ///< the CI run a history line is written for (else GITHUB_RUN_ID, CI_PIPELINE_ID)
  kShard,               ///< this generator's share i/n of every attack
  kStartAt,             ///< when sharded generators start (RFC 3339 or +DURATION)
  kCount,               ///< not a variable: how many there are
};

/// The variable's name: "LOADGATE_SHARD".
const char* env_name(Env e);

/// The variable's value, read now; nullopt when it is unset or empty.
std::optional<std::string> env(Env e);

/// Whether the variable says yes: "1", "true" or "yes".
bool env_true(Env e);

}  // namespace loadgate
