// process.h (core layer): how to start a service under test, and what a report says about it afterwards.
// Data only: the Service that starts, probes, watches and stops the process is service.h.
//
// Declared in a baseline file (top level, or per scenario to override it):
//   "process": {"command": ["./shop_server", "--port", "{port}"],
//               "ready": {"http": "/health"}, "env": {"SHOP_DB": ":memory:"}, "timeout": "10s"}
// or by CMake: loadgate_add_perf_test(... SERVICE shop_server ARGS --port {port} READY http:/health).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "loadgate/duration.h"

namespace loadgate {

/// ReadyProbe says how to tell that a started service takes load. Probes repeat until one
/// succeeds or ProcessSpec::timeout passes.
struct ReadyProbe {
  enum class Kind {
    kTcp,   ///< a TCP connection to its port is accepted
    kHttp,  ///< GET `arg` answers 2xx
    kGrpc,  ///< grpc.health.v1.Health/Check of service `arg` ("" = the server) answers SERVING
    kWs,    ///< a WebSocket handshake on path `arg` answers 101
    kLog,   ///< a line of its output matches the regular expression `arg`
  };
  Kind kind = Kind::kTcp;
  std::string arg;
  /// The probe as written in CMake's READY: "tcp", "http:/health", "grpc", "grpc:pkg.Svc",
  /// "ws:/echo", "log:listening on".
  std::string spec() const;
};

/// Parses a READY spec (see ReadyProbe::spec()); nullopt when it is not one.
std::optional<ReadyProbe> parse_ready(const std::string& text);

/// ProcessSpec is a service to start for a run: a command with placeholders, its environment and
/// how to know it is ready. Placeholders in every argument and env value: {port} (a free loopback
/// port loadgate picked), {port_file} (a path the service writes the port it bound to, as
/// decimal text), {host} (127.0.0.1) and {addr} ({host}:{port}).
struct ProcessSpec {
  std::vector<std::string> command;        ///< argv; command[0] is a path or a name on $PATH
  std::map<std::string, std::string> env;  ///< added to (or replacing in) the inherited environment
  ReadyProbe ready;                        ///< default: a TCP connect
  Nanos timeout = std::chrono::seconds(10);  ///< readiness deadline from the start
  Nanos grace = std::chrono::seconds(5);     ///< SIGTERM to SIGKILL
  int port = 0;           ///< fixed port, for a command with neither {port} nor {port_file}
  std::string directory;  ///< working directory ("" = the test's)
  std::vector<int> cpus;  ///< CPUs it (and everything it starts) runs on; empty = any
  /// Bytes of its output kept in its log from the start (JSON "log_limit": "64MB"); past them only
  /// its last MiB is kept, after a line saying how much was cut. 0 = no limit.
  uint64_t log_limit = uint64_t{64} << 20;
  std::string file;       ///< where it was declared, for messages: "baselines/shop.json"
  std::string field = "process";  ///< its key path there: "process", "scenarios.heavy.process"
  /// Whether the command (or env) holds `placeholder`, e.g. "{port}".
  bool uses(const std::string& placeholder) const;
  /// The command as one shell-like line, for messages and reports.
  std::string command_line() const;
};

/// ServiceStatus is what a report says about the service a run started: where it ran, where its
/// output went and how it ended.
struct ServiceStatus {
  std::string name;     ///< "shop" (the baseline's service)
  std::string command;  ///< the command line as run, placeholders replaced
  std::string address;  ///< "127.0.0.1:41234"
  int pid = 0;          ///< its process (and process group) id
  std::string log;      ///< file holding its stdout and stderr
  std::string ended;    ///< "exited with code 0 on SIGTERM after 12ms"; "" while it runs
  /// Set when it ended during the run: "service exited with signal 11 (SIGSEGV) 12.3 s into
  /// api.heavy". The run's verdict then has a failing "service" check.
  std::string failure;
  std::vector<std::string> last_lines;  ///< the end of its output, when it failed
  bool ready = true;  ///< false when it exited or was not ready in time: nothing was measured
};

}  // namespace loadgate
