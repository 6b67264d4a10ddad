// cmd_compare.cc: `loadgate compare OLD NEW` and `loadgate compare -history=FILE -scenario=KEY`.
#include <iostream>

#include "command.h"
#include "loadgate/compare.h"
#include "loadgate/error.h"

namespace loadgate::cli {
namespace {

class Compare final : public Command {
 public:
  void define(FlagSet& f) override {
    f.number("tolerance", &tolerance_, "Relative change allowed (0.1 = 10 %)");
    f.string("history", &history_,
             "History file (JSON lines from LOADGATE_HISTORY or check -history): its last two runs");
    f.string("scenario", &scenario_, "With -history: only this scenario's runs");
    f.positional("inputs", &inputs_, "OLD NEW: results files or JSON reports");
  }

  int run() override {
    Figures old_run, new_run;
    try {
      if (!history_.empty()) {
        if (!inputs_.empty()) throw InputError("", 0, "-history", "give either -history or two runs, not both");
        auto runs = history_figures(history_, scenario_);
        if (runs.size() < 2)
          throw InputError(history_, 0, "",
                           "needs two runs" + (scenario_.empty() ? std::string() : " of " + scenario_) + ", found " +
                               std::to_string(runs.size()));
        old_run = runs[runs.size() - 2];
        new_run = runs.back();
      } else {
        if (inputs_.size() != 2) throw InputError("", 0, "", "want two runs: loadgate compare OLD NEW");
        old_run = load_figures(inputs_[0]);
        new_run = load_figures(inputs_[1]);
      }
      if (tolerance_ < 0) throw InputError("", 0, "-tolerance", "must not be negative");
    } catch (const InputError& e) {
      return fail("compare", e.what(), kBadInput);
    }
    const auto deltas = compare(old_run, new_run, tolerance_);
    size_t regressions = 0;
    for (const Delta& d : deltas) regressions += d.regression ? 1 : 0;
    std::cout << "old: " << old_run.name << "\nnew: " << new_run.name << "\n\n" << compare_table(deltas);
    std::cout << "\n"
              << (regressions ? std::to_string(regressions) + " regression(s) beyond tolerance" : "no regression")
              << "\n";
    return written("compare", std::cout, regressions ? kBreach : kOk);
  }

 private:
  double tolerance_ = 0.1;
  std::string history_, scenario_;
  std::vector<std::string> inputs_;
};

}  // namespace

std::unique_ptr<Command> compare_command() { return std::make_unique<Compare>(); }

}  // namespace loadgate::cli
