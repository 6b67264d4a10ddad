// url_test.cc: the URL splitter and redirect resolution, as tables.
#include "loadgate/url.h"

#include <gtest/gtest.h>

namespace loadgate {
namespace {

struct UrlRow {
  const char* text;
  const char* scheme;  // nullptr: rejected
  const char* host;
  uint16_t port;
  const char* target;
  const char* authority;
};

class UrlParse : public ::testing::TestWithParam<UrlRow> {};

TEST_P(UrlParse, SplitsOrRejects) {
  const UrlRow& row = GetParam();
  auto u = parse_url(row.text);
  if (!row.scheme) {
    EXPECT_FALSE(u) << row.text << " was accepted";
    return;
  }
  ASSERT_TRUE(u) << row.text;
  EXPECT_EQ(u->scheme, row.scheme);
  EXPECT_EQ(u->host, row.host);
  EXPECT_EQ(u->port, row.port);
  EXPECT_EQ(u->target, row.target);
  EXPECT_EQ(u->authority(), row.authority);
}

INSTANTIATE_TEST_SUITE_P(
    Table, UrlParse,
    ::testing::Values(
        // happy paths
        UrlRow{"http://127.0.0.1:8000/api/items", "http", "127.0.0.1", 8000, "/api/items", "127.0.0.1:8000"},
        UrlRow{"https://example.com", "https", "example.com", 443, "/", "example.com"},
        UrlRow{"HTTP://h/a?b=1#frag", "http", "h", 80, "/a?b=1", "h"},   // scheme case, fragment dropped
        UrlRow{"http://h?q", "http", "h", 80, "/?q", "h"},              // query without a path
        UrlRow{"ws://[::1]:9000/echo", "ws", "::1", 9000, "/echo", "[::1]:9000"},
        UrlRow{"wss://h:443/", "wss", "h", 443, "/", "h"},              // default port not repeated
        UrlRow{"http://:6060/", "http", "localhost", 6060, "/", "localhost:6060"},  // Go's empty host
        // sad paths
        UrlRow{"ftp://h/", nullptr, "", 0, "", ""},            // scheme
        UrlRow{"h:80/", nullptr, "", 0, "", ""},               // not absolute
        UrlRow{"http:///p", nullptr, "", 0, "", ""},           // no authority
        UrlRow{"http://u:p@h/", nullptr, "", 0, "", ""},       // user info
        UrlRow{"http://h:0/", nullptr, "", 0, "", ""},         // port 0
        UrlRow{"http://h:70000/", nullptr, "", 0, "", ""},     // port range
        UrlRow{"http://h:8x/", nullptr, "", 0, "", ""},        // port digits
        UrlRow{"http://[::1/", nullptr, "", 0, "", ""},        // bracket
        UrlRow{"http://h/p q", nullptr, "", 0, "", ""},        // space: would split the request line
        UrlRow{"http://h/p\r\nX: 1", nullptr, "", 0, "", ""},  // CR LF: header injection
        UrlRow{"http://h/p\tq", nullptr, "", 0, "", ""},       // control byte
        UrlRow{"http://h/\x7f", nullptr, "", 0, "", ""}));     // DEL

struct ResolveRow {
  const char* base;
  const char* location;
  const char* want;  // origin + target; nullptr: rejected
};

class UrlResolve : public ::testing::TestWithParam<ResolveRow> {};

TEST_P(UrlResolve, FollowsRedirectLocations) {
  const ResolveRow& row = GetParam();
  auto u = resolve_url(*parse_url(row.base), row.location);
  if (!row.want) {
    EXPECT_FALSE(u) << row.location;
    return;
  }
  ASSERT_TRUE(u) << row.location;
  EXPECT_EQ(u->origin() + u->target, row.want);
}

INSTANTIATE_TEST_SUITE_P(Table, UrlResolve,
                         ::testing::Values(ResolveRow{"http://h/a/b", "/c", "http://h:80/c"},
                                           ResolveRow{"http://h/a/b?x", "c?y", "http://h:80/a/c?y"},
                                           ResolveRow{"http://h/a", "https://o:8443/z", "https://o:8443/z"},
                                           ResolveRow{"https://h/a", "//o/z", "https://o:443/z"},
                                           ResolveRow{"http://h/a", "", nullptr},
                                           ResolveRow{"http://h/a", "/b c", nullptr}));

}  // namespace
}  // namespace loadgate
