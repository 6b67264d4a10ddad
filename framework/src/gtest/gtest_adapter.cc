// gtest_adapter.cc: predicate-formatters behind the PERF_* macros.
#include <cstdio>

#include "loadgate/error.h"
#include "loadgate/gtest.h"

namespace loadgate::gtest {
namespace {

// The standard failure text for a macro's verdict; every measured figure is recorded.
::testing::AssertionResult result(const char* macro, const char* run_text, const char* limit_text, const Verdict& v) {
  for (const Check& c : v.checks) ::testing::Test::RecordProperty("perf." + c.name, c.measured_text());
  if (v.pass()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << macro << "(" << run_text << ", " << limit_text << ") failed: " << v.failures()
                                       << " of " << v.checks.size() << " checks\n"
                                       << v.table();
}

::testing::AssertionResult with(const char* macro, const char* r, const char* l, const AttackRun& run,
                                const Thresholds& t) {
  return result(macro, r, l, evaluate(run.metrics, t));  // the limit is in the macro's own text
}

}  // namespace

void record_figures(const AttackRun& run) {
  const Summary s = run.metrics.summarize();
  auto prop = [](const std::string& k, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    ::testing::Test::RecordProperty("perf." + k, buf);
  };
  prop("requests", static_cast<double>(s.requests));
  prop("rate", s.rate);
  prop("throughput", s.throughput);
  prop("success", s.success_ratio);
  prop("p50_ms", static_cast<double>(s.latency.p50) / 1e6);
  prop("p99_ms", static_cast<double>(s.latency.p99) / 1e6);
  prop("p99_uncorrected_ms", static_cast<double>(s.uncorrected.p99) / 1e6);
  prop("late", static_cast<double>(s.late));
}

::testing::AssertionResult LatencyBelow(const char* r, const char* l, const char* macro, const AttackRun& run,
                                        Nanos limit, double percentile) {
  Thresholds t;
  std::optional<Nanos>* field = percentile >= 100    ? &t.max
                                : percentile >= 99.9 ? &t.p999
                                : percentile >= 99   ? &t.p99
                                : percentile >= 95   ? &t.p95
                                : percentile >= 90   ? &t.p90
                                                     : &t.p50;
  *field = limit;
  return with(macro, r, l, run, t);
}

::testing::AssertionResult P50Below(const char* r, const char* l, const AttackRun& run, Nanos limit) {
  return LatencyBelow(r, l, "PERF_P50_LT", run, limit, 50);
}
::testing::AssertionResult P90Below(const char* r, const char* l, const AttackRun& run, Nanos limit) {
  return LatencyBelow(r, l, "PERF_P90_LT", run, limit, 90);
}
::testing::AssertionResult P95Below(const char* r, const char* l, const AttackRun& run, Nanos limit) {
  return LatencyBelow(r, l, "PERF_P95_LT", run, limit, 95);
}
::testing::AssertionResult P99Below(const char* r, const char* l, const AttackRun& run, Nanos limit) {
  return LatencyBelow(r, l, "PERF_P99_LT", run, limit, 99);
}
::testing::AssertionResult P999Below(const char* r, const char* l, const AttackRun& run, Nanos limit) {
  return LatencyBelow(r, l, "PERF_P999_LT", run, limit, 99.9);
}
::testing::AssertionResult MaxBelow(const char* r, const char* l, const AttackRun& run, Nanos limit) {
  return LatencyBelow(r, l, "PERF_MAX_LT", run, limit, 100);
}

::testing::AssertionResult SuccessAtLeast(const char* r, const char* l, const AttackRun& run, double ratio) {
  Thresholds t;
  t.success = ratio;
  return with("PERF_SUCCESS_AT_LEAST", r, l, run, t);
}

::testing::AssertionResult ThroughputAtLeast(const char* r, const char* l, const AttackRun& run, double per_second) {
  Thresholds t;
  t.throughput = per_second;
  return with("PERF_THROUGHPUT_AT_LEAST", r, l, run, t);
}

::testing::AssertionResult ErrorsAtMost(const char* r, const char* l, const AttackRun& run, uint64_t count) {
  Thresholds t;
  t.errors = count;
  return with("PERF_ERRORS_AT_MOST", r, l, run, t);
}

::testing::AssertionResult CapacityAtLeast(const char* b_text, const char* r_text, const Breakpoint& b, double rate) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", b.capacity);
  ::testing::Test::RecordProperty("perf.capacity", buf);
  if (b.capacity >= rate) return ::testing::AssertionSuccess();
  std::snprintf(buf, sizeof buf, "%.1f", rate);
  return ::testing::AssertionFailure() << "PERF_CAPACITY_AT_LEAST(" << b_text << ", " << r_text << ") failed: capacity "
                                       << b.capacity << "/s < " << buf << "/s\n"
                                       << breakpoint_text(b);
}

::testing::AssertionResult MeetsBaseline(const char* r, const char* l, const AttackRun& run, const std::string& key) {
  record_figures(run);
  try {
    return result("PERF_BASELINE", r, l, evaluate(run.metrics, find_scenario(key)));
  } catch (const InputError& e) {
    return ::testing::AssertionFailure() << "PERF_BASELINE(" << r << ", " << l << "): bad baseline: " << e.what();
  }
}

}  // namespace loadgate::gtest
