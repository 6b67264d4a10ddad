// gate_test.cc: the verdict table: checks, sources, windows, regression and no-data rules.
#include "loadgate/gate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "kit/results.h"

namespace loadgate {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

Metrics synthetic(int n = 1000) {
  Metrics m;
  for (const Result& r : testing::synthetic_results(n)) m.add(r);
  return m;
}

TEST(Gate, VerdictTableOneLinePerCheck) {
  Thresholds t;
  t.latency["p99"] = milliseconds(2);
  t.success = 0.85;
  const Verdict v = evaluate(synthetic(), t, "b.json: scenarios.x.thresholds");
  EXPECT_FALSE(v.pass());
  EXPECT_EQ(v.failures(), 1u);
  EXPECT_EQ(v.table(),
            "FAIL  p99        measured 5.01ms  limit < 2.00ms   (b.json: scenarios.x.thresholds.p99)\n"
            "ok    success    measured 90.00%  limit >= 85.00%  (b.json: scenarios.x.thresholds.success)\n"
            "ok    requests   measured 1000    limit >= 1       (measured something)\n"
            "ok    successes  measured 900     limit >= 1       (the service answered)\n"
            "context: 1000 requests at 100.12/s, success 90.00%, p50 3.12ms, p99 5.01ms, late 11, "
            "top error: 500 Internal Server Error (x80)\n");
}

struct Row {
  const char* what;
  Thresholds t;
  bool pass;
};

Thresholds with(void (*set)(Thresholds&)) {
  Thresholds t;
  set(t);
  return t;
}

class GateRows : public ::testing::TestWithParam<Row> {};

TEST_P(GateRows, PassOrFail) {
  EXPECT_EQ(evaluate(synthetic(), GetParam().t).pass(), GetParam().pass) << GetParam().what;
}

INSTANTIATE_TEST_SUITE_P(
    Table, GateRows,
    ::testing::Values(
        Row{"p50 below", with([](Thresholds& t) { t.latency["p50"] = milliseconds(4); }), true},
        Row{"p50 exactly at the limit fails (strict)", with([](Thresholds& t) { t.latency["p50"] = Nanos(3'117'055); }), false},
        Row{"p99 uncorrected is lower", with([](Thresholds& t) {
              t.latency["p99"] = Nanos(5'000'000);
              t.uncorrected = true;
            }),
            true},
        Row{"p99 corrected is not", with([](Thresholds& t) { t.latency["p99"] = Nanos(5'000'000); }), false},
        Row{"mean", with([](Thresholds& t) { t.latency["mean"] = milliseconds(3); }), false},
        Row{"success at the limit passes (inclusive)", with([](Thresholds& t) { t.success = 0.9; }), true},
        Row{"throughput", with([](Thresholds& t) { t.throughput = 100; }), false},
        Row{"rate", with([](Thresholds& t) { t.rate = 100; }), true},
        Row{"errors at most", with([](Thresholds& t) { t.errors = 100; }), true},
        Row{"errors over", with([](Thresholds& t) { t.errors = 99; }), false},
        Row{"late ratio", with([](Thresholds& t) { t.late = 0.01; }), false},
        Row{"unknown kind has no data", with([](Thresholds& t) { t.kind = "grpc"; }), false}));

// Phases are gated as latencies are (#28): each limit a check named by its phase, passing or
// failing on the phase's own histogram; a run without phases (not HTTP) fails the check, never
// passes it.
TEST(Gate, PhaseLimitsJudgeTheirPhase) {
  Metrics m;
  for (int i = 0; i < 100; ++i) {
    Result r;
    r.kind = Kind::kHttp;
    r.scheduled_ns = 1'000'000'000 + i * 10'000'000LL;
    r.latency_ns = 30'000'000;
    r.first_ns = 20'000'000;  // waiting 20 ms less sending
    r.set_sending_ns(10'000);
    r.status = 200;
    m.add(r, ConnectPhases{i < 10 ? 100'000 : 0, 0});
  }
  Thresholds t;
  t.phases["waiting"]["p99"] = milliseconds(25);
  t.phases["receiving"]["p50"] = milliseconds(5);
  const Verdict v = evaluate(m, t, "b.json: s.thresholds");
  ASSERT_EQ(v.checks.size(), 4u);
  EXPECT_EQ(v.checks[0].name, "receiving p50");
  EXPECT_FALSE(v.checks[0].pass) << "10 ms of receiving";
  EXPECT_EQ(v.checks[0].source, "b.json: s.thresholds.phases.receiving.p50");
  EXPECT_EQ(v.checks[1].name, "waiting p99");
  EXPECT_TRUE(v.checks[1].pass) << v.checks[1].line();
  EXPECT_NEAR(v.checks[1].measured, 19'990'000, 20'000);

  Metrics grpc;
  for (Result r : testing::synthetic_results(10)) {
    r.kind = Kind::kGrpcUnary;
    grpc.add(r);
  }
  const Verdict none = evaluate(grpc, t, "b.json: s.thresholds");
  EXPECT_FALSE(none.pass()) << none.table();
}

TEST(Gate, WindowsCatchALateCollapse) {
  // 60 s at 10 req/s: 1 ms for 56 s, then 800 ms. The whole-run p90 looks fine; the per-window
  // check fails and names the window that broke.
  Metrics m;
  Result r;
  r.status = 200;
  for (int i = 0; i < 600; ++i) {
    r.scheduled_ns = 1'000'000'000'000 + int64_t{i} * 100'000'000;
    r.latency_ns = i < 560 ? 1'000'000 : 800'000'000;
    m.add(r);
  }
  Thresholds whole;
  whole.latency["p90"] = milliseconds(500);
  EXPECT_TRUE(evaluate(m, whole).pass()) << "93 % of the run is fast";
  Thresholds windowed = whole;
  windowed.window = seconds(10);
  const Verdict v = evaluate(m, windowed);
  EXPECT_FALSE(v.pass());
  ASSERT_GE(v.checks.size(), 2u);
  EXPECT_EQ(v.checks[1].name, "p90 in window 50s..1m0s");
  EXPECT_FALSE(v.checks[1].pass);
}

TEST(Gate, TargetsAreGatedOneByOne) {
  Thresholds t;
  Thresholds health;
  health.latency["p99"] = std::chrono::milliseconds(6);
  health.success = 0.99;
  t.targets["/health"] = health;               // the end of the label
  t.targets["GET http://nowhere/x"] = health;  // no such target
  const Verdict v = evaluate(synthetic(), t, "b.json: scenarios.x.thresholds");
  ASSERT_EQ(v.checks.size(), 5u);
  EXPECT_EQ(v.checks[0].name, "/health p99");
  EXPECT_TRUE(v.checks[0].pass);
  EXPECT_EQ(v.checks[1].name, "/health success");
  EXPECT_FALSE(v.checks[1].pass);  // i % 10 == 9 fails; 1/3 of those hit /health
  EXPECT_EQ(v.checks[1].source, "b.json: scenarios.x.thresholds.targets./health.success");
  EXPECT_EQ(v.checks[2].name, "GET http://nowhere/x requests");
  EXPECT_FALSE(v.checks[2].pass);
}

TEST(Gate, ResourcePeaksOfMonitoredProcesses) {
  Metrics m = synthetic();
  Sample s;
  s.role = "sut";
  s.rss_bytes = 300u << 20;
  s.cpu_percent = 80;
  s.fds = 100;
  m.add_sample(s);
  Thresholds t;
  t.resources["sut"].rss_bytes = 256u << 20;
  t.resources["sut"].cpu_percent = 90;
  t.resources["generator"].fds = 10;
  const Verdict v = evaluate(m, t);
  ASSERT_EQ(v.checks.size(), 5u);
  EXPECT_EQ(v.checks[0].line(),
            "FAIL generator samples  measured 0  limit >= 1  (resources.generator (was it monitored?))");
  EXPECT_FALSE(v.checks[0].pass);
  EXPECT_EQ(v.checks[1].name, "sut peak rss MB");
  EXPECT_FALSE(v.checks[1].pass);
  EXPECT_DOUBLE_EQ(v.checks[1].measured, 300);
  EXPECT_TRUE(v.checks[2].pass);
}

// The "generator cpu" check counts the CPU that went to load: a thread that busy-polled with
// nothing to do (GeneratorStats::polled_ns) shows a full core without being saturated.
TEST(Gate, GeneratorCpuLeavesOutIdlePolling) {
  struct {
    double cpu_percent;  // the generator's sampled CPU (100 = one core)
    double polled;       // share of its thread's time spent polling idle
    bool pass;
    const char* warning;  // start of generator_warning(), "" for none
  } rows[] = {
      {99, 0, false, "generator fell behind: 99 % CPU of its 1 thread"},
      {99, 0.30, true, ""},  // 69 % went to load
      {99, 0.03, false, "generator fell behind: 96 % CPU"},
      {50, 0, true, ""},
      {40, 0.60, true, ""},  // never below zero
  };
  for (const auto& row : rows) {
    Metrics m = synthetic();
    Sample s;
    s.role = "generator";
    s.cpu_percent = row.cpu_percent;
    m.add_sample(s);
    GeneratorStats g;
    g.scheduled = 1000;
    g.threads = 1;
    g.ran_ns = 1'000'000'000;
    g.polled_ns = static_cast<int64_t>(row.polled * 1e9);
    m.add_generator(g);
    Verdict v;
    generator_checks(m, v, /*delay_counted=*/false);  // the check itself, never excused
    ASSERT_EQ(v.checks.size(), 2u);
    EXPECT_EQ(v.checks[1].name, "generator cpu");
    EXPECT_EQ(v.checks[1].pass, row.pass) << row.cpu_percent << " % polled " << row.polled;
    EXPECT_NEAR(v.checks[1].measured, std::max(0.0, row.cpu_percent / 100 - row.polled), 1e-9);
    EXPECT_EQ(generator_warning(m).rfind(row.warning, 0), 0u) << generator_warning(m);
    if (row.warning[0] == 0) {
      EXPECT_EQ(generator_warning(m), "");
    }
  }
}

// A generator that fell behind fails the run only where its delay may explain it: latency gated
// uncorrected, hits dropped, or a failed check that passes without the delay (the run is then
// measured again). A run that passed everything with the delay counted passes, warned, and so
// does the generator beside a failure that stands without its delay (the service's own).
TEST(Gate, LateGeneratorFailsOnlyARunItCouldFlatter) {
  struct {
    const char* what;
    uint64_t late;       // of 1000 scheduled hits, sent late by the generator itself
    int64_t delay_ms;    // every hit's send delay; latency is 10 ms from the scheduled send
    int64_t p99_ms;      // the one latency threshold
    bool uncorrected;    // gated on latency from the actual send
    int dropped;         // hits never sent
    bool pass;           // the verdict
    const char* state;   // of the "generator" check
  } rows[] = {
      {"on time", 5, 0, 1000, false, 0, true, "ok"},
      {"late, everything else passed with the delay counted", 40, 0, 1000, false, 0, true, "warn"},
      {"late, and p99 failed by the delay: 10 ms, 2 ms without it", 40, 8, 5, false, 0, false, "FAIL"},
      {"late, and p99 failed without the delay too: the service's failure", 40, 0, 5, false, 0, false, "warn"},
      {"late, p99 uncorrected: the delay is left out", 40, 0, 1000, true, 0, false, "FAIL"},
      {"late, and hits dropped: the load was not sent", 40, 0, 1000, false, 3, false, "FAIL"},
      {"on time, p99 failed: the service's failure", 5, 0, 5, false, 0, false, "ok"},
  };
  for (const auto& row : rows) {
    Metrics m;
    const int64_t start = testing::synthetic_results(1)[0].scheduled_ns;
    for (int i = 0; i < 1000; ++i)
      m.add(testing::Hit().at(start + i * 10'000'000LL).late(row.delay_ms * 1'000'000).took(10'000'000));
    for (int i = 0; i < row.dropped; ++i) m.add(testing::Hit().at(start).status(0).failed(ErrorKind::kDropped));
    GeneratorStats g;
    g.scheduled = 1000;
    g.late = row.late;
    g.threads = 1;
    m.add_generator(g);
    Thresholds t;
    t.uncorrected = row.uncorrected;
    t.latency["p99"] = milliseconds(row.p99_ms);
    const Verdict v = evaluate(m, t);
    EXPECT_EQ(v.pass(), row.pass) << row.what << "\n" << v.table();
    const auto c = std::find_if(v.checks.begin(), v.checks.end(), [](const Check& c) { return c.name == "generator"; });
    ASSERT_NE(c, v.checks.end()) << row.what;
    EXPECT_STREQ(c->state(), row.state) << row.what << "\n" << v.table();
    EXPECT_NEAR(c->measured, static_cast<double>(row.late) / 1000, 1e-12) << row.what;
  }
}

TEST(Gate, ReferenceFiguresAndContext) {
  const Summary s = synthetic().summarize();
  auto f = reference_figures(s);
  EXPECT_EQ(f.size(), 8u);
  EXPECT_DOUBLE_EQ(f.at("success"), 0.9);
  EXPECT_DOUBLE_EQ(f.at("p99"), static_cast<double>(s.latency.p99));
  EXPECT_EQ(find_figure("p42"), nullptr);
}

}  // namespace
}  // namespace loadgate
