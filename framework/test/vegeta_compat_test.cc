// vegeta_compat_test.cc: loadgate reads what Vegeta v12.11.1 wrote (gob, JSON and CSV results
// of one run, in data/vegeta/) and reports what Vegeta reported of it: counts, status codes,
// errors, bytes and times exactly; percentiles exact by nearest rank, where Vegeta's are
// estimates that must lie between the neighbouring order statistics. And the reverse: loadgate's
// JSON results carry Vegeta's schema, field for field.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "loadgate/metrics.h"
#include "loadgate/report.h"
#include "loadgate/results_file.h"
#include "kit/read_back.h"
#include "kit/slurp.h"

namespace loadgate {
namespace {

using loadgate::testing::slurp;

const std::string kDir = LOADGATE_TEST_DIR "/data/vegeta/";


// Vegeta's own JSON report of the run.
const nlohmann::json& vegeta_report() {
  static const nlohmann::json j = nlohmann::json::parse(slurp(kDir + "report.json"));
  return j;
}

// The exact latencies of the run, from Vegeta's JSON results (ns), sorted.
std::vector<int64_t> exact_latencies() {
  std::vector<int64_t> out;
  std::istringstream in(slurp(kDir + "results.json"));
  std::string line;
  while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line)["latency"].get<int64_t>());
  std::sort(out.begin(), out.end());
  return out;
}

// Lines of a text report with trailing spaces cut (Vegeta's tabwriter leaves them).
std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) {
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out.push_back(l);
  }
  return out;
}

// Column `k` (from 0) of a CSV row without quoted commas.
std::string csv_column(const std::string& row, size_t k) {
  size_t at = 0;
  for (size_t i = 0; i < k; ++i) at = row.find(',', at) + 1;
  return row.substr(at, row.find(',', at) - at);
}

class Vegeta : public ::testing::TestWithParam<const char*> {
 protected:
  Metrics read() const {
    Metrics m;
    read_metrics({kDir + GetParam()}, m);
    return m;
  }
};

TEST_P(Vegeta, CountsCodesErrorsBytesAndTimesAreExact) {
  const Summary s = read().summarize();
  const nlohmann::json& v = vegeta_report();
  EXPECT_EQ(s.requests, v["requests"].get<uint64_t>());
  EXPECT_DOUBLE_EQ(s.success_ratio, v["success"].get<double>());
  EXPECT_EQ(s.bytes_in, v["bytes_in"]["total"].get<uint64_t>());
  EXPECT_DOUBLE_EQ(s.bytes_in_mean, v["bytes_in"]["mean"].get<double>());
  EXPECT_EQ(s.bytes_out, v["bytes_out"]["total"].get<uint64_t>());
  EXPECT_DOUBLE_EQ(s.bytes_out_mean, v["bytes_out"]["mean"].get<double>());
  std::map<std::string, uint64_t> codes;
  for (auto& [k, n] : v["status_codes"].items()) codes[k] = n.get<uint64_t>();
  EXPECT_EQ(s.status_codes, codes);
  EXPECT_EQ(s.errors, v["errors"].get<std::vector<std::string>>());
  EXPECT_EQ(s.duration.count(), v["duration"].get<int64_t>());
  EXPECT_EQ(s.wait.count(), v["wait"].get<int64_t>());
  EXPECT_NEAR(s.rate, v["rate"].get<double>(), 1e-9 * s.rate);
  EXPECT_NEAR(s.throughput, v["throughput"].get<double>(), 1e-9 * s.throughput);
  const nlohmann::json& l = v["latencies"];
  EXPECT_EQ(s.latency.total, l["total"].get<int64_t>());
  EXPECT_EQ(s.latency.mean, l["mean"].get<int64_t>());
  EXPECT_EQ(s.latency.min, l["min"].get<int64_t>());
  EXPECT_EQ(s.latency.max, l["max"].get<int64_t>());
}

