// journey_suite.cc: user journeys, gated per step (p99 of each step by its name) and per journey
// (rate, success, p99) in baselines/api.json:
//   api.journey        the shop (journeys/shop.json) on the embedded API at 200 journeys/s;
//   api.cross-journey  journeys/cross.json at 100 journeys/s across the three embedded services:
//                      login over HTTP, a kernel call (gRPC) with the token in its metadata, the
//                      result received on a WebSocket room named by the token.
#include <loadgate/gtest.h>

#include <optional>

#include "loadgate/journey.h"
#include "loadgate/scenario.h"
#include "loadgate/service.h"

using namespace std::chrono_literals;

namespace {

// A service beside the scenario's: a deployed one named in the environment ($LOADGATE_GRPC_ADDR,
// $LOADGATE_WS_URL), else the embedded one started for this test, stopped with it.
struct Companion {
  explicit Companion(const std::string& name) {
    if (auto url = loadgate::service_url_from_env(name)) {
      address = name == "websocket" ? loadgate::ws_origin(*url) : *url;
      return;
    }
    started.emplace(*loadgate::builtin_process(name), name, loadgate::reports_dir() + "/cross-journey." + name + ".log");
    address = name == "websocket" ? started->url("ws") : started->address();
  }
  std::optional<loadgate::Service> started;
  std::string address;  ///< host:port (gRPC) or ws://host:port
};

}  // namespace

TEST(ApiJourney, Journey) {
  const loadgate::Scenario& s = loadgate::scenario("api.journey");
  auto run = loadgate::attack(loadgate::load_journey(s.journey), s);
  PERF_EXPECT_BASELINE(run);
  const loadgate::Summary journeys = run.metrics.summarize(loadgate::Kind::kJourney);
  EXPECT_GT(journeys.requests, 0u);
  EXPECT_EQ(journeys.success, journeys.requests) << "every journey ran all its steps";
}

TEST(ApiJourney, CrossJourney) {
  const loadgate::Scenario& s = loadgate::scenario("api.cross-journey");
  const Companion kernel("kernel"), ws("websocket");
  loadgate::Journey j = loadgate::load_journey(s.journey);
  loadgate::point_journey(j, "kernel", kernel.address, "");
  loadgate::point_journey(j, "websocket", "", ws.address);
  auto run = loadgate::attack(std::move(j), s);
  PERF_EXPECT_BASELINE(run);
  for (loadgate::Kind k : {loadgate::Kind::kHttp, loadgate::Kind::kGrpcUnary, loadgate::Kind::kWsMessage})
    EXPECT_GT(run.metrics.summarize(k).requests, 0u) << "every protocol's step ran: " << loadgate::kind_name(k);
}
