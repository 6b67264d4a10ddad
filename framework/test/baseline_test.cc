// baseline_test.cc: every validation error names the file and the key path.
#include "loadgate/baseline.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "loadgate/error.h"
#include "loadgate/gate.h"
#include "kit/results.h"

namespace loadgate {
namespace {

// A valid file with one scenario "s" whose pieces the table rows replace.
std::string file_with(const std::string& scenario_body, const std::string& top = "") {
  return "{\"service\": \"api\"," + top + " \"scenarios\": {\"s\": " + scenario_body + "}}";
}
const std::string kLoad = "\"load\": {\"rate\": \"10/1s\", \"duration\": \"30s\"}";
const std::string kThresholds = "\"thresholds\": {\"p99\": \"500ms\"}";

TEST(Baseline, ValidFileLoadsWithUnits) {
  auto f = parse_baseline(file_with("{\"tier\": \"heavy\", \"load\": {\"rate\": \"100/1s\", \"duration\": \"1m\", "
                                    "\"workers\": 4, \"timeout\": \"5s\"}, \"thresholds\": {\"p99\": \"500ms\", "
                                    "\"p99.9\": \"2s\", \"success\": 0.99, \"throughput\": 95, \"errors\": 3, "
                                    "\"window\": \"30s\"}}",
                                    " \"targets\": \"targets/api.txt\","),
                          "b.json");
  const Scenario& s = f.find("api.s");
  EXPECT_EQ(s.key(), "api.s");
  EXPECT_EQ(s.tier, "heavy");
  EXPECT_EQ(s.targets, "targets/api.txt");
  EXPECT_EQ(s.load.rate, "100/1s");
  const Load load = scenario_load(s);
  EXPECT_EQ(load.rate.pacer->describe(), "100/1s");
  EXPECT_EQ(load.duration, std::chrono::minutes(1));
  EXPECT_EQ(load.workers, 4);
  EXPECT_EQ(load.timeout, std::chrono::seconds(5));
  EXPECT_EQ(s.thresholds.latency.at("p99"), std::chrono::milliseconds(500));
  EXPECT_EQ(s.thresholds.latency.at("p99.9"), std::chrono::seconds(2));
  EXPECT_DOUBLE_EQ(*s.thresholds.success, 0.99);
  EXPECT_DOUBLE_EQ(*s.thresholds.throughput, 95);
  EXPECT_EQ(*s.thresholds.errors, 3u);
  EXPECT_EQ(*s.thresholds.window, std::chrono::seconds(30));
}

TEST(Baseline, ShippedBaselinesAreValid) {
  for (const char* name : {"api.json", "kernel.json", "ai.json", "websocket.json"}) {
    const BaselineFile f = load_baseline(std::string(LOADGATE_SOURCE_DIR) + "/baselines/" + name);
    EXPECT_FALSE(f.scenarios.empty()) << name;
  }
  // The seed's numbers, as shipped.
  const BaselineFile api = load_baseline(std::string(LOADGATE_SOURCE_DIR) + "/baselines/api.json");
  EXPECT_EQ(api.find("heavy").thresholds.latency.at("p99"), std::chrono::milliseconds(500));
  EXPECT_EQ(api.find("heavy").load.rate, "100/1s");
  EXPECT_EQ(api.find("medium").thresholds.latency.at("p99"), std::chrono::seconds(1));
  EXPECT_EQ(api.find("medium").load.rate, "50/1s");
  EXPECT_DOUBLE_EQ(*api.find("stress").thresholds.success, 0.8);
  EXPECT_EQ(api.find("stress").load.rate, "200/1s");
  EXPECT_EQ(scenario_load(api.find("light")).duration, std::chrono::seconds(30));
  EXPECT_EQ(scenario_load(api.find("soak")).duration, std::chrono::seconds(600));
}

struct BadRow {
  std::string text;
  std::string error;  // exact what()
};

class BaselineBad : public ::testing::TestWithParam<BadRow> {};

TEST_P(BaselineBad, ErrorNamesFileAndKeyPath) {
  try {
    parse_baseline(GetParam().text, "baselines/api.json");
    FAIL() << "accepted: " << GetParam().text;
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), GetParam().error);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, BaselineBad,
    ::testing::Values(
        BadRow{"{\"service\": \"api\",\n \"scenarios\": {,}}", "baselines/api.json:2: not valid JSON: syntax error while parsing object key - unexpected ','; expected string literal"},
        BadRow{"{\"scenarios\": {}}", "baselines/api.json: service: missing"},
        BadRow{"{\"service\": \"api\", \"scenarios\": {}}",
               "baselines/api.json: scenarios: want an object with at least one scenario"},
        BadRow{"{\"service\": \"api\", \"owner\": \"me\", \"scenarios\": {}}",
               "baselines/api.json: owner: unknown key (known: $schema, service, description, targets, scenarios, protocol, process)"},
        BadRow{file_with("{\"load\": {}, " + kThresholds + "}"),
               "baselines/api.json: scenarios.s.tier: missing (want one of light, medium, heavy, stress, soak, "
               "breakpoint)"},
        BadRow{file_with("{\"tier\": \"extreme\", " + kLoad + ", " + kThresholds + "}"),
               "baselines/api.json: scenarios.s.tier: \"extreme\" is not a tier (want light, medium, heavy, stress, "
               "soak, breakpoint)"},
        BadRow{file_with("{\"tier\": \"light\", " + kThresholds + "}"),
               "baselines/api.json: scenarios.s.load: missing"},
        BadRow{file_with("{\"tier\": \"light\", " + kLoad + "}"),
               "baselines/api.json: scenarios.s.thresholds: missing"},
        BadRow{file_with("{\"tier\": \"light\", \"lod\": {}, " + kLoad + ", " + kThresholds + "}"),
               "baselines/api.json: scenarios.s.lod: unknown key (known: tier, description, targets, load, thresholds, "
               "reference, tolerance, search, abort_after, protocol, process, journey, calibration, replay)"},
        BadRow{file_with("{\"tier\": \"light\", \"load\": {\"rate\": -5}, " + kThresholds + "}"),
               "baselines/api.json: scenarios.s.load.rate: must not be negative"},
        BadRow{file_with("{\"tier\": \"light\", \"load\": {\"rate\": \"-5/1s\"}, " + kThresholds + "}"),
               "baselines/api.json: scenarios.s.load.rate: \"-5/1s\": doesn't match the \"freq/duration\" format "
               "(i.e. 50/1s)"},
        BadRow{
            file_with("{\"tier\": \"light\", \"load\": {\"rate\": \"10/1s\", \"duration\": 30}, " + kThresholds + "}"),
            "baselines/api.json: scenarios.s.load.duration: want a duration string with its unit, e.g. \"500ms\""},
        BadRow{file_with("{\"tier\": \"light\", \"load\": {\"rate\": \"10/1s\", \"duration\": \"30 seconds\"}, " +
                         kThresholds + "}"),
               "baselines/api.json: scenarios.s.load.duration: \"30 seconds\" is not a duration (want e.g. 500ms, 30s, "
               "2m)"},
        BadRow{file_with("{\"tier\": \"light\", \"load\": {\"rate\": \"10/1s\", \"duration\": \"0s\"}, " + kThresholds +
                         "}"),
               "baselines/api.json: scenarios.s.load.duration: a load needs a duration or a request count"},
        BadRow{file_with("{\"tier\": \"light\", \"load\": {\"rate\": \"10/1s\", \"workers\": \"ten\"}, " + kThresholds +
                         "}"),
               "baselines/api.json: scenarios.s.load.workers: want an integer"},
        BadRow{file_with("{\"tier\": \"light\", \"load\": {\"rate\": \"0\"}, " + kThresholds + "}"),
               "baselines/api.json: scenarios.s.load.rate: rate 0 (the closed model) needs max_workers (or workers) > "
               "0: the number of workers sending back to back"},
        BadRow{file_with("{\"tier\": \"light\", \"load\": {\"rate\": \"0\", \"workers\": 0}, " + kThresholds + "}"),
               "baselines/api.json: scenarios.s.load.workers: must be at least 1, got 0"},
        BadRow{file_with("{\"tier\": \"light\", " + kLoad + ", \"thresholds\": {\"p99\": \"1s\"}, \"x\": 1e400}"),
               "baselines/api.json: not valid JSON: number overflow parsing '1e400'"},
        BadRow{file_with("{\"tier\": \"light\", " + kLoad + ", \"thresholds\": {\"p99\": 500}}"),
               "baselines/api.json: scenarios.s.thresholds.p99: want a duration string with its unit, e.g. \"500ms\""},
        BadRow{file_with("{\"tier\": \"light\", " + kLoad + ", \"thresholds\": {\"p99\": \"0s\"}}"),
               "baselines/api.json: scenarios.s.thresholds.p99: must be positive"},
        BadRow{file_with("{\"tier\": \"light\", " + kLoad + ", \"thresholds\": {\"success\": 99}}"),
               "baselines/api.json: scenarios.s.thresholds.success: is a ratio: want 0..1 (e.g. 0.99 for 99 %)"},
        BadRow{file_with("{\"tier\": \"light\", " + kLoad + ", \"thresholds\": {\"success\": \"99%\"}}"),
               "baselines/api.json: scenarios.s.thresholds.success: want a number"},
        BadRow{file_with("{\"tier\": \"light\", " + kLoad + ", \"thresholds\": {\"throughput\": -1}}"),
               "baselines/api.json: scenarios.s.thresholds.throughput: must not be negative"},
        BadRow{
            file_with("{\"tier\": \"light\", " + kLoad + ", \"thresholds\": {\"p98\": \"1s\"}}"),
            "baselines/api.json: scenarios.s.thresholds.p98: unknown key (known: p50, p90, p95, p99, p99.9, max, mean, "
            "success, throughput, rate, errors, late, uncorrected, generator, kind, window, first, phases, kinds, targets, "
            "resources)"},
        BadRow{file_with("{\"tier\": \"light\", " + kLoad + ", \"thresholds\": {\"phases\": {\"thinking\": {\"p99\": \"1s\"}}}}"),
               "baselines/api.json: scenarios.s.thresholds.phases.thinking: unknown phase (want connect, tls, sending, "
               "waiting or receiving)"},
        BadRow{file_with("{\"tier\": \"light\", " + kLoad + ", \"thresholds\": {\"phases\": {\"waiting\": {\"p98\": \"1s\"}}}}"),
               "baselines/api.json: scenarios.s.thresholds.phases.waiting.p98: unknown key (known: p50, p90, p95, p99, "
               "p99.9, max, mean)"},
        BadRow{file_with("{\"tier\": \"light\", " + kLoad + ", \"thresholds\": {\"phases\": {\"waiting\": {\"p99\": 50}}}}"),
               "baselines/api.json: scenarios.s.thresholds.phases.waiting.p99: want a duration string with its unit, "
               "e.g. \"500ms\""},
        BadRow{file_with("{\"tier\": \"light\", " + kLoad +
                         ", \"thresholds\": {\"targets\": {\"/health\": {\"phases\": {\"waiting\": {\"p99\": \"1s\"}}}}}}"),
               "baselines/api.json: scenarios.s.thresholds.targets./health.phases: phases are judged on the whole run (or "
               "a kind of it), not per target"},
        BadRow{file_with("{\"tier\": \"light\", " + kLoad + ", " + kThresholds + ", \"tolerance\": {\"p99\": 0.2}}"),
               "baselines/api.json: scenarios.s.tolerance: a tolerance needs a reference (record one with `loadgate "
               "baseline record`)"},
        BadRow{file_with("{\"tier\": \"light\", " + kLoad + ", " + kThresholds +
                         ", \"reference\": {\"p99\": \"4ms\"}, \"tolerance\": {\"p50\": 0.2}}"),
               "baselines/api.json: scenarios.s.tolerance.p50: the reference has no figure \"p50\""}));

// A scenario gates where the time went (#28): "phases": {"waiting": {"p99": "50ms"}}.
TEST(Baseline, PhaseLimitsAreRead) {
  auto f = parse_baseline(file_with("{\"tier\": \"light\", " + kLoad +
                                    ", \"thresholds\": {\"phases\": {\"waiting\": {\"p99\": \"50ms\", \"p50\": \"20ms\"}, "
                                    "\"connect\": {\"max\": \"1s\"}}}}"),
                          "b.json");
  const Thresholds& t = f.find("s").thresholds;
  EXPECT_EQ(t.phases.at("waiting").at("p99"), std::chrono::milliseconds(50));
  EXPECT_EQ(t.phases.at("waiting").at("p50"), std::chrono::milliseconds(20));
  EXPECT_EQ(t.phases.at("connect").at("max"), std::chrono::seconds(1));
}

TEST(Baseline, MissingScenarioListsTheKnownOnes) {
  auto f = parse_baseline(file_with("{\"tier\": \"light\", " + kLoad + ", " + kThresholds + "}"), "b.json");
  try {
    f.find("api.heavy");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "b.json: scenarios.heavy: no such scenario (known: s)");
  }
}

