// journey_suite.cc: a user journey against the embedded API (journeys/shop.json): log in, who
// am I, create an order, read it back, at 200 journeys/s. Gated per step (p99 of each step by
// its name) and per journey (rate, success, p99) in baselines/api.json, scenario "journey".
#include <loadgate/gtest.h>

using namespace std::chrono_literals;

TEST(ApiJourney, Journey) {
  const loadgate::Scenario& s = loadgate::scenario("api.journey");
  auto run = loadgate::attack(loadgate::load_journey(s.journey), s);
  PERF_EXPECT_BASELINE(run);
  const loadgate::Summary journeys = run.metrics.summarize(loadgate::Kind::kJourney);
  EXPECT_GT(journeys.requests, 0u);
  EXPECT_EQ(journeys.success, journeys.requests) << "every journey ran all its steps";
}
