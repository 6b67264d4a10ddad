// schedule_test.cc: the pacing schedule against the pacer's own due times: every hit sent,
// none before it is due, none later than one tick, no burst larger than a tick's worth, and at
// low rates a wake-up of its own, on time, for every hit.
#include "engine/schedule.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "loadgate/pacer.h"

namespace loadgate::engine {
namespace {

struct Wake {
  int64_t at;
  std::vector<std::pair<uint64_t, int64_t>> sent;  // (seq, due)
};

// Runs a thread's schedule the way the attacker does: wake, send every hit due, sleep until
// Schedule::wake(). The wake-ups happen exactly when asked (the clock of a test is exact).
std::vector<Wake> simulate(const Pacer& p, uint64_t first, uint64_t stride, Nanos duration, int64_t tick) {
  Schedule s(p, first, stride, duration, 0, 0, Nanos(tick));
  std::vector<Wake> out;
  int64_t t = 0;
  while (!s.over()) {
    Wake w{t, {}};
    while (!s.over() && s.due() <= t) {
      w.sent.emplace_back(s.seq(), s.due());
      s.advance();
    }
    out.push_back(w);
    if (!s.over()) t = s.wake(t);
  }
  return out;
}

struct Row {
  const char* rate;   // -rate
  int threads;        // attacker threads
  int64_t tick_ns;    // shortest time between wake-ups
  size_t max_burst;   // hits at most per wake-up (per thread)
};

class ScheduleTable : public ::testing::TestWithParam<Row> {};

TEST_P(ScheduleTable, EveryHitOnceNeverEarlyAtMostATickLate) {
  const Row& row = GetParam();
  const RateSpec rate = parse_rate(row.rate, std::chrono::seconds(2));
  const Pacer& pacer = *rate.pacer;
  std::vector<int> seen;
  for (int t = 0; t < row.threads; ++t) {
    for (const Wake& w : simulate(pacer, t, row.threads, std::chrono::seconds(2), row.tick_ns)) {
      EXPECT_LE(w.sent.size(), row.max_burst) << row.rate << " at " << w.at;
      for (auto [seq, due] : w.sent) {
        EXPECT_EQ(due, pacer.due(seq)->count()) << "the exact scheduled time is kept";
        EXPECT_GE(w.at, due) << "never sent before it is due";
        EXPECT_LE(w.at - due, row.tick_ns) << row.rate << " hit " << seq << " waited more than a tick";
        if (seen.size() <= seq) seen.resize(seq + 1, 0);
        ++seen[seq];
      }
    }
  }
  for (size_t seq = 0; seq < seen.size(); ++seq) ASSERT_EQ(seen[seq], 1) << "hit " << seq;
  uint64_t due_in_run = 0;  // the pacer's own count of hits due in the 2 s
  while (pacer.due(due_in_run).value_or(Nanos::max()) < std::chrono::seconds(2)) ++due_in_run;
  EXPECT_EQ(seen.size(), due_in_run);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ScheduleTable,
    ::testing::Values(Row{"200/1s", 1, kPaceTick, 1},      // 5 ms apart: one hit per wake-up
                      Row{"9000/1s", 1, kPaceTick, 2},     // 111 us apart: at most one tick's worth
                      Row{"80000/1s", 1, kPaceTick, 9},    // 12.5 us apart: 8 per 100 us, +1 at the edge
                      Row{"80000/1s", 2, kPaceTick, 5},    // two threads share the rate
                      Row{"50000/1s", 1, 250'000, 14},     // a longer tick batches more
                      Row{"100..20000@2s", 1, kPaceTick, 3},  // a ramp: bursts follow the rate
                      Row{"150000/1s", 1, kPollTick, 9},      // polling: 7.5 per 50 us, +1 at the edge
                      Row{"150000/1s", 2, kPollTick, 5}));

TEST(Schedule, LowRatesWakeExactlyWhenDue) {
  const RateSpec rate = parse_rate("100/1s");
  for (const Wake& w : simulate(*rate.pacer, 0, 1, std::chrono::seconds(1), kPaceTick)) {
    ASSERT_EQ(w.sent.size(), 1u);
    EXPECT_EQ(w.at, w.sent[0].second) << "a hit of its own, on time";
  }
}

// A thread polls while its own hits are due less than kPollBelowGap apart: from 50,000 hits/s
// per thread; two threads at 80,000/s each see 40,000/s, and sleep.
TEST(Schedule, PollsOnlyAtHighRatesPerThread) {
  struct {
    const char* rate;
    uint64_t threads;
    bool polls;
  } rows[] = {{"200/1s", 1, false},    {"49000/1s", 1, false}, {"51000/1s", 1, true},
              {"80000/1s", 2, false}, {"150000/1s", 2, true}, {"150000/1s", 4, false}};
  for (const auto& row : rows) {
    const RateSpec rate = parse_rate(row.rate);
    Schedule s(*rate.pacer, 0, row.threads, std::chrono::seconds(1), 0, 0);
    EXPECT_FALSE(s.polls()) << "nothing known of the rate before the second hit";
    int64_t last = s.due();
    s.advance();
    EXPECT_EQ(s.gap(), s.due() - last) << row.rate;
    EXPECT_EQ(s.polls(), row.polls) << row.rate << " on " << row.threads << " threads";
    EXPECT_EQ(s.tick(), row.polls ? kPollTick : kPaceTick);
  }
}

// A ramp starts sleeping and polls from where its rate passes 50,000/s (at 0.5 s of 0..100000@1s).
TEST(Schedule, ARampStartsPollingWhereItsRateIsHigh) {
  const RateSpec rate = parse_rate("0..100000@1s");
  Schedule s(*rate.pacer, 0, 1, std::chrono::seconds(1), 0, 0);
  int64_t first_poll = -1;
  for (; !s.over(); s.advance())
    if (s.polls() && first_poll < 0) first_poll = s.due();
  EXPECT_NEAR(static_cast<double>(first_poll), 0.5e9, 0.01e9);
}

TEST(Schedule, EndsAtTheDurationAndTheCount) {
  const RateSpec rate = parse_rate("1000/1s");
  Schedule by_time(*rate.pacer, 0, 1, std::chrono::milliseconds(10), 0, 0);
  int n = 0;
  for (; !by_time.over(); by_time.advance()) ++n;
  EXPECT_EQ(n, 10) << "hits due at 0, 1, ..., 9 ms";
  Schedule by_count(*rate.pacer, 1, 2, Nanos(0), 7, 0);
  std::vector<uint64_t> seqs;
  for (; !by_count.over(); by_count.advance()) seqs.push_back(by_count.seq());
  EXPECT_EQ(seqs, (std::vector<uint64_t>{1, 3, 5}));
}

// -shard=i/n: n generators of T threads each, taking hit k when k mod n == i, together make the
// one generator's schedule: every hit once, at its own due time; with a count, the shards sum to it.
TEST(Schedule, ShardsTogetherMakeTheOneSchedule) {
  for (const char* spec : {"2500/1s", "10..500@2s", "50,100,200@1s", "sine:300:100:2s"}) {
    const RateSpec r = parse_rate(spec, std::chrono::seconds(3));
    const Pacer& p = *r.pacer;
    for (uint64_t max_hits : {uint64_t{0}, uint64_t{1001}}) {
      std::vector<std::pair<uint64_t, int64_t>> one, sharded;
      Schedule whole(p, 0, 1, std::chrono::seconds(3), max_hits, 0);
      for (; !whole.over(); whole.advance()) one.emplace_back(whole.seq(), whole.due());
      const uint64_t n = 4, threads = 3;
      for (uint64_t i = 0; i < n; ++i)
        for (uint64_t t = 0; t < threads; ++t)
          for (Schedule s(p, i + n * t, n * threads, std::chrono::seconds(3), max_hits, 0); !s.over(); s.advance()) {
            EXPECT_EQ(s.seq() % n, i) << spec;
            sharded.emplace_back(s.seq(), s.due());
          }
      std::sort(sharded.begin(), sharded.end());
      EXPECT_EQ(sharded, one) << spec << " max " << max_hits;
      if (max_hits && std::string(spec) == "2500/1s") EXPECT_EQ(sharded.size(), max_hits) << "the shards sum to the count";
    }
  }
}

}  // namespace
}  // namespace loadgate::engine
