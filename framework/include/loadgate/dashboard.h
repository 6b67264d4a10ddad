// dashboard.h (live layer): a live page of the attacks of one process, served while they run
// (-dashboard=127.0.0.1:5665; LOADGATE_DASHBOARD in suites). One self-contained page (no network
// access, like the HTML report) that a stream of server-sent events updates each second: rate
// asked and achieved, latency percentiles over time, phases, status codes and errors, the
// generator's lateness and CPU, the service's resources, the gate's checks as the run goes. At
// the end of a run the page becomes its HTML report.
//
//   auto dash = loadgate::make_dashboard("127.0.0.1:5665");   // null for ""
//   auto sink = dash->attach(o);             // o.sink forwards through it, o.live is set
//   loadgate::AttackRun run = loadgate::attack_http(targets, {}, o);
//   dash->finish(run.metrics, report_options);   // browsers get the report
//
// The figures come from the results the attack hands its sink, on the collector's thread, and
// from the launcher's live counters: nothing is added to the workers' path. Once a second the
// endpoint's thread turns what came into one frame (a few hundred bytes of JSON) and sends it
// to every browser: any number of them (up to the endpoint's 256 connections) cost one
// frame's formatting, and a browser that falls 4 MB behind is dropped.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "loadgate/attack.h"
#include "loadgate/report.h"
#include "loadgate/thresholds.h"

namespace loadgate {

/// Dashboard serves the live page at its address until it is destroyed.
class Dashboard {
 public:
  /// How often the page is updated.
  static constexpr std::chrono::milliseconds kPeriod{1000};
  /// Frames a browser opened mid-run gets first (the last ones, one per period).
  static constexpr size_t kHistory = 3600;
  /// With thresholds, the gate's checks are judged again every this many frames (and at the
  /// last): judging reads every result so far, milliseconds on a long run.
  static constexpr int kChecksEvery = 5;

  /// Listens on `listen` ("127.0.0.1:5665", ":5665", port 0 for any). Throws InputError
  /// (-dashboard) when the address does not parse or cannot be bound.
  explicit Dashboard(const std::string& listen);
  /// Stops serving (after finish(), browsers keep the report they got).
  ~Dashboard();
  Dashboard(const Dashboard&) = delete;
  Dashboard& operator=(const Dashboard&) = delete;

  /// Puts the dashboard between the next attack and its sink: `options.sink` becomes a sink
  /// that watches the results and forwards them to the one it had; `options.live` is kept if
  /// set (Prometheus), else set to the dashboard's own counters. With `thresholds`, their checks
  /// are judged on the figures so far every kChecksEvery frames (`source` names where they come
  /// from). The
  /// page starts over with this attack. Returns the sink, which must live as long as the attack.
  std::unique_ptr<ResultsSink> attach(AttackOptions& options, const Thresholds* thresholds = nullptr,
                                      const std::string& source = "");
  /// The attack is over: the page becomes the HTML report of `m` with `o` (write_html_report).
  /// Waits up to 2 s for open browsers to have it.
  void finish(const Metrics& m, const ReportOptions& o);
  /// The attack is over: the page becomes `html` (a breakpoint search's report, say).
  void finish(const std::string& html);
  /// The port it listens on.
  uint16_t port() const;
  /// Browsers connected now.
  size_t browsers() const;

  struct State;  ///< (dashboard.cc)

 private:
  std::unique_ptr<State> s_;
};

/// The dashboard `listen` asks for, or null for "". Throws as the constructor does.
std::unique_ptr<Dashboard> make_dashboard(const std::string& listen);

/// The dashboard's page (self-contained HTML: its style and script inline, no network access).
const std::string& dashboard_page();

}  // namespace loadgate
