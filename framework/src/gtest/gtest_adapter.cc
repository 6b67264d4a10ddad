// gtest_adapter.cc: predicate-formatters behind the PERF_* macros.
#include "format/number.h"
#include "loadgate/error.h"
#include "loadgate/figures.h"
#include "loadgate/gtest.h"
#include "loadgate/report.h"

namespace loadgate::gtest {
namespace {

// The standard failure text of a macro's verdict; every measured figure is recorded.
::testing::AssertionResult result(const std::string& call, const Verdict& v) {
  for (const Check& c : v.checks) ::testing::Test::RecordProperty("perf." + c.name, c.measured_text());
  if (v.pass()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << call << " failed: " << v.failures() << " of " << v.checks.size()
                                       << " checks\n"
                                       << v.table();
}

// A failing result of a run whose service ended during it, with the end of its output.
::testing::AssertionResult with_service(::testing::AssertionResult r, const ScenarioRun& run) {
  if (r || !run.service || run.service->failure.empty()) return r;
  r << "last lines of the service's output (" << run.service->log << "):\n";
  for (const std::string& line : run.service->last_lines) r << "  | " << line << "\n";
  return r;
}

::testing::AssertionResult with_service(::testing::AssertionResult r, const RunOf& run) {
  return run.scenario_run ? with_service(std::move(r), *run.scenario_run) : r;
}

std::string call(const char* macro, const char* a, const char* b) {
  return std::string(macro) + "(" + a + ", " + b + ")";
}

// What makes a run's figures partial, as failed checks: its service ended, it was cut short.
// A ScenarioRun's verdict has them already; a bare AttackRun says it was interrupted or aborted.
void whole_run_checks(const RunOf& r, Verdict& v) {
  bool interrupted = r.run.interrupted, service = false;
  if (r.scenario_run)
    for (const Check& c : r.scenario_run->verdict.checks) {
      if (c.pass || (c.name != "service" && c.name != "interrupted")) continue;
      v.checks.push_back(c);
      interrupted = interrupted && c.name != "interrupted";
      service = service || c.name == "service";
    }
  if (interrupted)
    v.checks.push_back(event_check("interrupted", "the run was cut short by a signal: its figures are partial"));
  else if (!r.run.abort_reason.empty() && !service)
    v.checks.push_back(event_check("cut short", "the run was stopped early: " + r.run.abort_reason));
}

// The checks of `t` on `run`, and whether the run is whole (the limit is in the macro's own
// text, so no source).
::testing::AssertionResult with(const std::string& call_text, const RunOf& run, const Thresholds& t) {
  Verdict v = evaluate(run.run.metrics, t);
  whole_run_checks(run, v);
  return with_service(result(call_text, v), run);
}

::testing::AssertionResult latency(const std::string& call_text, const RunOf& r, double percentile, Nanos limit) {
  const Metrics& m = r.run.metrics;
  Verdict v;
  v.checks.push_back(latency_check(m, percentile, limit));
  check_measured(m, m.primary(), v);
  whole_run_checks(r, v);
  generator_checks(m, v, true, nullptr);  // the latency counts its delay: a failure with it stands
  v.context = context_line(m.summarize());
  return with_service(result(call_text, v), r);
}

}  // namespace

void record_figures(const AttackRun& run) {
  const Summary s = run.metrics.summarize();
  auto prop = [](const std::string& k, double v) {
    ::testing::Test::RecordProperty("perf." + k, format::format_number("%.6g", v));
  };
  prop("requests", static_cast<double>(s.requests));
  prop("late", static_cast<double>(s.late));
  for (const Figure& f : all_figures()) {
    if (f.unit == Unit::kNanos)
      prop(std::string(f.name) + "_ms", f.of(s) / 1e6);
    else
      prop(f.name, f.of(s));
  }
  prop("p99_uncorrected_ms", static_cast<double>(s.uncorrected.p99) / 1e6);
}

::testing::AssertionResult LatencyBelow::operator()(const char* r, const char* l, const RunOf& run,
                                                    Nanos limit) const {
  return latency(call(macro, r, l), run, percentile, limit);
}

::testing::AssertionResult PercentileBelow::operator()(const char* r, const char* p, const char* l,
                                                       const RunOf& run, double percentile, Nanos limit) const {
  const std::string text = std::string(macro) + "(" + r + ", " + p + ", " + l + ")";
  if (!(percentile > 0 && percentile <= 100))
    return ::testing::AssertionFailure() << text << ": the percentile must be in (0, 100], got " << percentile;
  return latency(text, run, percentile, limit);
}

::testing::AssertionResult SuccessAtLeast::operator()(const char* r, const char* l, const RunOf& run,
                                                      double ratio) const {
  Thresholds t;
  t.success = ratio;
  return with(call(macro, r, l), run, t);
}

::testing::AssertionResult ThroughputAtLeast::operator()(const char* r, const char* l, const RunOf& run,
                                                         double per_second) const {
  Thresholds t;
  t.throughput = per_second;
  return with(call(macro, r, l), run, t);
}

::testing::AssertionResult ErrorsAtMost::operator()(const char* r, const char* l, const RunOf& run,
                                                    uint64_t count) const {
  Thresholds t;
  t.errors = count;
  return with(call(macro, r, l), run, t);
}

::testing::AssertionResult CapacityAtLeast::operator()(const char* b_text, const char* r_text, const Breakpoint& b,
                                                       double rate) const {
  ::testing::Test::RecordProperty("perf.capacity", format::format_number("%.1f", b.capacity));
  if (capacity_holds(b, rate)) return ::testing::AssertionSuccess();
  ::testing::AssertionResult out = ::testing::AssertionFailure() << call(macro, b_text, r_text) << " failed: ";
  if (b.capacity > 0)
    out << "capacity " << b.capacity << "/s < " << format::format_number("%.1f", rate) << "/s\n";
  else
    out << "no rate held\n";
  return out << breakpoint_text(b);
}

::testing::AssertionResult MeetsBaseline::operator()(const char* r, const ScenarioRun& run) const {
  const std::string text = std::string(macro) + "(" + r + ")";
  if (!run.scenario)
    return ::testing::AssertionFailure() << text << ": the run has no scenario; name one: " << macro << "(" << r
                                         << ", \"service.scenario\")";
  record_figures(run);
  return with_service(result(text, run.verdict), run);
}

::testing::AssertionResult MeetsBaseline::operator()(const char* r, const char* k, const ScenarioRun& run,
                                                     const std::string& key) const {
  if (run.scenario && run.scenario->key() != key)
    return ::testing::AssertionFailure() << call(macro, r, k) << ": the run is of scenario " << run.scenario->key()
                                         << ", not " << key;
  if (!run.scenario) return (*this)(r, k, static_cast<const AttackRun&>(run), key);
  record_figures(run);
  return with_service(result(call(macro, r, k), run.verdict), run);
}

::testing::AssertionResult MeetsBaseline::operator()(const char* r, const char* k, const AttackRun& run,
                                                     const std::string& key) const {
  record_figures(run);
  try {
    return result(call(macro, r, k), evaluate(run.metrics, find_scenario(key).criteria()));
  } catch (const InputError& e) {
    return ::testing::AssertionFailure() << call(macro, r, k) << ": bad baseline: " << e.what();
  }
}

::testing::AssertionResult MeetsBaseline::operator()(const char* b_text, const char* k, const Breakpoint& b,
                                                     const std::string& key) const {
  try {
    const Scenario& s = find_scenario(key);
    if (!s.search)
      return ::testing::AssertionFailure() << call(macro, b_text, k) << ": " << key << " is not a breakpoint scenario";
    return CapacityAtLeast{macro}(b_text, (key + ".search.min_capacity").c_str(), b, s.search->min_capacity);
  } catch (const InputError& e) {
    return ::testing::AssertionFailure() << call(macro, b_text, k) << ": bad baseline: " << e.what();
  }
}

::testing::AssertionResult NoRegression::operator()(const char* r, const ScenarioRun& run) const {
  const std::string text = std::string(macro) + "(" + r + ")";
  if (!run.scenario || !run.scenario->reference)
    return ::testing::AssertionFailure() << text << ": " << (run.scenario ? run.scenario->key() : "the run")
                                         << " has no reference to compare with (record one: LOADGATE_RECORD_BASELINES=1)";
  const Summary s = run.metrics.summarize(kind_for(run.metrics, run.scenario->thresholds.kind));
  Verdict v;
  v.checks = reference_checks(s, run.scenario->criteria(), run.trials);
  v.context = context_line(s);
  if (v.checks.empty())
    return ::testing::AssertionFailure() << text << ": " << run.scenario->key()
                                         << " has a reference but no tolerance to judge it with";
  ::testing::AssertionResult out = result(text, v);
  if (!out)
    for (const Check& c : v.checks)
      if (!c.pass) out << c.source << "\n";
  return out;
}

}  // namespace loadgate::gtest
