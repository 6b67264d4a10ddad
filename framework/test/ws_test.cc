// ws_test.cc: the WebSocket driver against the embedded server, in process.
#include "loadgate/ws.h"

#include <gtest/gtest.h>

#include "loadgate/error.h"
#include "loadgate/services/ws_service.h"

namespace loadgate {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class Ws : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    services::WsServiceOptions o;
    o.port = 0;
    server_ = new services::WsService(o);
    server_->start();
  }
  static void TearDownTestSuite() { delete server_; }
  static WsOptions at(const std::string& path, int connections, double rate_per_conn) {
    WsOptions w;
    w.url = server_->url() + path;
    w.connections = connections;
    w.rate_per_conn = rate_per_conn;
    return w;
  }
  static AttackOptions lasting(Nanos d) {
    AttackOptions o;
    o.duration = d;
    o.timeout = seconds(2);
    return o;
  }
  static const Group& group(const AttackRun& run, Kind k) {
    const Group* g = run.metrics.group(k);
    EXPECT_NE(g, nullptr) << kind_name(k);
    static const Group empty;
    return g ? *g : empty;
  }
  static services::WsService* server_;
};
services::WsService* Ws::server_ = nullptr;

TEST_F(Ws, EchoRoundTripsAreMeasured) {
  WsOptions w = at("/echo", 20, 20);
  AttackRun run = attack_ws(w, lasting(seconds(2)));
  const Summary m = summarize(group(run, Kind::kWsMessage).total, Kind::kWsMessage);
  const Summary h = summarize(group(run, Kind::kWsHandshake).total, Kind::kWsHandshake);
  EXPECT_EQ(h.requests, 20u);
  EXPECT_EQ(h.status_codes.at("101"), 20u);
  // 20 connections x 20 msg/s over the 2 s after the ramp (20 ms): about 800 round trips.
  EXPECT_NEAR(static_cast<double>(m.requests), 800, 30);
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
  AttackRun run = attack_ws(w, lasting(milliseconds(2500)));
  const Stats& h = group(run, Kind::kWsHandshake).total;
  EXPECT_EQ(h.requests, 40u);
  EXPECT_EQ(h.success, 40u);
  // Handshakes were started from 0 to 39/20 s: their send times span 1.95 s.
  EXPECT_NEAR(static_cast<double>(h.latest_ns - h.earliest_ns), 1.95e9, 0.05e9);
  EXPECT_LE(h.late, 2u) << "handshakes start on the ramp's schedule (a timer may fire >1 ms late on a busy machine)";
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
  // The dropped ones lived about 500 ms.
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
  // Every message of the 5 senders reaches all 5 members: 5 x 5 x ~10.
  EXPECT_NEAR(static_cast<double>(p.requests), 250, 30);
  EXPECT_EQ(p.success, p.requests);
  EXPECT_LT(p.latency.p99, 50'000'000);
}

TEST_F(Ws, BinaryFramesAndLargerMessages) {
  WsOptions w = at("/echo", 4, 20);
  w.binary = true;
  w.message_size = 4096;
  AttackRun run = attack_ws(w, lasting(seconds(1)));
  const Summary m = summarize(group(run, Kind::kWsMessage).total, Kind::kWsMessage);
  EXPECT_GT(m.requests, 60u);
  EXPECT_EQ(m.success, m.requests);
  EXPECT_DOUBLE_EQ(m.bytes_in_mean, 4096);
}

}  // namespace
}  // namespace loadgate
