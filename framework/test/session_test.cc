// session_test.cc: the engine's session attack with a protocol of the test's own (no network),
// asserted against scheduled times; the stall probe against a stall the test makes itself.
#include "engine/session.h"

#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>

#include <map>
#include <thread>

#include "engine/stall_probe.h"
#include "loadgate/interner.h"
#include "kit/results.h"

namespace loadgate {
namespace {

using std::chrono::milliseconds;

// A session that opens at once and answers every message `echo_after` later, unless told to
// drop every Nth message (never answered) or to close itself after `close_after` messages.
struct FakeRules {
  milliseconds echo_after{1};
  uint64_t drop_every = 0;   // 0 = none
  uint64_t close_after = 0;  // 0 = never
};

class FakeSession final : public engine::Session {
 public:
  FakeSession(asio::io_context& io, engine::SessionEvents& ev, size_t index, const FakeRules& rules)
      : io_(io), ev_(ev), index_(index), rules_(rules) {}
  void open() override {
    asio::post(io_, [this] { ev_.on_open(index_, 101); });
  }
  void send(uint64_t seq, int64_t) override { queued_.push_back(seq); }
  void flush() override {
    for (uint64_t seq : queued_) {
      ++sent_;
      if (rules_.close_after && sent_ > rules_.close_after) continue;
      if (rules_.drop_every && seq % rules_.drop_every == rules_.drop_every - 1) continue;
      auto t = std::make_shared<asio::steady_timer>(io_, rules_.echo_after);
      t->async_wait([this, t, seq](const asio::error_code& ec) {
        if (!ec && !ended_) ev_.on_answer(index_, seq, 64);
      });
    }
    queued_.clear();
    if (rules_.close_after && sent_ >= rules_.close_after && !ended_) {
      ended_ = true;
      asio::post(io_, [this] { ev_.on_close(index_, 1001, "closed by server: 1001"); });
    }
  }
  void close() override {
    if (ended_) return;
    ended_ = true;
    asio::post(io_, [this] { ev_.on_close(index_, 1000, ""); });
  }

 private:
  asio::io_context& io_;
  engine::SessionEvents& ev_;
  size_t index_;
  FakeRules rules_;
  std::vector<uint64_t> queued_;
  uint64_t sent_ = 0;
  bool ended_ = false;
};

class FakeDriver final : public engine::SessionDriver {
 public:
  explicit FakeDriver(FakeRules rules) : rules_(rules) {}
  std::unique_ptr<engine::Session> make_session(asio::io_context& io, engine::SessionEvents& ev, size_t index,
                                                int) override {
    return std::make_unique<FakeSession>(io, ev, index, rules_);
  }
  uint32_t label() const override { return intern("fake://sessions"); }
  uint64_t message_bytes() const override { return 64; }
  std::string protocol() const override { return "fake"; }

