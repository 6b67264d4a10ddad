// cmd_check.cc: `loadgate check` (a gate for pipelines) and `loadgate baseline record`.
#include <cstdio>
#include <iostream>

#include "commands.h"
#include "loadgate/error.h"
#include "loadgate/gate.h"
#include "loadgate/results_file.h"

namespace loadgate::cli {
int check(const CheckFlags& f) {
  Metrics m;
  Verdict v;
  std::string key;
  Summary s;
  try {
    const BaselineFile file = load_baseline(f.baselines);
    const Scenario& sc = file.find(f.scenario);
    key = sc.key();
    const std::string err = read_metrics(f.inputs, m);
    if (!err.empty()) return fail("check", err, kBadInput);
    v = evaluate(m, sc);
    s = m.summarize(kind_for(m, sc.thresholds.kind));
    if (!f.history.empty()) append_history(f.history, key, s, v);
  } catch (const InputError& e) {
    return fail("check", e.what(), kBadInput);
  }
  std::cout << key << ": " << (v.pass() ? "PASS" : "FAIL") << " (" << v.checks.size() - v.failures() << "/"
            << v.checks.size() << " checks passed)\n"
            << v.table();
  return v.pass() ? kOk : kBreach;
}

int record(const CheckFlags& f) {
  try {
    const BaselineFile file = load_baseline(f.baselines);
    const Scenario& sc = file.find(f.scenario);
    Metrics m;
    const std::string err = read_metrics(f.inputs, m);
    if (!err.empty()) return fail("baseline record", err, kBadInput);
    const Summary s = m.summarize(kind_for(m, sc.thresholds.kind));
    if (s.requests == 0) return fail("baseline record", "no results to record", kBadInput);
    const auto figures = reference_figures(s);
    record_reference(f.baselines, sc.name, figures);
    std::cout << "recorded the reference of " << sc.key() << " in " << f.baselines << " (thresholds unchanged)\n";
  } catch (const InputError& e) {
    return fail("baseline record", e.what(), kBadInput);
  }
  return kOk;
}

}  // namespace loadgate::cli
