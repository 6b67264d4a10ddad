// results_file_test.cc: binary/JSON/CSV round trips, truncation, concatenation, merging.
#include "loadgate/results_file.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "loadgate/error.h"
#include "loadgate/interner.h"
#include "loadgate/metrics.h"
#include "loadgate/report.h"
#include "kit/read_back.h"
#include "kit/results.h"

namespace loadgate {
namespace {

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "/lg_" + name; }

void write_file(const std::string& path, const std::vector<Result>& rs, Encoding e) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ResultWriter w(f, e);
  AttackInfo info;
  info.name = "t";
  w.header(info);
  w.write(rs.data(), rs.size());
  ASSERT_TRUE(w.flush());
  std::fclose(f);
}

std::vector<Result> read_file(const std::string& path, std::string* warning = nullptr) {
  const testing::ReadBack b = testing::read_back(path);
  EXPECT_TRUE(b.opened) << path;
  EXPECT_EQ(b.error, "");
  if (warning) *warning = b.warning;
  return b.results;
}

void expect_same(const Result& a, const Result& b) {
  EXPECT_EQ(a.scheduled_ns, b.scheduled_ns);
  EXPECT_EQ(a.send_delay_ns, b.send_delay_ns);
  EXPECT_EQ(a.latency_ns, b.latency_ns);
  EXPECT_EQ(a.first_ns, b.first_ns);
  EXPECT_EQ(a.bytes_in, b.bytes_in);
  EXPECT_EQ(a.bytes_out, b.bytes_out);
  EXPECT_EQ(interned(a.target), interned(b.target));
  EXPECT_EQ(interned(a.error), interned(b.error));
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.error_kind, b.error_kind);
}

class RoundTrip : public ::testing::TestWithParam<Encoding> {};

TEST_P(RoundTrip, EveryFieldSurvives) {
  auto rs = testing::synthetic_results(200);
  const std::string path = temp_path("roundtrip");
  write_file(path, rs, GetParam());
  auto back = read_file(path);
  ASSERT_EQ(back.size(), rs.size());
  for (size_t i = 0; i < rs.size(); ++i) expect_same(rs[i], back[i]);
}

INSTANTIATE_TEST_SUITE_P(Encodings, RoundTrip, ::testing::Values(Encoding::kBinary, Encoding::kJson, Encoding::kCsv));

// An HTTP result's phases survive binary and JSON (#28): its sending time in the record, the
// phases of the connection opened for it beside it, only for the results that opened one.
class PhasesRoundTrip : public ::testing::TestWithParam<Encoding> {};