TEST(Baseline, RecordingAReferenceKeepsThresholds) {
  const std::string path = ::testing::TempDir() + "/lg_record.json";
  std::ofstream(path) << file_with("{\"tier\": \"light\", " + kLoad + ", " + kThresholds + "}");
  Metrics m;
  for (const Result& r : testing::synthetic_results(500)) m.add(r);
  record_reference(path, "s", reference_figures(m.summarize()));
  const BaselineFile f = load_baseline(path);
  const Scenario& s = f.find("s");
  ASSERT_TRUE(s.reference);
  EXPECT_EQ(s.thresholds.latency.at("p99"), std::chrono::milliseconds(500));  // untouched
  EXPECT_NEAR(s.reference->figures.at("p99"), static_cast<double>(m.summarize().latency.p99), 1000);
  EXPECT_DOUBLE_EQ(s.reference->figures.at("success"), 0.9);
  EXPECT_FALSE(s.reference->recorded_at.empty());
}

// Summaries of `n` trials whose p99 is `ms` x a fixed ±2 % pattern.
std::vector<Summary> trials_at(double ms, int n = 8) {
  std::vector<Summary> out;
  for (int i = 0; i < n; ++i) {
    Summary t;
    t.latency.p99 = static_cast<int64_t>(ms * 1e6 * (1 + 0.004 * ((i * 7) % 11 - 5)));
    t.success_ratio = 1;
    t.requests = 1000;
    out.push_back(t);
  }
  return out;
}

