// websocket_suite.cc: the seed's WebSocket scenarios against the embedded echo server (or
// $LOADGATE_WEBSOCKET_URL / $LOADGATE_WS_URL). Load and thresholds: baselines/websocket.json.
#include <loadgate/gtest.h>

namespace {

loadgate::ScenarioRun run(const std::string& key) {
  loadgate::WsOptions w;
  w.url = "ws://127.0.0.1:8000/echo";  // host and port replaced by the service's URL
  return loadgate::attack(w, loadgate::scenario(key));
}

TEST(Websocket, Light) {
  auto r = run("websocket.light");
  PERF_EXPECT_BASELINE(r);
}

TEST(Websocket, Medium) {
  auto r = run("websocket.medium");
  PERF_EXPECT_BASELINE(r);
}

TEST(Websocket, Heavy) {
  auto r = run("websocket.heavy");  // 1000 connections x 100 msg/s
  PERF_EXPECT_BASELINE(r);
}

TEST(Websocket, Stress) {
  auto r = run("websocket.stress");  // 2000 connections x 50 msg/s
  PERF_EXPECT_BASELINE(r);
}

TEST(Websocket, Soak) {
  auto r = run("websocket.soak");
  PERF_EXPECT_BASELINE(r);
}

}  // namespace

namespace {

TEST(Websocket, Breakpoint) {
  const loadgate::Scenario& s = loadgate::scenario("websocket.breakpoint");
  loadgate::WsOptions w;
  w.url = "ws://127.0.0.1:8000/echo";
  const loadgate::Breakpoint b = loadgate::breakpoint(w, s);  // messages per second, all connections
  PERF_EXPECT_CAPACITY_AT_LEAST(b, s.search->min_capacity);
}

}  // namespace
