// cmd_run.cc: `loadgate run`: one baseline scenario end to end, for a CI step without a C++
// test: start the service as declared, wait until ready, load it, gate the result, stop it.
#include <cstdlib>
#include <iostream>

#include "command.h"
#include "loadgate/environment.h"
#include "loadgate/error.h"
#include "loadgate/report.h"
#include "loadgate/scenario.h"
#include "loadgate/service.h"
#include "signals.h"

namespace loadgate::cli {
namespace {

class Run final : public Command {
 public:
  void define(FlagSet& f) override {
    f.string("baselines", &baselines_, "Baseline file, e.g. baselines/shop.json");
    f.require("baselines");
    f.string("scenario", &scenario_, "Scenario, e.g. shop.heavy (or heavy)");
    f.require("scenario");
    f.string("dashboard", &dashboard_,
             "Serve a live dashboard of the run at host:port (e.g. 127.0.0.1:5665; default $LOADGATE_DASHBOARD)");
  }

  int run() override {
    const std::atomic<bool>& stop = install_stop_signals();
    set_service_interrupt(&stop);
    // The suite's runner serves the dashboard $LOADGATE_DASHBOARD names; the flag names it here.
    if (!dashboard_.empty()) ::setenv(env_name(Env::kDashboard), dashboard_.c_str(), 1);
    ScenarioRun r;
    try {
      const BaselineFile file = load_baseline(baselines_);
      const Scenario& s = file.find(scenario_);
      r = attack(s, nullptr, &stop);
      if (r.service && !r.service->ready && !stop.load())  // nothing ran: a failure to run, not a breach
        return fail("run", r.service->failure + " (its output: " + r.service->log + ")", kFailure);
      write_text_report(std::cout, r.metrics, report_options(r));
      std::cout << "\nreports: " << reports_dir() << "/" << s.key() << ".{txt,json,html}\n";
    } catch (const InputError& e) {
      return fail("run", e.what(), kBadInput);
    } catch (const RunError& e) {
      return fail("run", e.what(), stop.load() ? kInterrupted : kFailure);
    }
    // Interrupted: the report is written, and the exit says so (130, as a shell does for SIGINT):
    // a cancelled CI job never reads as green.
    return written("run", std::cout, stop.load() ? kInterrupted : r.verdict.pass() ? kOk : kBreach);
  }

 private:
  std::string baselines_, scenario_, dashboard_;
};

}  // namespace

std::unique_ptr<Command> run_command() { return std::make_unique<Run>(); }

}  // namespace loadgate::cli