TEST_P(Vegeta, PercentilesAreExactWhereVegetasAreEstimates) {
  const Summary s = read().summarize();
  const std::vector<int64_t> sorted = exact_latencies();
  const nlohmann::json& l = vegeta_report()["latencies"];
  struct Row {
    double p;
    int64_t ours;
    const char* key;
  } rows[] = {{50, s.latency.p50, "50th"}, {90, s.latency.p90, "90th"}, {95, s.latency.p95, "95th"},
              {99, s.latency.p99, "99th"}};
  for (const Row& r : rows) {
    const size_t rank = static_cast<size_t>(std::ceil(r.p / 100 * static_cast<double>(sorted.size())));
    const int64_t exact = sorted[rank - 1];
    EXPECT_GE(r.ours, exact) << r.key << ": never below the true value";
    EXPECT_LE(r.ours, exact + exact / 1000) << r.key << ": within 0.1 %";
    const int64_t theirs = l[r.key].get<int64_t>();
    EXPECT_GE(theirs, sorted[rank >= 2 ? rank - 2 : 0]) << r.key << ": Vegeta's estimate";
    EXPECT_LE(theirs, sorted[std::min(rank, sorted.size() - 1)]) << r.key << ": Vegeta's estimate";
  }
}

TEST_P(Vegeta, TextReportHasVegetasLines) {
  std::ostringstream out;
  write_text_report(out, read(), ReportOptions{});
  const std::vector<std::string> ours = lines(out.str());
  for (const std::string& theirs : lines(slurp(kDir + "report.txt"))) {
    if (theirs.rfind("Latencies", 0) == 0) continue;  // estimates; checked above
    EXPECT_NE(std::find(ours.begin(), ours.end(), theirs), ours.end()) << "missing: " << theirs << "\n" << out.str();
  }
}

TEST_P(Vegeta, HistogramReportIsVegetas) {
  HistBuckets hist("hist[0,1ms,10ms]");
  read_results({kDir + GetParam()}, [&](const Result& r) { hist.add(r); });
  std::ostringstream out;
  hist.write(out);
  EXPECT_EQ(lines(out.str()), lines(slurp(kDir + "report-hist.txt")));
}

INSTANTIATE_TEST_SUITE_P(EveryEncoding, Vegeta, ::testing::Values("results.gob", "results.json", "results.csv"));

// Each result of the gob file, written as loadgate's JSON, is Vegeta's own JSON line: the same
// keys in the same order, the same values (the response headers too, as a map: Vegeta's order
// of them is random), and loadgate's extra keys after them.
TEST(VegetaJson, EncodeWritesVegetasSchemaFieldForField) {
  std::vector<std::string> ours;
  std::string body, attack, headers;
  ResultWriter* w = nullptr;
  char* buf = nullptr;
  size_t size = 0;
  std::FILE* mem = open_memstream(&buf, &size);
  {
    ResultWriter writer(mem, Encoding::kJson);
    w = &writer;
    read_results(
        {kDir + "results.gob"},
        [&](const Result& r) {
          std::vector<KeptResponse> b;
          if (!body.empty() || !headers.empty()) b.push_back({0, body, headers});
          w->write(&r, 1, b);
        },
        nullptr, nullptr, nullptr,
        [&](const RecordExtras& x) {
          body = x.body;
          headers = x.headers;
          if (!x.attack.empty()) w->set_attack(x.attack);
        });
    ASSERT_TRUE(writer.flush());
  }
  std::fclose(mem);
  std::istringstream got(std::string(buf, size));
  std::free(buf);
  std::istringstream want(slurp(kDir + "results.json"));
  std::string g, v;
  size_t n = 0;
  while (std::getline(want, v)) {
    ASSERT_TRUE(std::getline(got, g)) << "line " << n + 1;
    const auto gj = nlohmann::ordered_json::parse(g), vj = nlohmann::ordered_json::parse(v);
    auto gi = gj.begin();
    for (auto vi = vj.begin(); vi != vj.end(); ++vi, ++gi) {
      ASSERT_NE(gi, gj.end());
      EXPECT_EQ(gi.key(), vi.key()) << "line " << n + 1;
      EXPECT_EQ(gi->type(), vi->type()) << vi.key();
      if (vi.key() != "headers") EXPECT_EQ(*gi, *vi) << "line " << n + 1 << ": " << vi.key();
      else EXPECT_EQ(nlohmann::json(*gi), nlohmann::json(*vi)) << "line " << n + 1 << ": headers";
    }
    ++n;
  }
  EXPECT_EQ(n, 40u);
  EXPECT_FALSE(std::getline(got, g)) << "no extra lines";
}

