// service.h (service layer): the service under test as a handle: start a command, wait until it is ready, watch
// it during runs, stop it; or adopt a server the test runs itself.
//
//   // Once for every test of a suite:
//   static std::optional<loadgate::Service> shop;
//   static void SetUpTestSuite() {
//     loadgate::ProcessSpec spec;
//     spec.command = {"./shop_server", "--port", "{port}"};
//     spec.ready = *loadgate::parse_ready("http:/health");
//     shop.emplace(spec, "shop", "reports/shop.service.log");
//   }
//   static void TearDownTestSuite() { shop.reset(); }            // SIGTERM, grace, SIGKILL
//   ... loadgate::attack(targets, loadgate::scenario("shop.heavy"), *shop);
//
// The process runs in a process group of its own with its output in a log file; the group is the
// monitored "sut" (CPU, RSS, fds of the service and its children). A guard process kills the
// group if the test process dies without stopping it (a crash, SIGKILL), so nothing is left
// running in any case.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "loadgate/error.h"
#include "loadgate/process.h"
#include "loadgate/resources.h"

namespace loadgate {

/// A flag (the CLI's SIGINT/SIGTERM flag) that, once set, ends a wait for a service's readiness
/// at its next probe (within 50 ms): the start fails with "interrupted". Null (the default): none.
void set_service_interrupt(const std::atomic<bool>* flag);

/// ServiceStartError: the service exited, or was not ready in time (Service's constructor).
/// what() as a RunError's; `status` says the same as data: failure, log, last lines, ready = false.
class ServiceStartError : public RunError {
 public:
  ServiceStartError(const std::string& what, ServiceStatus s) : RunError(what), status(std::move(s)) {}
  ServiceStatus status;  ///< what is known of the service that did not start
};

/// Service is a running service under test. Movable, not copyable; destroying it stops it.
class Service {
 public:
  /// Starts `spec` as the service `name` with its stdout and stderr appended to the file `log`
  /// (created, with its directory), then probes it until ready. Throws InputError (naming
  /// spec.source) when the program is missing or not executable or a fixed port is already in
  /// use; ServiceStartError when it exits or is not ready within spec.timeout: the message holds
  /// the probe's last error and the last 20 lines of its output. Nothing is left running then.
  Service(const ProcessSpec& spec, std::string name, std::string log);
  /// A server the test runs itself (a cpp-httplib server on a thread, a gRPC ServerBuilder)
  /// listening at `address` ("127.0.0.1:8080"): nothing is started, watched or stopped.
  static Service adopt(std::string address, std::string name = "service");

  Service(Service&&) noexcept;
  Service& operator=(Service&&) noexcept;
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;
  ~Service();

  /// Where it listens: "127.0.0.1:41234".
  const std::string& address() const;
  /// scheme://address, e.g. url("ws") = "ws://127.0.0.1:41234".
  std::string url(const std::string& scheme = "http") const;
  /// Its process id (which is also its process group id); 0 when adopted.
  int pid() const;
  /// What a run samples: its process group as "sut" (nothing when adopted).
  std::vector<MonitoredProcess> monitored() const;
  /// Sets `*stop` when the process ends on its own, so a run stops promptly instead of loading a
  /// dead port; nullptr stops watching.
  void watch(std::atomic<bool>* stop);
  /// Unix ns at which it ended on its own (not stopped by stop()), or nullopt.
  std::optional<int64_t> died_at() const;
  /// "exited with code 0 on SIGTERM after 3ms", "exited with signal 11 (SIGSEGV)", "ignored
  /// SIGTERM for 5s: killed", or "running".
  std::string exit_text() const;
  /// How it ended, alone: "exited with signal 11 (SIGSEGV)", "exited with code 3"; "running".
  std::string exit_cause() const;
  /// Its status for a report: command, address, pid, log, how it ended.
  ServiceStatus status() const;
  /// The last `n` lines of its output.
  std::vector<std::string> tail(size_t n = 20) const;
  /// SIGTERM to its process group, up to spec.grace for it to exit, then SIGKILL; then the same
  /// for children of it still running. Idempotent; returns its status (with `ended`).
  ServiceStatus stop();

 private:
  struct State;
  Service();
  std::unique_ptr<State> s_;
};

}  // namespace loadgate
