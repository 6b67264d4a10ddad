// cmd_calibrate.cc: `loadgate calibrate -baselines=FILE -scenario=KEY`: runs the scenario's load
// as A/A trials (its service started as `loadgate run` does), measures this runner's noise per
// figure and prints the tolerances and trial count that keep a gate's false alarms at the chosen
// rate (calibration.h); -write puts them, the numbers behind them and the trials as the
// reference into the baseline file.
#include <iostream>

#include "command.h"
#include "judging.h"
#include "loadgate/baseline.h"
#include "loadgate/calibration.h"
#include "loadgate/error.h"
#include "loadgate/figures.h"
#include "loadgate/scenario.h"
#include "signals.h"

namespace loadgate::cli {
namespace {

class Calibrate final : public Command {
 public:
  void define(FlagSet& f) override {
    f.string("baselines", &baselines_, "Baseline file, e.g. baselines/api.json");
    f.require("baselines");
    f.string("scenario", &scenario_, "Scenario, e.g. api.heavy (or heavy)");
    f.require("scenario");
    f.integer("trials", &trials_, "A/A trials to run (at least 3; 10 or more for a spread worth trusting)");
    f.number("false-alarm", &false_alarm_, "Chance that a gate run on an unchanged service fails, all figures together");
    f.number("target", &target_, "Tolerance wanted: trials a side are added until every figure's fits");
    f.integer("max-trials", &max_trials_, "At most this many trials a side in a gate run");
    f.string("figures", &figures_, "Figures judged, comma-separated (default p50,p90,p99,success,throughput)");
    f.flag("write", &write_, "Write load.trials, tolerance, calibration and the trials as reference into the file");
  }

  int run() override {
    const std::atomic<bool>& stop = install_stop_signals();
    try {
      if (trials_ < 3 || trials_ > 1000) throw InputError("", 0, "-trials", "want 3 to 1000");
      if (!(false_alarm_ > 0 && false_alarm_ < 1)) throw InputError("", 0, "-false-alarm", "want 0 < rate < 1");
      if (!(target_ > 0)) throw InputError("", 0, "-target", "want a positive tolerance");
      if (max_trials_ < 3) throw InputError("", 0, "-max-trials", "want at least 3");
      const BaselineFile file = load_baseline(baselines_);
      Scenario s = file.find(scenario_);
      s.load.trials = trials_;
      s.reference.reset();  // A/A: nothing to regress from
      s.tolerance.clear();
      std::cerr << "loadgate calibrate: " << s.key() << ": " << trials_ << " A/A trials\n";
      const ScenarioRun r = attack(s, nullptr, &stop);
      if (stop.load()) return fail("calibrate", "interrupted: nothing written", kInterrupted);
      CalibrationOptions o;
      o.figures = split_list(figures_);
      o.false_alarm = false_alarm_;
      o.target = target_;
      o.max_trials = max_trials_;
      const Calibration c = calibrate(r.trials, o);
      const std::string duration = format_duration(Nanos(r.info.duration_ns));
      std::cout << s.key() << ": " << r.trials.size() << " A/A trials of " << duration << " each\n\n"
                << calibration_table(c);
      if (write_) {
        std::vector<std::map<std::string, double>> trials;
        for (const Summary& t : r.trials) trials.push_back(reference_figures(t));
        record_calibration(baselines_, s.name, c, reference_figures(r.metrics.summarize()), trials, duration);
        std::cout << "written to " << baselines_ << ": scenarios." << s.name
                  << ".load.trials, .tolerance, .calibration and .reference\n";
      }
    } catch (const InputError& e) {
      return fail("calibrate", e.what(), kBadInput);
    } catch (const RunError& e) {
      return fail("calibrate", e.what(), kFailure);
    }
    return written("calibrate", std::cout, kOk);
  }

 private:
  std::string baselines_, scenario_, figures_;
  int trials_ = 10, max_trials_ = 20;
  double false_alarm_ = 0.05, target_ = 0.10;
  bool write_ = false;
};

}  // namespace

std::unique_ptr<Command> calibrate_command() { return std::make_unique<Calibrate>(); }

}  // namespace loadgate::cli
