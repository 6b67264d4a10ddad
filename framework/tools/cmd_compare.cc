// cmd_compare.cc: `loadgate compare OLD NEW` and `loadgate compare -history=FILE -scenario=KEY`.
#include <iostream>

#include "commands.h"
#include "loadgate/compare.h"
#include "loadgate/error.h"

namespace loadgate::cli {

int compare(const CompareFlags& f) {
  Figures old_run, new_run;
  try {
    if (!f.history.empty()) {
      if (!f.inputs.empty()) throw InputError("", 0, "-history", "give either -history or two runs, not both");
      auto runs = history_figures(f.history, f.scenario);
      if (runs.size() < 2)
        throw InputError(f.history, 0, "",
                         "needs two runs" + (f.scenario.empty() ? std::string() : " of " + f.scenario) + ", found " +
                             std::to_string(runs.size()));
      old_run = runs[runs.size() - 2];
      new_run = runs.back();
    } else {
      if (f.inputs.size() != 2) throw InputError("", 0, "", "want two runs: loadgate compare OLD NEW");
      old_run = load_figures(f.inputs[0]);
      new_run = load_figures(f.inputs[1]);
    }
    if (f.tolerance < 0) throw InputError("", 0, "-tolerance", "must not be negative");
  } catch (const InputError& e) {
    return fail("compare", e.what(), kBadInput);
  }
  const auto deltas = loadgate::compare(old_run, new_run, f.tolerance);
  size_t regressions = 0;
  for (const Delta& d : deltas) regressions += d.regression ? 1 : 0;
  std::cout << "old: " << old_run.name << "\nnew: " << new_run.name << "\n\n" << compare_table(deltas);
  std::cout << "\n"
            << (regressions ? std::to_string(regressions) + " regression(s) beyond tolerance" : "no regression")
            << "\n";
  return regressions ? kBreach : kOk;
}

}  // namespace loadgate::cli
