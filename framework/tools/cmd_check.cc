// cmd_check.cc: `loadgate check`: a gate for pipelines. Judges results against a baseline
// scenario and exits 3 on a breach.
#include <iostream>

#include "command.h"
#include "loadgate/baseline.h"
#include "loadgate/error.h"
#include "loadgate/gate.h"
#include "loadgate/results_file.h"

namespace loadgate::cli {
namespace {

class Check final : public Command {
 public:
  void define(FlagSet& f) override {
    f.string("baselines", &baselines_, "Baseline file, e.g. baselines/api.json");
    f.require("baselines");
    f.string("scenario", &scenario_, "Scenario, e.g. api.heavy");
    f.require("scenario");
    f.string("history", &history_, "Append this run's figures and verdict to a JSON-lines file");
    f.flag("strict", &strict_, "Fail (exit 2) when the shards given do not make a whole attack");
    f.positional("inputs", &inputs_, "Results files (default stdin)");
  }

  int run() override {
    Verdict v;
    std::string key;
    try {
      const BaselineFile file = load_baseline(baselines_);
      const Scenario& sc = file.find(scenario_);
      key = sc.key();
      Metrics m;
      set_shard_check(strict_ ? ShardCheck::kStrict : ShardCheck::kWarn);
      read_metrics(inputs_, m);
      v = evaluate(m, sc.criteria());
      if (!history_.empty()) append_history(history_, key, m.summarize(kind_for(m, sc.thresholds.kind)), v);
    } catch (const InputError& e) {
      return fail("check", e.what(), kBadInput);
    }
    std::cout << key << ": " << (v.pass() ? "PASS" : "FAIL") << " (" << v.checks.size() - v.failures() << "/"
              << v.checks.size() << " checks passed)\n"
              << v.table();
    return written("check", std::cout, v.pass() ? kOk : kBreach);
  }

 private:
  std::string baselines_, scenario_, history_;
  bool strict_ = false;
  std::vector<std::string> inputs_;
};

}  // namespace

std::unique_ptr<Command> check_command() { return std::make_unique<Check>(); }

}  // namespace loadgate::cli