 private:
  FakeRules rules_;
};

struct Ran {
  AttackRun run;
  testing::RecordingSink sink;
};

std::unique_ptr<Ran> run(int sessions, double open_rate, double per_session, milliseconds duration, FakeRules rules,
                         int threads = 1) {
  auto out = std::make_unique<Ran>();
  FakeDriver driver(rules);
  engine::SessionPlan plan;
  plan.sessions = sessions;
  plan.opens = constant_pacer(open_rate);
  plan.messages = constant_pacer(per_session);
  AttackOptions o;
  o.load.duration = duration;
  o.load.timeout = milliseconds(200);
  o.sink = &out->sink;
  o.monitor_self = false;
  out->run = engine::run_sessions(o, driver, plan, threads, "fake");
  return out;
}

uint64_t count(const testing::RecordingSink& s, Kind k, uint16_t status = 0) {
  return static_cast<uint64_t>(std::count_if(s.all.begin(), s.all.end(), [&](const Result& r) {
    return r.kind == k && (status == 0 || r.status == status);
  }));
}

// Opens follow the ramp exactly; each session's messages follow its pacer from its base, one
// interval apart; none is due after the duration. Asserted on scheduled times: the same on a
// busy machine.
TEST(Sessions, OpensAndMessagesFollowTheirSchedules) {
  const auto r = run(10, 100, 50, milliseconds(600), {});
  const std::vector<int64_t> opens = r->sink.scheduled(Kind::kWsHandshake);
  ASSERT_EQ(opens.size(), 10u);
  for (size_t k = 0; k < opens.size(); ++k) EXPECT_EQ(opens[k], static_cast<int64_t>(k) * 10'000'000) << k;
  // Each session's messages, by the session's open record: 20 ms apart from its base.
  std::vector<int64_t> msgs = r->sink.scheduled(Kind::kWsMessage);
  ASSERT_FALSE(msgs.empty());
  for (int64_t t : msgs) EXPECT_LT(t, 600'000'000) << "no message due after the duration";
  // Sessions send in step 20 ms apart, their phases spread over the interval: the gaps between
  // consecutive due times of all sessions are never negative and the per-session count is
  // between (600 - open - 20) / 20 and (600 - open) / 20 + 1.
  EXPECT_GE(msgs.size(), 10u * 20);
  EXPECT_LE(msgs.size(), 10u * 31);
  EXPECT_EQ(count(r->sink, Kind::kWsMessage, kWsOk), msgs.size()) << "every message answered";
  EXPECT_EQ(r->run.metrics.generator().scheduled, msgs.size());
  EXPECT_EQ(count(r->sink, Kind::kWsClose, 1000), 10u) << "every session closed cleanly at the end";
}

// An answer that never comes is lost (no latency) when the session ends; a session the peer
// closes is recorded with the peer's code and reason, and its messages in flight are lost.
TEST(Sessions, LostMessagesAndPeerClosesAreRecorded) {
  FakeRules drop;
  drop.drop_every = 5;
  const auto d = run(4, 1000, 100, milliseconds(300), drop);
  const uint64_t sent = d->run.metrics.generator().scheduled;
  const uint64_t lost = count(d->sink, Kind::kWsMessage, kWsLost);
  EXPECT_GE(lost, sent / 5 - 4);
  EXPECT_LE(lost, sent / 5 + 4);
  for (const Result& r : d->sink.all)
    if (r.kind == Kind::kWsMessage && r.status == kWsLost) {
      EXPECT_EQ(r.error_kind, ErrorKind::kLost);
      EXPECT_FALSE(interned(r.error).empty());
    }

  FakeRules closing;
  closing.close_after = 3;
  const auto c = run(3, 1000, 100, milliseconds(300), closing);
  EXPECT_EQ(count(c->sink, Kind::kWsClose, 1001), 3u);
  for (const Result& r : c->sink.all) {
    if (r.kind == Kind::kWsClose) {
      EXPECT_EQ(interned(r.error), "closed by server: 1001");
    }
  }
}

// Two threads share the sessions (session g to thread g mod 2): every session opens once.
TEST(Sessions, ThreadsShareTheSessions) {
  const auto r = run(9, 1000, 20, milliseconds(300), {}, 2);
  const std::vector<int64_t> opens = r->sink.scheduled(Kind::kWsHandshake);
  ASSERT_EQ(opens.size(), 9u);
  for (size_t k = 0; k < opens.size(); ++k) EXPECT_EQ(opens[k], static_cast<int64_t>(k) * 1'000'000);
  EXPECT_EQ(r->run.metrics.generator().threads, 2);
}

// A real-time thread of higher priority than the probe holds CPU 0 for 20 ms: the probe of CPU 0
// records the stall, the probe of another CPU does not. (Needs the right to real-time priority,
// as CI's root has; without it there is no probe and nothing to check.)
TEST(StallProbe, SeesTheCoreHeldFromIt) {
  engine::StallProbe probe;
  if (!probe.running()) GTEST_SKIP() << "no real-time priority here: the probe does not run";
  std::this_thread::sleep_for(milliseconds(5));
  int64_t from = 0, to = 0;
  std::thread hog([&] {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    sched_param prio{};
    prio.sched_priority = 2;
    pthread_setaffinity_np(pthread_self(), sizeof one, &one);
    pthread_setschedparam(pthread_self(), SCHED_FIFO, &prio);
    from = steady_now_ns();
    while (steady_now_ns() - from < 20'000'000) {
    }
    to = steady_now_ns();
  });
  hog.join();
  std::this_thread::sleep_for(milliseconds(5));  // the probe wakes and records
  EXPECT_TRUE(probe.held(0, from, to, 15'000'000)) << "CPU 0 held for 20 ms";
  EXPECT_GE(probe.stall_ns(), 15'000'000);
  if (std::thread::hardware_concurrency() > 1) {
    EXPECT_FALSE(probe.held(1, from, to, 15'000'000));
  }
}

}  // namespace
}  // namespace loadgate
