// cmd_baseline.cc: `loadgate baseline record`: a run's figures become a scenario's reference
// (thresholds are never touched).
#include <iostream>

#include "command.h"
#include "loadgate/baseline.h"
#include "loadgate/error.h"
#include "loadgate/figures.h"
#include "loadgate/gate.h"
#include "loadgate/results_file.h"

namespace loadgate::cli {
namespace {

class Baseline final : public Command {
 public:
  void define(FlagSet& f) override {
    FlagSet record = f.subcommand("record", "Record results as the scenario's reference (thresholds unchanged)");
    record.string("baselines", &baselines_, "Baseline file");
    record.require("baselines");
    record.string("scenario", &scenario_, "Scenario, e.g. api.heavy");
    record.require("scenario");
    record.positional("inputs", &inputs_, "Results files (default stdin)");
  }

  int run() override {
    try {
      const BaselineFile file = load_baseline(baselines_);
      const Scenario& sc = file.find(scenario_);
      Metrics m;
      read_metrics(inputs_, m);
      const Summary s = m.summarize(kind_for(m, sc.thresholds.kind));
      if (s.requests == 0) return fail("baseline record", "no results to record", kBadInput);
      record_reference(baselines_, sc.name, reference_figures(s));
      std::cout << "recorded the reference of " << sc.key() << " in " << baselines_ << " (thresholds unchanged)\n";
    } catch (const InputError& e) {
      return fail("baseline record", e.what(), kBadInput);
    }
    return written("baseline record", std::cout, kOk);
  }

 private:
  std::string baselines_, scenario_;
  std::vector<std::string> inputs_;
};

}  // namespace

std::unique_ptr<Command> baseline_command() { return std::make_unique<Baseline>(); }

}  // namespace loadgate::cli