TEST_P(PhasesRoundTrip, SendingAndOpenedConnectionsSurvive) {
  auto rs = testing::synthetic_results(10);
  std::vector<KeptResponse> opened;
  for (size_t i = 0; i < rs.size(); ++i) {
    rs[i].kind = Kind::kHttp;
    rs[i].set_sending_ns(1000 + static_cast<int64_t>(i));
    if (i % 4 == 0) opened.push_back({static_cast<uint32_t>(i), "", "", {50'000 + static_cast<int64_t>(i), i == 4 ? 700'000 : 0}});
    if (i == 4) opened.back().trace = *TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736");
  }
  const std::string path = temp_path("phases");
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ResultWriter w(f, GetParam());
  w.write(rs.data(), rs.size(), opened);
  ASSERT_TRUE(w.flush());
  std::fclose(f);
  std::vector<std::pair<int64_t, ConnectPhases>> back;  // sending, opened
  std::vector<std::string> traces;
  ConnectPhases next;
  std::string next_trace;
  read_results(
      {path},
      [&](const Result& r) {
        back.emplace_back(r.sending_ns(), next);
        traces.push_back(next_trace);
      },
      nullptr, nullptr, nullptr,
      [&](const RecordExtras& x) {
        next = x.opened;
        next_trace = x.trace.hex();
      });
  ASSERT_EQ(back.size(), rs.size());
  for (size_t i = 0; i < rs.size(); ++i) {
    EXPECT_EQ(back[i].first, 1000 + static_cast<int64_t>(i)) << i;
    EXPECT_EQ(back[i].second.connect_ns, i % 4 == 0 ? 50'000 + static_cast<int64_t>(i) : 0) << i;
    EXPECT_EQ(back[i].second.tls_ns, i == 4 ? 700'000 : 0) << i;
    EXPECT_EQ(traces[i], i == 4 ? "4bf92f3577b34da6a3ce929d0e0e4736" : "") << i;
  }
  Metrics m;
  read_metrics({path}, m);
  const Summary s = m.summarize();
  ASSERT_FALSE(s.phases.empty());
  EXPECT_EQ(s.connections_opened, 3u);
  EXPECT_EQ(s.phases.at("tls").max, 700'000);
  ASSERT_FALSE(m.slowest().empty());
  EXPECT_EQ(m.slowest().sorted()[0].trace.hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(TraceId, HexRoundTripsAndRefusesWhatIsNotAnId) {
  EXPECT_EQ(TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736")->hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_FALSE(TraceId::from_hex("00000000000000000000000000000000")) << "all zero is no id";
  EXPECT_FALSE(TraceId::from_hex("4BF92F3577B34DA6A3CE929D0E0E4736")) << "lower case only";
  EXPECT_FALSE(TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e473")) << "31 digits";
  EXPECT_EQ(TraceId{}.hex(), "");
}

INSTANTIATE_TEST_SUITE_P(Encodings, PhasesRoundTrip, ::testing::Values(Encoding::kBinary, Encoding::kJson));

TEST(ResultsFile, BinaryRecordIs72BytesWithItsFrame) {
  auto rs = testing::synthetic_results(1);
  rs[0].error = 0;
  rs[0].error_kind = ErrorKind::kNone;
  const std::string path = temp_path("size");
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ResultWriter w(f, Encoding::kBinary);
  w.write(rs.data(), 1);
  w.write(rs.data(), 1);
  w.flush();
  const long size = std::ftell(f);
  std::fclose(f);
  // signature 8 + target string frame (8 + 4 + 32) + 2 results * (8 + 64)
  EXPECT_EQ(size, 8 + 8 + 4 + 32 + 2 * 72);
}

TEST(ResultsFile, TruncatedFileKeepsWholeRecordsAndWarns) {
  auto rs = testing::synthetic_results(100);
  const std::string path = temp_path("trunc");
  write_file(path, rs, Encoding::kBinary);
  std::FILE* f = std::fopen(path.c_str(), "rb");
  std::fseek(f, 0, SEEK_END);
  const long size = std::ftell(f);
  std::fclose(f);
  ASSERT_EQ(truncate(path.c_str(), size - 30), 0);  // cut into the last record
  std::string warning;
  auto back = read_file(path, &warning);
  EXPECT_EQ(back.size(), 99u);
  EXPECT_NE(warning.find("truncated after 99 results"), std::string::npos) << warning;
  EXPECT_NE(warning.find(path), std::string::npos) << warning;
}

TEST(ResultsFile, ConcatenatedStreamsReadAsOne) {
  auto a = testing::synthetic_results(50);
  auto b = testing::synthetic_results(70, 1'800'000'000'000'000'000);
  write_file(temp_path("a"), a, Encoding::kBinary);
  write_file(temp_path("b"), b, Encoding::kBinary);
  const std::string cat = "cat " + temp_path("a") + " " + temp_path("b") + " > " + temp_path("ab");
  ASSERT_EQ(std::system(cat.c_str()), 0);
  auto back = read_file(temp_path("ab"));
  ASSERT_EQ(back.size(), 120u);
  expect_same(back[50], b[0]);
}

TEST(ResultsFile, GarbageIsAnErrorNamingTheFile) {
  const std::string path = temp_path("garbage");
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    std::fputs("hello\n", f);
    std::fclose(f);
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  ResultReader r(f, path);
  Result x;
  EXPECT_FALSE(r.next(x));
  EXPECT_EQ(r.error(), path + ": not a results stream (want loadgate binary, JSON or CSV results, or Vegeta's gob)");
  std::fclose(f);
}

struct OddRow {
  const char* line;   // one result line (JSON or CSV)
  const char* error;  // what the reader says, after the file name
};

class ResultsOdd : public ::testing::TestWithParam<OddRow> {};

// Values no run produces are refused with the line and the field, never read as something else.
TEST_P(ResultsOdd, OutOfRangeValuesAreErrors) {
  const std::string path = temp_path("odd");
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    std::fputs(GetParam().line, f);
    std::fputs("\n", f);
    std::fclose(f);
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  ResultReader r(f, path);
  Result x;
  EXPECT_FALSE(r.next(x)) << GetParam().line;
  EXPECT_EQ(r.error(), path + GetParam().error);
  std::fclose(f);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ResultsOdd,
    ::testing::Values(
        OddRow{R"({"code":200,"timestamp":"2020-05-01T10:00:00Z","latency":1e30})",
               ":1: latency: want an integer 0..8640000000000000, got 1e+30"},
        OddRow{R"({"code":200,"timestamp":"2020-05-01T10:00:00Z","latency":-5})",
               ":1: latency: want an integer 0..8640000000000000, got -5"},
        OddRow{R"({"code":70000,"timestamp":"2020-05-01T10:00:00Z","latency":5})",
               ":1: code: want an integer 0..65535, got 70000"},
        OddRow{R"({"code":200,"timestamp":"9999-12-31T00:00:00Z","latency":5})",
               ":1: timestamp: not an RFC 3339 time of years 1678..2261"},
        OddRow{R"({"code":200,"timestamp":"2020-13-01T00:00:00Z","latency":5})",
               ":1: timestamp: not an RFC 3339 time of years 1678..2261"},
        OddRow{"1588320000000000000,200,-1,0,0,,,,,GET,http://h/,",
               ":1: a column is out of range (code 0..65535, latency 0..8640000000000000 ns, bytes >= 0)"},
        OddRow{"1588320000000000000,99999,1,0,0,,,,,GET,http://h/,",
               ":1: a column is out of range (code 0..65535, latency 0..8640000000000000 ns, bytes >= 0)"}));

// Found by fuzz_results: a binary record whose scheduled time is far in the past made the
// summary's duration overflow. Out-of-range times are corruption, named as such.
TEST(ResultsFile, FuzzRecordWithAnImpossibleTimeIsCorruption) {
  const std::string path = std::string(LOADGATE_TEST_DIR) + "/data/fuzz_results_negative_time.bin";
  std::FILE* f = std::fopen(path.c_str(), "rb");
  ASSERT_NE(f, nullptr);
  ResultReader r(f, "crash.bin");
  Metrics m;
  Result x;
  while (r.next(x)) m.add(x);
  std::fclose(f);
  EXPECT_NE(r.error().find("corrupt record"), std::string::npos) << r.error();
  std::ostringstream out;
  write_json_report(out, m);  // what was read before it still reports
}

TEST(ResultsFile, VegetaJsonResultIsRead) {
  // A line as Vegeta's encoder writes it: latency from the actual send, no loadgate keys.
  const std::string path = temp_path("vegeta.json");
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    std::fputs(
        "{\"attack\":\"\",\"seq\":0,\"code\":503,\"timestamp\":\"2020-05-01T10:00:00.5+02:00\","
        "\"latency\":1500000,\"bytes_out\":0,\"bytes_in\":12,\"error\":\"503 Service Unavailable\","
        "\"body\":\"\",\"method\":\"GET\",\"url\":\"http://h/x\",\"headers\":null}\n",
        f);
    std::fclose(f);
  }
  auto back = read_file(path);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].scheduled_ns, 1588320000500000000);  // 08:00:00.5 UTC
  EXPECT_EQ(back[0].latency_ns, 1'500'000);
  EXPECT_EQ(back[0].status, 503);
  EXPECT_EQ(back[0].error_kind, ErrorKind::kStatus);
  EXPECT_FALSE(back[0].ok());
  EXPECT_EQ(interned(back[0].target), "GET http://h/x");
}

TEST(ResultsFile, MergingTwoFilesEqualsOneRun) {
  auto all = testing::synthetic_results(1000);
  std::vector<Result> first(all.begin(), all.begin() + 400), second(all.begin() + 400, all.end());
  write_file(temp_path("m1"), first, Encoding::kBinary);
  write_file(temp_path("m2"), second, Encoding::kBinary);
  Metrics merged, whole;
  read_results({temp_path("m2"), temp_path("m1")}, [&](const Result& r) { merged.add(r); });
  for (auto& r : all) whole.add(r);
  std::ostringstream a, b;
  write_json_report(a, merged);
  write_json_report(b, whole);
  EXPECT_EQ(a.str(), b.str());
}

}  // namespace
}  // namespace loadgate

namespace loadgate {
namespace {

TEST(ResultsFile, UnknownKindIsCorruption) {
  auto rs = testing::synthetic_results(3);
  reinterpret_cast<uint8_t&>(rs[1].kind) = 99;
  const std::string path = temp_path("badkind");
  write_file(path, rs, Encoding::kBinary);
  std::FILE* f = std::fopen(path.c_str(), "rb");
  ResultReader reader(f, path);
  Result r;
  EXPECT_TRUE(reader.next(r));
  EXPECT_FALSE(reader.next(r));
  EXPECT_EQ(reader.error(), path + ": corrupt record 2 (kind 99)");
  std::fclose(f);
}

// The shards of one attack make a whole, or say why not.
TEST(Shards, ProblemsOfASet) {
  auto h = [](const char* shard, const char* plan = "rate=100/1s", const char* name = "a") {
    AttackInfo i;
    i.shard = shard;
    i.plan = plan;
    i.name = name;
    return i;
  };
  struct Row {
    std::vector<AttackInfo> headers;
    std::vector<std::string> problems;
  } rows[] = {
      {{h("0/2"), h("1/2")}, {}},
      {{h(""), h("")}, {}},
      {{h("0/3"), h("2/3")}, {"shard 1/3 is missing"}},
      {{h("0/2"), h("1/2"), h("1/2")}, {"shard 1/2 is there twice"}},
      {{h("0/2"), h("1/2", "rate=50/1s")}, {"shard 1/2 ran another plan (rate=50/1s, not rate=100/1s)"}},
      {{h("0/2"), h("1/2", "rate=100/1s", "b")}, {"shard 1/2 is of attack \"b\", not \"a\""}},
      {{h("0/2"), h("1/2"), h("")}, {"sharded and unsharded runs are mixed"}},
  };
  for (const Row& r : rows) EXPECT_EQ(shard_problems(r.headers), r.problems);
}

// A header whose shard label is not i/n (forged or damaged) is refused with the file named,
// not shown as a shard.
TEST(Shards, AForgedLabelIsRefused) {
  for (const char* label : {"9/0", "a/b", "5/3", "1/", "-1/2"}) {
    const std::string path = temp_path("forged");
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    ResultWriter w(f, Encoding::kBinary);
    AttackInfo info;
    info.name = "t";
    info.shard = label;
    w.header(info);
    const std::vector<Result> rs = testing::synthetic_results(3);
    w.write(rs.data(), rs.size());
    ASSERT_TRUE(w.flush());
    std::fclose(f);
    std::string error;
    try {
      read_results({path}, [](const Result&) {});
    } catch (const InputError& e) {
      error = e.what();
    }
    EXPECT_NE(error.find(path), std::string::npos) << label << ": " << error;
    EXPECT_NE(error.find("\"" + std::string(label) + "\" in its header is not a shard"), std::string::npos)
        << label << ": " << error;
  }
}

// The end record keeps the generator's own account, polling included; an older file's record
// without the newer keys reads as zeros.
TEST(ResultsFile, EndRecordKeepsTheGeneratorsAccount) {
  RunEnd e;
  e.interrupted = true;
  e.elapsed_ns = 5'000'000'000;
  e.generator.scheduled = 750'000;
  e.generator.late = 12;
  e.generator.threads = 2;
  e.generator.polled_ns = 1'234'567'890;
  e.generator.ran_ns = 10'000'000'000;
  RunEnd back;
  ASSERT_TRUE(RunEnd::from_json(e.to_json(), back));
  EXPECT_TRUE(back.interrupted);
  EXPECT_EQ(back.elapsed_ns, e.elapsed_ns);
  EXPECT_EQ(back.generator.scheduled, 750'000u);
  EXPECT_EQ(back.generator.late, 12u);
  EXPECT_EQ(back.generator.threads, 2);
  EXPECT_EQ(back.generator.polled_ns, 1'234'567'890);
  EXPECT_DOUBLE_EQ(back.generator.polled_share(), 0.123456789);
  RunEnd old;
  ASSERT_TRUE(RunEnd::from_json(R"({"interrupted":false,"elapsed_ns":1,"scheduled":3,"generator_late":0,"threads":1})", old));
  EXPECT_EQ(old.generator.polled_ns, 0);
  EXPECT_EQ(old.generator.polled_share(), 0);
}

}  // namespace
}  // namespace loadgate
