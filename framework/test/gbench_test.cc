// gbench_test.cc: `report -type=gbench` is Google Benchmark's JSON: the keys its own output has,
// and Google Benchmark's compare.py (Debian's libbenchmark-tools) reads two runs of it.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "loadgate/interner.h"
#include "loadgate/report.h"

namespace loadgate {
namespace {

Metrics run_of(int64_t base_ns) {
  Metrics m;
  for (int i = 0; i < 1000; ++i) {
    Result r;
    r.target = intern("GET http://h/");
    r.status = 200;
    r.scheduled_ns = 1'800'000'000'000'000'000 + i * 10'000'000LL;
    r.latency_ns = base_ns + (i % 100) * 1000;
    m.add(r);
  }
  return m;
}

std::string gbench(const Metrics& m) {
  std::ostringstream out;
  ReportOptions o;
  o.scenario = "api.heavy";
  write_gbench_report(out, m, o);
  return out.str();
}

TEST(Gbench, HasGoogleBenchmarksSchema) {
  const auto j = nlohmann::json::parse(gbench(run_of(1'000'000)));
  for (const char* key : {"date", "host_name", "executable", "num_cpus", "mhz_per_cpu", "cpu_scaling_enabled", "caches",
                          "load_avg", "library_build_type"})
    EXPECT_TRUE(j["context"].contains(key)) << key;
  ASSERT_EQ(j["benchmarks"].size(), 5u);
  for (const auto& b : j["benchmarks"]) {
    for (const char* key : {"name", "run_name", "run_type", "repetitions", "threads", "iterations", "real_time",
                            "cpu_time", "time_unit"})
      EXPECT_TRUE(b.contains(key)) << key;
    EXPECT_EQ(b["run_type"], "iteration");
    EXPECT_EQ(b["time_unit"], "us");
    EXPECT_EQ(b["iterations"], 1000);
  }
  EXPECT_EQ(j["benchmarks"][0]["name"], "api.heavy");
  EXPECT_DOUBLE_EQ(j["benchmarks"][0]["success"].get<double>(), 1.0);
  EXPECT_EQ(j["benchmarks"][4]["name"], "api.heavy/p99");
  EXPECT_NEAR(j["benchmarks"][4]["real_time"].get<double>(), 1099.0, 1.1) << "p99 of 1.000..1.099 ms, in us";
}

TEST(Gbench, ComparePyReadsTwoRuns) {
  const char* compare = "/usr/share/benchmark/compare.py";
  ASSERT_EQ(access(compare, R_OK), 0) << "libbenchmark-tools is installed by ci/install-deps";
  const std::string a = ::testing::TempDir() + "gbench_a.json", b = ::testing::TempDir() + "gbench_b.json";
  std::ofstream(a) << gbench(run_of(1'000'000));
  std::ofstream(b) << gbench(run_of(1'500'000));  // 50 % slower
  const std::string cmd = std::string("/usr/bin/python3 ") + compare + " benchmarks " + a + " " + b + " 2>&1";
  std::FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  EXPECT_EQ(pclose(p), 0) << out;
  EXPECT_NE(out.find("api.heavy/p99"), std::string::npos) << out;
  EXPECT_NE(out.find("+0.4"), std::string::npos) << "the p99 grew by 45 %: " << out;
}

}  // namespace
}  // namespace loadgate
