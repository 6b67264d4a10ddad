// duration_test.cc: Go duration syntax and RFC 3339.
#include "loadgate/duration.h"

#include <gtest/gtest.h>

namespace loadgate {
namespace {

struct Row {
  const char* text;
  int64_t ns;
};

TEST(Duration, ParsesGoSyntax) {
  const Row rows[] = {{"0", 0},
                      {"30s", 30'000'000'000},
                      {"1m", 60'000'000'000},
                      {"1m30s", 90'000'000'000},
                      {"500ms", 500'000'000},
                      {"1.5s", 1'500'000'000},
                      {"100us", 100'000},
                      {"100\xC2\xB5s", 100'000},
                      {"7ns", 7},
                      {"2h45m", 9'900'000'000'000},
                      {".5s", 500'000'000},
                      {"-1s", -1'000'000'000}};
  for (const Row& r : rows) {
    auto d = parse_duration(r.text);
    ASSERT_TRUE(d) << r.text;
    EXPECT_EQ(d->count(), r.ns) << r.text;
  }
  for (const char* bad : {"", "30", "s", "1x", "1.s5", "abc", "1s2", "9999999999h"})
    EXPECT_FALSE(parse_duration(bad)) << bad;
}

TEST(Duration, FormatsLikeGo) {
  const Row rows[] = {{"0s", 0},
                      {"1ns", 1},
                      {"1.5\xC2\xB5s", 1500},
                      {"1.257ms", 1'257'000},
                      {"59.95s", 59'950'000'000},
                      {"1m0s", 60'000'000'000},
                      {"2m0.5s", 120'500'000'000},
                      {"1h0m0s", 3'600'000'000'000}};
  for (const Row& r : rows) EXPECT_EQ(format_duration(Nanos(r.ns)), r.text);
}

TEST(Duration, Rfc3339RoundTrip) {
  const int64_t t = 1'764'234'451'123'456'789;
  EXPECT_EQ(format_rfc3339(t), "2025-11-27T09:07:31.123456789Z");
  EXPECT_EQ(parse_rfc3339(format_rfc3339(t)), t);
  EXPECT_EQ(parse_rfc3339("2025-11-27T10:07:31.5+01:00"), 1'764'234'451'500'000'000);
  EXPECT_FALSE(parse_rfc3339("yesterday"));
}

}  // namespace
}  // namespace loadgate
