// ws_test.cc: the WebSocket driver against the embedded server, in process.
#include "loadgate/ws.h"

#include <gtest/gtest.h>

#include "loadgate/error.h"
#include "loadgate/services/ws_service.h"
#include "kit/load.h"
#include "kit/results.h"
#include "kit/services.h"

namespace loadgate {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class Ws : public testing::WsFixture {
 protected:
  static WsOptions at(const std::string& path, int connections, double rate_per_conn) {
    WsOptions w;
    w.url = server_->url() + path;
    w.connections = connections;
    w.rate_per_conn = rate_per_conn;
    return w;
  }
  static AttackOptions lasting(Nanos d) { return testing::lasting(d, seconds(2)); }
  static const Group& group(const AttackRun& run, Kind k) {
    const Group* g = run.metrics.group(k);
    EXPECT_NE(g, nullptr) << kind_name(k);
    static const Group empty;
    return g ? *g : empty;
  }
};

TEST_F(Ws, EchoRoundTripsAreMeasured) {
  WsOptions w = at("/echo", 20, 20);
  AttackOptions o = lasting(seconds(2));
  testing::RecordingSink sink;
  o.sink = &sink;
  AttackRun run = attack_ws(w, o);
  const Summary m = summarize(group(run, Kind::kWsMessage).total, Kind::kWsMessage);
  const Summary h = summarize(group(run, Kind::kWsHandshake).total, Kind::kWsHandshake);
  EXPECT_EQ(h.requests, 20u);
  EXPECT_EQ(h.status_codes.at("101"), 20u);
  // Each connection sends every 50 ms from its open (plus a phase under 50 ms) until 2 s: from
  // the opens actually measured, between (2 s - open - 50 ms) / 50 ms and (2 s - open) / 50 ms
  // + 1 messages each. How late connections open depends on the machine; the count follows.
  double low = 0, high = 0;
  for (const Result& r : sink.all)
    if (r.kind == Kind::kWsHandshake) {
      const double open_s = static_cast<double>(r.end_ns() - sink.info.started_ns) / 1e9;
      low += std::max(0.0, (2.0 - open_s - 0.05) / 0.05 - 1);
      high += (2.0 - open_s) / 0.05 + 1;
    }
  EXPECT_GE(static_cast<double>(m.requests), low);
  EXPECT_LE(static_cast<double>(m.requests), high);
  EXPECT_LE(m.requests, 820u);
  EXPECT_EQ(m.success, m.requests);
  EXPECT_EQ(m.status_codes.at("ok"), m.requests);
  EXPECT_EQ(m.bytes_in, m.bytes_out);
  EXPECT_GT(m.latency.p50, 0);
  EXPECT_LT(m.latency.p50, 20'000'000);
  const Summary c = summarize(group(run, Kind::kWsClose).total, Kind::kWsClose);
  EXPECT_EQ(c.status_codes.at("1000"), 20u);
  EXPECT_EQ(c.success, 20u);
}

TEST_F(Ws, ConnectionRampIsHonoured) {
  WsOptions w = at("/echo", 40, 0);  // idle connections
  w.connect_rate = 20;               // 40 connections over 2 s
  AttackOptions o = lasting(milliseconds(2500));
  testing::RecordingSink sink;
  o.sink = &sink;
  AttackRun run = attack_ws(w, o);
  const Stats& h = group(run, Kind::kWsHandshake).total;
  EXPECT_EQ(h.requests, 40u);
  EXPECT_EQ(h.success, 40u);
  const std::vector<int64_t> due = sink.scheduled(Kind::kWsHandshake);
  ASSERT_EQ(due.size(), 40u);
  for (size_t k = 0; k < due.size(); ++k) EXPECT_EQ(due[k], static_cast<int64_t>(k) * 50'000'000) << "connection " << k;
  for (const Result& r : sink.all) EXPECT_GE(r.send_delay_ns, 0) << "no handshake starts before it is due";
}

TEST_F(Ws, DropsAreCountedWhenTheServerClosesHalf) {
  WsOptions w = at("/drop?every=2&after=500", 20, 10);
  AttackRun run = attack_ws(w, lasting(seconds(2)));
  const Summary c = summarize(group(run, Kind::kWsClose).total, Kind::kWsClose);
  EXPECT_EQ(c.requests, 20u);
  EXPECT_EQ(c.success, 10u);  // closed by us at the end
  EXPECT_EQ(c.status_codes.at("1001"), 10u);
  EXPECT_EQ(c.status_codes.at("1000"), 10u);
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0], "closed by server: 1001 dropped by the server");
  // The dropped ones lived about 500 ms (the server drops them then; 200 ms of slack for a busy
  // machine), the others the whole attack.
  EXPECT_LT(c.latency.p50, 700'000'000);
}

