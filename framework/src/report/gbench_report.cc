// gbench_report.cc: a run in Google Benchmark's JSON schema, for the tools that track benchmarks
// across commits (github-action-benchmark's "googlecpp", Google Benchmark's compare.py).
//
// One benchmark entry per figure that trends: "<name>/p50", "/p90", "/p99" and "/mean" with
// that latency as real_time (and cpu_time, which compare.py also reads) in microseconds, and
// one entry "<name>" whose user counters carry throughput, success, requests and rate. The
// iterations of every entry are the requests measured.
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "loadgate/report.h"

namespace loadgate {
namespace {

using ordered = nlohmann::ordered_json;

// MHz of the first CPU, from /proc/cpuinfo (0 when unknown).
double mhz() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("cpu MHz", 0) == 0) return std::atof(line.substr(line.find(':') + 1).c_str());
  return 0;
}

ordered context(const std::string& executable) {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  char date[64];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S%z", std::localtime(&now));
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  ordered c;
  c["date"] = date;
  c["host_name"] = host;
  c["executable"] = executable;
  c["num_cpus"] = std::thread::hardware_concurrency();
  c["mhz_per_cpu"] = static_cast<int>(mhz());
  c["cpu_scaling_enabled"] = false;
  c["caches"] = ordered::array();
  c["load_avg"] = {load[0], load[1], load[2]};
  c["library_build_type"] = "release";
  return c;
}

ordered entry(const std::string& name, uint64_t iterations, double micros) {
  ordered e;
  e["name"] = name;
  e["family_index"] = 0;
  e["per_family_instance_index"] = 0;
  e["run_name"] = name;
  e["run_type"] = "iteration";
  e["repetitions"] = 1;
  e["repetition_index"] = 0;
  e["threads"] = 1;
  e["iterations"] = iterations;
  e["real_time"] = micros;
  e["cpu_time"] = micros;
  e["time_unit"] = "us";
  return e;
}

}  // namespace

void write_gbench_report(std::ostream& out, const Metrics& m, const ReportOptions& o) {
  const Summary s = m.summarize(m.primary());
  const std::string name = !o.scenario.empty() ? o.scenario : o.info && !o.info->name.empty() ? o.info->name : "loadgate";
  ordered j;
  j["context"] = context("loadgate");
  ordered benchmarks = ordered::array();
  int family = 0;
  auto add = [&](ordered e) {
    e["family_index"] = family++;
    benchmarks.push_back(std::move(e));
  };
  ordered main = entry(name, s.requests, static_cast<double>(s.latency.mean) / 1e3);
  main["throughput"] = s.throughput;
  main["success"] = s.success_ratio;
  main["requests"] = s.requests;
  main["rate"] = s.rate;
  main["p50_us"] = static_cast<double>(s.latency.p50) / 1e3;
  main["p99_us"] = static_cast<double>(s.latency.p99) / 1e3;
  add(std::move(main));
  add(entry(name + "/mean", s.requests, static_cast<double>(s.latency.mean) / 1e3));
  add(entry(name + "/p50", s.requests, static_cast<double>(s.latency.p50) / 1e3));
  add(entry(name + "/p90", s.requests, static_cast<double>(s.latency.p90) / 1e3));
  add(entry(name + "/p99", s.requests, static_cast<double>(s.latency.p99) / 1e3));
  j["benchmarks"] = benchmarks;
  out << j.dump(2) << "\n";
}

}  // namespace loadgate