TEST(Baseline, ReferenceOfTrialsIsJudgedWithStatistics) {
  const std::string path = ::testing::TempDir() + "/lg_record_trials.json";
  std::ofstream(path) << file_with("{\"tier\": \"light\", " + kLoad + ", " + kThresholds + "}");
  std::vector<std::map<std::string, double>> recorded;
  for (const Summary& t : trials_at(2.6)) recorded.push_back(reference_figures(t));
  record_reference(path, "s", reference_figures(trials_at(2.6)[0]), recorded);
  // The tolerance is the user's: added to the recorded file.
  std::string text;
  {
    std::ifstream in(path);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto ref = text.find("\"reference\"");
  ASSERT_NE(ref, std::string::npos);
  text.insert(ref, "\"tolerance\": {\"p99\": 0.1}, ");
  const BaselineFile f = parse_baseline(text, path);
  const Scenario& s = f.find("s");
  ASSERT_TRUE(s.reference);
  ASSERT_EQ(s.reference->trials.at("p99").size(), 8u);

  struct Row {
    double new_ms;
    bool pass;
    const char* outcome;
  };
  for (const Row& row : {Row{2.6, true, "no change"}, Row{2.6 * 1.03, true, "no change"},
                         Row{2.6 * 1.15, false, "regression"}, Row{2.6 / 1.2, true, "improvement"}}) {
    const std::vector<Summary> run = trials_at(row.new_ms);
    const std::vector<Check> checks = reference_checks(run[0], s.criteria(), run);
    ASSERT_EQ(checks.size(), 1u);
    EXPECT_EQ(checks[0].name, "p99 regression");
    EXPECT_EQ(checks[0].pass, row.pass) << checks[0].line();
    EXPECT_NE(checks[0].source.find(std::string(": ") + row.outcome + " (Mann-Whitney U, 8 and 8 trials"),
              std::string::npos)
        << checks[0].source;
  }
  // A regression's evidence: the change, its interval, p and the tolerance.
  const std::vector<Summary> worse = trials_at(2.6 * 1.15);
  const std::string source = reference_checks(worse[0], s.criteria(), worse)[0].source;
  EXPECT_EQ(source.substr(0, 10), "p99 +15.0 ") << source;
  EXPECT_NE(source.find("], p = 1.6e-04, tolerance 10 %: regression"), std::string::npos) << source;
}

}  // namespace
}  // namespace loadgate
