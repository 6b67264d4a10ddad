// cmd_compare.cc: `loadgate compare OLD NEW` and `loadgate compare -history=FILE -scenario=KEY`:
// is NEW a regression of OLD, decided with statistics (compare.h): regression (exit 3),
// inconclusive (exit 4), no change or improvement (exit 0). -method=fixed is the rule of old, a
// fixed tolerance on single figures, kept to be measured beside (ci/bench-gate).
#include <iostream>
#include <sstream>

#include "command.h"
#include "judging.h"
#include "loadgate/compare.h"
#include "loadgate/error.h"

namespace loadgate::cli {
namespace {

class Compare final : public Command {
 public:
  void define(FlagSet& f) override {
    f.number("tolerance", &tolerance_, "Relative change allowed before a change is a regression (0.1 = 10 %)");
    f.number("alpha", &alpha_, "Significance: a change is significant when p < alpha");
    f.string("figures", &figures_, "Figures judged, comma-separated (default p50,p90,p99,success,throughput)");
    f.string("method", &method_, "stats (default: significant and beyond the tolerance) or fixed (the tolerance alone)");
    f.string("history", &history_,
             "History file (JSON lines from LOADGATE_HISTORY or check -history): its last two runs");
    f.string("scenario", &scenario_, "With -history: only this scenario's runs");
    f.positional("inputs", &inputs_, "OLD NEW: results files (their trials, one per header) or JSON reports");
  }

  int run() override {
    Side old_side, new_side;
    JudgeOptions o;
    try {
      if (!history_.empty()) {
        if (!inputs_.empty()) throw InputError("", 0, "-history", "give either -history or two runs, not both");
        auto runs = read_history(history_, scenario_);
        if (runs.size() < 2)
          throw InputError(history_, 0, "",
                           "needs two runs" + (scenario_.empty() ? std::string() : " of " + scenario_) + ", found " +
                               std::to_string(runs.size()));
        old_side = runs[runs.size() - 2].side;
        new_side = runs.back().side;
      } else {
        if (inputs_.size() != 2) throw InputError("", 0, "", "want two runs: loadgate compare OLD NEW");
        old_side = load_side(inputs_[0]);
        new_side = load_side(inputs_[1]);
      }
      if (tolerance_ < 0) throw InputError("", 0, "-tolerance", "must not be negative");
      if (!(alpha_ > 0 && alpha_ < 1)) throw InputError("", 0, "-alpha", "want 0 < alpha < 1");
      if (method_ != "stats" && method_ != "fixed")
        throw InputError("", 0, "-method", "\"" + method_ + "\": want stats or fixed");
      o.tolerance = tolerance_;
      o.alpha = alpha_;
      o.figures = split_list(figures_);
      if (method_ == "fixed") return fixed(old_side, new_side);
      return print_judgement("compare", old_side, new_side, o, std::cout);
    } catch (const InputError& e) {
      return fail("compare", e.what(), kBadInput);
    }
  }

 private:
  // The rule of old: each figure's change against the tolerance, nothing else.
  int fixed(const Side& a, const Side& b) {
    if (a.trials.empty() || b.trials.empty()) throw InputError("", 0, "", "no figures to compare");
    const auto deltas = compare(a.trials.front(), b.trials.front(), tolerance_);
    size_t regressions = 0;
    for (const Delta& d : deltas) regressions += d.regression ? 1 : 0;
    std::cout << "old: " << a.name << "\nnew: " << b.name << "\n\n" << compare_table(deltas);
    std::cout << "\n"
              << (regressions ? std::to_string(regressions) + " regression(s) beyond tolerance" : "no regression")
              << "\n";
    return written("compare", std::cout, regressions ? kBreach : kOk);
  }

  double tolerance_ = 0.1, alpha_ = 0.05;
  std::string figures_, method_ = "stats", history_, scenario_;
  std::vector<std::string> inputs_;
};

}  // namespace

std::unique_ptr<Command> compare_command() { return std::make_unique<Compare>(); }

}  // namespace loadgate::cli