// Vegeta's headers column, read from any of its encodings and written as CSV, is Vegeta's own:
// the lines as Go writes them (canonical names, sorted, a blank line), base64.
TEST(VegetaCsv, HeadersColumnIsVegetasFromEveryEncoding) {
  std::vector<std::string> want;
  {
    std::istringstream in(slurp(kDir + "results.csv"));
    for (std::string line; std::getline(in, line);) want.push_back(line.substr(line.rfind(',') + 1));
  }
  ASSERT_EQ(want.size(), 40u);
  for (const char* file : {"results.gob", "results.json", "results.csv"}) {
    std::vector<std::string> got;
    std::string headers;
    read_results(
        {kDir + file},
        [&](const Result& r) {
          const std::string row = encode_csv(r, "fixture", got.size(), {}, headers);
          got.push_back(csv_column(row, 11));
        },
        nullptr, nullptr, nullptr, [&](const RecordExtras& x) { headers = x.headers; });
    EXPECT_EQ(got, want) << file;
  }
}

// Kept header lines survive loadgate's own encodings: binary frames, JSON and CSV.
TEST(ResultsFile, KeptHeadersRoundTripInEveryEncoding) {
  Result r;
  r.scheduled_ns = 1'700'000'000'000'000'000;
  r.latency_ns = 1'000'000;
  r.status = 200;
  const std::string lines = "Content-Type: text/plain\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n";
  for (Encoding e : {Encoding::kBinary, Encoding::kJson, Encoding::kCsv}) {
    const std::string path = ::testing::TempDir() + "headers.results";
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    {
      ResultWriter w(f, e);
      const std::vector<KeptResponse> kept = {{0, "", lines}};
      w.write(&r, 1, kept);
      w.write(&r, 1);  // and one that kept nothing
      ASSERT_TRUE(w.flush());
    }
    std::fclose(f);
    std::vector<std::string> got;
    std::string headers;
    read_results({path}, [&](const Result&) { got.push_back(headers); }, nullptr, nullptr, nullptr,
                 [&](const RecordExtras& x) { headers = x.headers; });
    EXPECT_EQ(got, (std::vector<std::string>{lines, ""})) << static_cast<int>(e);
  }
}

TEST(VegetaGob, TruncatedFileKeepsWholeResultsAndWarns) {
  const std::string whole = slurp(kDir + "results.gob");
  const std::string path = ::testing::TempDir() + "truncated.gob";
  std::ofstream(path, std::ios::binary) << whole.substr(0, whole.size() - 50);
  const testing::ReadBack back = testing::read_back(path);
  EXPECT_EQ(back.results.size(), 39u);
  EXPECT_EQ(back.error, "");
  EXPECT_NE(back.warning.find("truncated after"), std::string::npos) << back.warning;
}

// Every byte of the file replaced in turn: the reader ends every time, with at most the 40
// results there are (ASan and the fuzzer check the rest); a broken type id is an error.
TEST(VegetaGob, CorruptBytesNeverCrash) {
  const std::string bytes = slurp(kDir + "results.gob");
  const std::string path = ::testing::TempDir() + "corrupt.gob";
  for (size_t at = 0; at < bytes.size(); ++at) {
    std::string bad = bytes;
    bad[at] = static_cast<char>(0xfe);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bad;
    const testing::ReadBack back = testing::read_back(path);
    EXPECT_LE(back.results.size(), 40u) << "byte " << at;
    if (at == 2) {
      EXPECT_NE(back.error.find("gob message"), std::string::npos) << back.error;
    }
  }
}

}  // namespace
}  // namespace loadgate
