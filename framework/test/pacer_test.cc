// pacer_test.cc: hits per interval for every pacer, and the -rate grammar.
#include "loadgate/pacer.h"

#include <gtest/gtest.h>

#include <cmath>

#include "loadgate/error.h"

namespace loadgate {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Number of hits due strictly before `t`.
uint64_t hits_before(const Pacer& p, Nanos t) {
  uint64_t lo = 0, hi = 1;
  while (p.due(hi) && *p.due(hi) < t) hi *= 2;
  while (lo < hi) {  // first hit due at or after t
    const uint64_t mid = (lo + hi) / 2;
    auto d = p.due(mid);
    if (d && *d < t)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

const Pacer& pacer_of(const RateSpec& v) { return *v.pacer; }

TEST(Pacer, ConstantDueTimesAreExact) {
  auto p = constant_pacer(100);
  EXPECT_EQ(p->due(0)->count(), 0);
  EXPECT_EQ(*p->due(1), milliseconds(10));
  EXPECT_EQ(*p->due(100), seconds(1));
  EXPECT_EQ(hits_before(*p, seconds(60)), 6000u);
  auto q = constant_pacer(3, seconds(1));
  EXPECT_EQ(q->due(1)->count(), 333'333'333);
}

TEST(Pacer, ConstantPerMinute) {
  auto p = constant_pacer(3000, std::chrono::minutes(1));
  EXPECT_EQ(hits_before(*p, seconds(1)), 50u);
  EXPECT_DOUBLE_EQ(p->rate(seconds(5)), 50.0);
}

TEST(Pacer, VegetaPaceWaitsForTheNextHit) {
  auto p = constant_pacer(10);
  EXPECT_EQ(pace(*p, milliseconds(0), 0).wait.count(), 0);
  EXPECT_EQ(pace(*p, milliseconds(30), 1).wait, milliseconds(70));
  EXPECT_EQ(pace(*p, milliseconds(350), 2).wait.count(), 0);  // overdue: no wait
  EXPECT_FALSE(pace(*p, milliseconds(0), 5).stop);
}

struct CountRow {
  const char* spec;    // -rate value
  int64_t duration_s;  // attack duration for defaults
  int64_t at_s;        // count hits before this time
  double expected;     // hits (exact maths)
};

class PacerCounts : public ::testing::TestWithParam<CountRow> {};

TEST_P(PacerCounts, HitsOverTimeFollowTheIntegralOfTheRate) {
  const CountRow& row = GetParam();
  auto parsed = parse_rate(row.spec, seconds(row.duration_s));
  const Pacer& p = pacer_of(parsed);
  const auto got = static_cast<double>(hits_before(p, seconds(row.at_s)));
  EXPECT_NEAR(got, row.expected, 1.0) << row.spec << " by " << row.at_s << "s";
}

INSTANTIATE_TEST_SUITE_P(
    Table, PacerCounts,
    ::testing::Values(CountRow{"50", 0, 10, 500},  // plain number is per second
                      CountRow{"50/1s", 0, 10, 500}, CountRow{"50/s", 0, 10, 500}, CountRow{"120/1m", 0, 30, 60},
                      CountRow{"10..500@60s", 0, 60, (10 + 500) / 2.0 * 60},  // area under the ramp
                      CountRow{"10..500@60s", 0, 30, 10 * 30 + 490.0 / 60 * 30 * 30 / 2},
                      CountRow{"10..500@60s", 0, 90, 15300 + 500 * 30},  // held at 500 after the ramp
                      CountRow{"10..500", 60, 60, 15300},                // ramp over -duration
                      CountRow{"500..10@10s", 0, 10, 2550},              // ramping down
                      CountRow{"0..100@10s", 0, 10, 500},                // ramping up from nothing
                      CountRow{"0..100@10s", 0, 5, 125},
                      CountRow{"50,100,200@30s", 0, 30, 1500}, CountRow{"50,100,200@30s", 0, 60, 4500},
                      CountRow{"50,100,200@30s", 0, 90, 10500},
                      CountRow{"50,100,200@30s", 0, 120, 16500},  // last step held
                      CountRow{"50,0,100@10s", 0, 20, 500},       // a zero step sends nothing
                      CountRow{"50,0,100@10s", 0, 30, 1500}, CountRow{"50,100", 20, 20, 1500},  // steps split -duration
                      CountRow{"sine:100:50:60s", 0, 60, 6000},  // a whole period averages out
                      CountRow{"sine:100:50:60s", 0, 15, 1500 + 50 * 60 / (2 * M_PI)},
                      CountRow{"sine:100:50:60s", 0, 30, 3000 + 2 * 50 * 60 / (2 * M_PI)}));

TEST(Pacer, DueTimesNeverDecrease) {
  // "0..1": fuzz_flags found hit 0 of a ramp from 0 due "never" (0 / 0), before hit 1.
  for (const char* spec : {"10..500@60s", "500..10@10s", "0..1", "0..100@10s", "50,0,100@10s", "sine:100:100:7s"}) {
    auto parsed = parse_rate(spec, seconds(60));
    const Pacer& p = pacer_of(parsed);
    Nanos last{-1};
    for (uint64_t n = 0; n < 5000; ++n) {
      auto d = p.due(n);
      ASSERT_TRUE(d) << spec;
      ASSERT_GE(*d, last) << spec << " hit " << n;
      last = *d;
    }
  }
}

// fuzz_flags found a ramp down to a tiny rate whose far due times overflowed into the past: they
// saturate instead ("never" within any duration).
TEST(Pacer, TinyRatesSaturateInsteadOfWrapping) {
  for (const char* spec : {".1..0.00000000000000000000000000000000000000000000000000000000000000000000000000000000000000011111",
                           "1e-300/1s"}) {
    auto parsed = parse_rate(spec, seconds(10));
    const Pacer& p = pacer_of(parsed);
    Nanos last{-1};
    for (uint64_t n = 0; n < 64; ++n) {
      auto d = p.due(n);
      if (!d) break;
      ASSERT_GE(*d, last) << spec << " hit " << n;
      last = *d;
    }
  }
}

TEST(Pacer, ZeroAndInfinityMeanClosedModel) {
  for (const char* spec : {"0", "infinity", "0/1s"}) {
    EXPECT_TRUE(parse_rate(spec).unlimited()) << spec;
  }
}

struct BadRow {
  const char* spec;
  const char* error;  // substring of the message
};

class PacerBad : public ::testing::TestWithParam<BadRow> {};

TEST_P(PacerBad, RejectedWithAUsefulMessage) {
  try {
    parse_rate(GetParam().spec);
    ADD_FAILURE() << GetParam().spec << " was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(GetParam().error), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, PacerBad,
    ::testing::Values(BadRow{"fast", "freq/duration"}, BadRow{"-5", "freq/duration"}, BadRow{"50/xs", "freq/duration"},
                      BadRow{"50/0s", "freq/duration"}, BadRow{"10..", "FROM..TO"}, BadRow{"0..0@10s", "FROM..TO"},
                      BadRow{"10..50", "needs @DURATION"},  // no ramp and no -duration
                      BadRow{"10..50@abc", "bad duration after '@'"}, BadRow{"50,x", "comma-separated"},
                      BadRow{"0,0@1s", "every step has rate 0"}, BadRow{"50,100", "need @STEP"},
                      BadRow{"sine:1:2", "sine:MEAN:AMP:PERIOD"}, BadRow{"sine:10:20:1s", "AMP <= MEAN"},
                      BadRow{"50@10s", "ramps and steps only"}, BadRow{"1e12", "the most a pacer schedules"}));

TEST(Pacer, DescribeRoundTrips) {
  for (const char* spec : {"50/1s", "10..500@1m0s", "50,100@30s", "sine:100:50:1m0s"}) {
    auto parsed = parse_rate(spec);
    const std::string text = pacer_of(parsed).describe();
    EXPECT_EQ(parse_rate(text).pacer->due(777), pacer_of(parsed).due(777)) << text;
  }
}

}  // namespace
}  // namespace loadgate
