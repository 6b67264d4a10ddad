// microbench.cc: Google Benchmark microbenchmarks of the engine's hot path: what every request
// costs the generator besides its I/O. Run by ci/microbench, never by ci/test; a change that makes
// one of them 20 % slower is visible in review (figures in the README).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <random>

#include "loadgate/dashboard.h"
#include "loadgate/histogram.h"
#include "loadgate/interner.h"
#include "loadgate/metrics.h"
#include "loadgate/pacer.h"
#include "loadgate/results_file.h"
#include "protocol/http/h2_session.h"
#include "protocol/http/request.h"

namespace {

using namespace loadgate;

std::vector<int64_t> latencies(size_t n) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> d(13, 1.5);  // ~440 us median, a long tail
  std::vector<int64_t> out(n);
  for (auto& v : out) v = static_cast<int64_t>(d(rng));
  return out;
}

Result result(int64_t latency, uint32_t target) {
  Result r;
  r.scheduled_ns = 1'800'000'000'000'000'000;
  r.send_delay_ns = 20'000;
  r.latency_ns = latency;
  r.first_ns = latency / 2;
  r.bytes_in = 512;
  r.status = 200;
  r.target = target;
  return r;
}

void BM_HistogramRecord(benchmark::State& state) {
  Histogram h;
  const auto v = latencies(4096);
  size_t i = 0;
  for (auto _ : state) h.record(v[i++ & 4095]);
  benchmark::DoNotOptimize(h.count());
}
BENCHMARK(BM_HistogramRecord);

void BM_HistogramMerge(benchmark::State& state) {
  Histogram a, b;
  for (int64_t v : latencies(100000)) b.record(v);
  for (auto _ : state) a.merge(b);
  benchmark::DoNotOptimize(a.count());
}
BENCHMARK(BM_HistogramMerge);

void BM_PacerDue(benchmark::State& state, const char* spec) {
  const RateSpec r = parse_rate(spec, std::chrono::seconds(60));
  uint64_t n = 0;
  for (auto _ : state) benchmark::DoNotOptimize(r.pacer->due(n++));
}
BENCHMARK_CAPTURE(BM_PacerDue, constant, "50000/1s");
BENCHMARK_CAPTURE(BM_PacerDue, ramp, "10..50000@60s");
BENCHMARK_CAPTURE(BM_PacerDue, sine, "sine:1000:500:10s");

// Done once per target before an attack, and once per redirect during it.
void BM_BuildRequest(benchmark::State& state) {
  const Url url = *parse_url("http://127.0.0.1:8000/api/items?page=2");
  const std::vector<Header> headers = {{"Accept", "application/json"}, {"X-Account-ID", "8675309"}};
  const std::string body = R"({"name":"gift card","price":25})";
  for (auto _ : state) benchmark::DoNotOptimize(http::build_request("POST", url, headers, body, true, false));
}
BENCHMARK(BM_BuildRequest);

void BM_BuildH2Request(benchmark::State& state) {
  const Url url = *parse_url("https://127.0.0.1:8443/api/items?page=2");
  const std::vector<Header> headers = {{"Accept", "application/json"}, {"X-Account-ID", "8675309"}};
  for (auto _ : state) benchmark::DoNotOptimize(http::H2Request::make("POST", url, headers));
}
BENCHMARK(BM_BuildH2Request);

void BM_MetricsAdd(benchmark::State& state) {
  Metrics m;
  const uint32_t target = intern("GET http://127.0.0.1:8000/api/items");
  const auto v = latencies(4096);
  size_t i = 0;
  for (auto _ : state) m.add(result(v[i++ & 4095], target));
  benchmark::DoNotOptimize(m.count());
}
BENCHMARK(BM_MetricsAdd);

// What the live dashboard adds on the collector's thread: its sink's tally of a batch of 1024
// results (as the collector hands them), per result. Its frames are timed apart (0.34-0.45 ms a
// second at 30,000 results/s: README "The live dashboard").
void BM_DashboardSink(benchmark::State& state) {
  Dashboard d("127.0.0.1:0");
  AttackOptions o;
  auto sink = d.attach(o);
  AttackInfo info;
  sink->header(info);
  const uint32_t target = intern("GET http://127.0.0.1:8000/api/items");
  const auto v = latencies(1024);
  std::vector<Result> batch;
  for (int64_t l : v) {
    Result r = result(l, target);
    r.set_sending_ns(20'000);  // an HTTP request that timed its phases
    batch.push_back(r);
  }
  for (auto _ : state) sink->results(batch.data(), batch.size());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 1024);
}
BENCHMARK(BM_DashboardSink);

// Results written by the sink's thread: binary frames, and Vegeta's JSON.
void BM_EncodeBinary(benchmark::State& state) {
  std::FILE* out = std::fopen("/dev/null", "wb");
  ResultWriter w(out, Encoding::kBinary);
  std::vector<Result> batch(1024, result(500'000, intern("GET http://127.0.0.1:8000/")));
  for (auto _ : state) w.write(batch.data(), batch.size());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 1024);
  std::fclose(out);
}
BENCHMARK(BM_EncodeBinary);

void BM_EncodeJson(benchmark::State& state) {
  const Result r = result(500'000, intern("GET http://127.0.0.1:8000/"));
  for (auto _ : state) benchmark::DoNotOptimize(encode_json(r, "bench", 7));
}
BENCHMARK(BM_EncodeJson);

void BM_DecodeBinary(benchmark::State& state) {
  char* buf = nullptr;
  size_t size = 0;
  std::FILE* mem = open_memstream(&buf, &size);
  {
    ResultWriter w(mem, Encoding::kBinary);
    std::vector<Result> batch(4096, result(500'000, intern("GET http://127.0.0.1:8000/")));
    w.write(batch.data(), batch.size());
    w.flush();
  }
  std::fclose(mem);
  for (auto _ : state) {
    std::FILE* in = fmemopen(buf, size, "rb");
    ResultReader reader(in, "bench");
    Result r;
    uint64_t n = 0;
    while (reader.next(r)) ++n;
    std::fclose(in);
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 4096);
  std::free(buf);
}
BENCHMARK(BM_DecodeBinary);

}  // namespace

BENCHMARK_MAIN();
