// websocket_suite.cc: the seed's WebSocket scenarios against the embedded echo server (or
// $LOADGATE_WEBSOCKET_URL / $LOADGATE_WS_URL). Load and thresholds: baselines/websocket.json.
#include <loadgate/gtest.h>

namespace {

// The echo endpoint; host and port are replaced by the service's URL.
loadgate::WsOptions echo() {
  loadgate::WsOptions w;
  w.url = "ws://127.0.0.1:8000/echo";
  return w;
}

loadgate::ScenarioRun run(const std::string& key) { return loadgate::attack(echo(), loadgate::scenario(key)); }

TEST(Websocket, Light) { PERF_EXPECT_BASELINE(run("websocket.light")); }
TEST(Websocket, Medium) { PERF_EXPECT_BASELINE(run("websocket.medium")); }
TEST(Websocket, Heavy) { PERF_EXPECT_BASELINE(run("websocket.heavy")); }    // 1000 connections x 100 msg/s
TEST(Websocket, Stress) { PERF_EXPECT_BASELINE(run("websocket.stress")); }  // 2000 connections x 50 msg/s
TEST(Websocket, Soak) { PERF_EXPECT_BASELINE(run("websocket.soak")); }

TEST(Websocket, Breakpoint) {  // messages per second, all connections
  const auto b = loadgate::breakpoint(echo(), loadgate::scenario("websocket.breakpoint"));
  PERF_EXPECT_BASELINE(b, "websocket.breakpoint");
}

}  // namespace
