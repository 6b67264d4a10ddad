// metrics_test.cc: streaming aggregation, time windows, constant memory.
#include "loadgate/metrics.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "loadgate/interner.h"
#include "kit/results.h"

namespace loadgate {
namespace {

using testing::Hit;

TEST(Metrics, DroppedHitsCountAsFailuresButNotLatencies) {
  Metrics m;
  m.add(Hit().at(1'000'000'000).took(2'000'000));
  m.add(Hit().at(1'010'000'000).status(0).failed(ErrorKind::kDropped));
  const Summary s = m.summarize();
  EXPECT_EQ(s.requests, 2u);
  EXPECT_EQ(s.success, 1u);
  EXPECT_EQ(s.dropped, 1u);
  EXPECT_EQ(s.latency.max, 2'000'000);
  EXPECT_EQ(s.latency.min, 2'000'000);
}

TEST(Metrics, PerTargetBreakdown) {
  Metrics m;
  for (const Result& r : testing::synthetic_results(300)) m.add(r);
  const Group* g = m.group(Kind::kHttp);
  ASSERT_NE(g, nullptr);
  ASSERT_EQ(g->targets.size(), 3u);
  uint64_t total = 0;
  for (auto& [id, stats] : g->targets) total += stats->requests;
  EXPECT_EQ(total, 300u);
  EXPECT_EQ(g->targets.at(intern("GET http://127.0.0.1:8000/health"))->requests, 100u);
}

TEST(Metrics, KindsAreKeptApart) {
  Metrics m;
  m.add(Hit().kind(Kind::kWsMessage).status(kWsOk).took(1000));
  m.add(Hit().kind(Kind::kWsHandshake).status(101).took(5'000'000));
  EXPECT_EQ(m.primary(), Kind::kWsMessage);
  EXPECT_EQ(m.summarize().latency.max, 1000);
  EXPECT_EQ(m.group(Kind::kWsHandshake)->total.latency.max(), 5'000'000);
}

TEST(Series, WindowsFollowSendTime) {
  Series s;
  Result r;
  r.status = 200;
  for (int i = 0; i < 30; ++i) {
    r.scheduled_ns = 10'000'000'000 + int64_t{i} * 100'000'000;  // 10 per second for 3 s
    r.latency_ns = (i < 10 ? 1 : 5) * 1'000'000;
    s.add(r);
  }
  ASSERT_EQ(s.windows().size(), 3u);
  EXPECT_EQ(s.windows()[0].requests, 10u);
  EXPECT_EQ(s.windows()[0].start_ns, 10'000'000'000);
  EXPECT_LT(s.windows()[0].latency.percentile(99), 1'100'000);
  EXPECT_GT(s.windows()[2].latency.percentile(99), 4'900'000);
  auto coarse = s.rebucket(std::chrono::seconds(2));
  ASSERT_EQ(coarse.size(), 2u);
  EXPECT_EQ(coarse[0].requests, 20u);
}

TEST(Series, LongRunsStayBoundedByWideningWindows) {
  // Two hours of one result per second: windows merge instead of growing.
  Series s;
  Result r;
  r.status = 200;
  r.latency_ns = 1'000'000;
  for (int i = 0; i < 7200; ++i) {
    r.scheduled_ns = int64_t{i} * 1'000'000'000;
    s.add(r);
  }
  EXPECT_LE(s.windows().size(), Series::kMaxWindows);
  EXPECT_EQ(s.width(), std::chrono::seconds(16));
  uint64_t total = 0;
  for (auto& w : s.windows()) total += w.requests;
  EXPECT_EQ(total, 7200u);
}

TEST(Series, MergeAcrossWidths) {
  Series narrow, wide;
  Result r;
  r.status = 200;
  for (int i = 0; i < 2000; ++i) {
    r.scheduled_ns = int64_t{i} * 1'000'000'000;
    wide.add(r);
  }
  r.scheduled_ns = 5'000'000'000;
  narrow.add(r);
  narrow.merge(wide);
  EXPECT_EQ(narrow.width(), wide.width());
  uint64_t total = 0;
  for (auto& w : narrow.windows()) total += w.requests;
  EXPECT_EQ(total, 2001u);
}

}  // namespace
}  // namespace loadgate

namespace loadgate {
namespace {

using testing::Hit;

TEST(Series, ResultsADayApartStayBounded) {
  Series s;
  Result r;
  r.status = 200;
  r.scheduled_ns = 1'000'000'000'000;
  s.add(r);
  r.scheduled_ns += int64_t{86'400} * 1'000'000'000;  // a day later: not 86,400 windows
  s.add(r);
  EXPECT_LE(s.windows().size(), Series::kMaxWindows);
  uint64_t total = 0;
  for (auto& w : s.windows()) total += w.requests;
  EXPECT_EQ(total, 2u);
}

TEST(Series, RebucketUsesWholeWindows) {
  Series s(std::chrono::seconds(16));  // as after widening on a long run
  Result r;
  r.status = 200;
  for (int i = 0; i < 200; ++i) {
    r.scheduled_ns = int64_t{i} * 1'000'000'000;
    s.add(r);
  }
  const auto w = s.rebucket(std::chrono::seconds(30));  // nearest whole multiple: 32 s
  ASSERT_GE(w.size(), 2u);
  EXPECT_EQ(w[1].start_ns - w[0].start_ns, 32'000'000'000);
}

TEST(Metrics, RateCountsOnlySentHitsAndLostEchoesHaveNoLatency) {
  Metrics m;
  for (int i = 0; i < 10; ++i) m.add(Hit().at(1'000'000'000 + int64_t{i} * 100'000'000).took(5'000'000));
  for (int i = 0; i < 10; ++i) m.add(Hit().at(1'950'000'000).status(0).failed(ErrorKind::kDropped));
  const Summary s = m.summarize();
  EXPECT_EQ(s.requests, 20u);
  EXPECT_NEAR(s.rate, 10 / 0.9, 1e-9) << "10 sent over 0.9 s; the 10 dropped were never sent";

  Metrics ws;
  ws.add(Hit().kind(Kind::kWsMessage).status(kWsOk).took(50'000'000));
  ws.add(Hit().kind(Kind::kWsMessage).status(kWsLost).failed(ErrorKind::kLost));
  EXPECT_EQ(ws.summarize().latency.min, 50'000'000) << "a lost echo is not a fast one";
  EXPECT_EQ(ws.summarize().success, 1u);
}

// The slowest traced results are kept exactly, whatever order they come in and however they
// are split between threads (merged): the kMax largest latencies, slowest first.
TEST(Slowest, KeepsTheLargestExactlyAcrossMerges) {
  Metrics a, b;
  std::vector<int64_t> all;
  for (int i = 0; i < 200; ++i) {
    Result r;
    r.kind = Kind::kHttp;
    r.status = 200;
    r.scheduled_ns = 1'000'000'000;
    r.latency_ns = (i * 7919) % 1000 * 1000 + 1;  // a permutation of distinct values
    all.push_back(r.latency_ns);
    TraceId id;
    id.bytes[0] = static_cast<uint8_t>(i + 1);
    (i % 3 ? a : b).add(r, {}, id);
  }
  a.merge(b);
  std::sort(all.rbegin(), all.rend());
  const std::vector<Traced> kept = a.slowest().sorted();
  ASSERT_EQ(kept.size(), Slowest::kMax);
  for (size_t i = 0; i < kept.size(); ++i) EXPECT_EQ(kept[i].result.latency_ns, all[i]) << i;
  Metrics untraced;
  untraced.add(Result{});
  EXPECT_TRUE(untraced.slowest().empty()) << "results without a trace id are never listed";
}

}  // namespace
}  // namespace loadgate