TEST_F(Ws, RefusedHandshakesAreCountedWithTheirStatus) {
  for (const auto& [path, code, text] :
       {std::tuple<std::string, std::string, std::string>{"/forbidden", "403", "handshake: 403 Forbidden"},
        {"/nope", "404", "handshake: 404 Not Found"}}) {
    AttackRun run = attack_ws(at(path, 5, 1), lasting(milliseconds(500)));
    const Summary h = summarize(group(run, Kind::kWsHandshake).total, Kind::kWsHandshake);
    EXPECT_EQ(h.requests, 5u) << path;
    EXPECT_EQ(h.success, 0u) << path;
    EXPECT_EQ(h.status_codes.at(code), 5u) << path;
    ASSERT_EQ(h.errors.size(), 1u) << path;
    EXPECT_EQ(h.errors[0], text);
    EXPECT_EQ(run.metrics.group(Kind::kWsMessage), nullptr) << "no messages on refused connections";
  }
}

TEST_F(Ws, MalformedFramesDropTheConnectionWithAReason) {
  AttackRun run = attack_ws(at("/malformed", 4, 10), lasting(milliseconds(800)));
  const Summary c = summarize(group(run, Kind::kWsClose).total, Kind::kWsClose);
  EXPECT_EQ(c.requests, 4u);
  EXPECT_EQ(c.success, 0u);
  ASSERT_FALSE(c.errors.empty());
  EXPECT_EQ(c.errors[0].rfind("dropped: ", 0), 0u) << c.errors[0];
}

TEST_F(Ws, WrongUrlIsAnErrorOrCountedFailures) {
  WsOptions http;
  http.url = "http://127.0.0.1/echo";
  EXPECT_THROW(attack_ws(http, lasting(seconds(1))), InputError);
  WsOptions w;
  w.url = "ws://127.0.0.1:1/echo";
  w.connections = 3;
  AttackRun run = attack_ws(w, lasting(milliseconds(500)));
  const Summary h = summarize(group(run, Kind::kWsHandshake).total, Kind::kWsHandshake);
  EXPECT_EQ(h.requests, 3u);
  EXPECT_EQ(h.success, 0u);
  EXPECT_EQ(h.status_codes.at("0"), 3u);
}

TEST_F(Ws, BroadcastPushesAreCountedAndTimed) {
  WsOptions w = at("/broadcast?room=t1", 5, 10);
  w.push = true;
  AttackRun run = attack_ws(w, lasting(seconds(1)));
  const Summary p = summarize(group(run, Kind::kWsPush).total, Kind::kWsPush);
  // Every message of the 5 senders reaches all 5 members, but for each sender's last one,
  // which may still be on its way when the attack closes the connections.
  const uint64_t sent = run.metrics.generator().scheduled;
  EXPECT_GT(sent, 0u);
  EXPECT_LE(p.requests, 5 * sent);
  EXPECT_GE(p.requests + 25, 5 * sent);
  EXPECT_EQ(p.success, p.requests);
  // Delivery on loopback takes microseconds: 500 ms is far beyond any scheduling hiccup.
  EXPECT_LT(p.latency.p99, 500'000'000);
}

TEST_F(Ws, BinaryFramesAndLargerMessages) {
  WsOptions w = at("/echo", 4, 20);
  w.binary = true;
  w.message_size = 4096;
  AttackRun run = attack_ws(w, lasting(seconds(1)));
  const Summary m = summarize(group(run, Kind::kWsMessage).total, Kind::kWsMessage);
  EXPECT_GT(m.requests, 0u);
  EXPECT_EQ(m.success, m.requests);
  EXPECT_DOUBLE_EQ(m.bytes_in_mean, 4096);
}

}  // namespace
}  // namespace loadgate
