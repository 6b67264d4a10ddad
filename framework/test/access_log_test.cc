// access_log_test.cc: reading recorded logs (access_log.h) and planning their replay (replay.h):
// each format's lines against the request and arrival time they must give, unparsed lines named,
// and the schedule a plan makes (offsets, speed, windows, filters, secrets) against exact values.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "loadgate/error.h"
#include "loadgate/replay.h"

namespace loadgate {
namespace {

// A file in the test's temp directory holding `text`; its path.
std::string file_with(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "lg_log_" + std::to_string(getpid()) + "_" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::vector<LoggedRequest> read_all(const std::string& path, const LogOptions& o = {}) {
  LogReader log(path, o);
  std::vector<LoggedRequest> out;
  LoggedRequest r;
  while (log.next(r)) out.push_back(r);
  return out;
}

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kMs = 1'000'000;
// 04/Dec/2025:00:00:00 +0000
constexpr int64_t kDec4 = 1764806400LL * kS;

const char* kTimed = "$remote_addr - [$time_local] \"$request\" $status $msec $request_time";

struct LineCase {
  const char* name;
  LogFormat format;
  const char* nginx_format;
  std::string line;
  const char* method;
  const char* url;
  int64_t at_ns;        // arrival
  int64_t resolution;   // of at_ns
  const char* body;
};

TEST(AccessLog, EachFormatGivesTheRequestAndItsArrival) {
  const std::vector<LineCase> cases = {
      {"nginx combined", LogFormat::kNginx, "",
       R"(10.0.0.1 - - [04/Dec/2025:00:00:07 +0000] "GET /api/items?x=1 HTTP/1.1" 200 12 "-" "curl/8")", "GET",
       "/api/items?x=1", kDec4 + 7 * kS, kS, ""},
      {"nginx combined, other zone and extra fields", LogFormat::kNginx, "",
       R"(10.0.0.1 - bob [04/Dec/2025:01:00:07 +0100] "DELETE /a HTTP/2.0" 204 0 "http://r/" "ua" 0.004 extra)",
       "DELETE", "/a", kDec4 + 7 * kS, kS, ""},
      {"Apache common", LogFormat::kApache, "", R"(10.0.0.1 - frank [04/Dec/2025:00:00:09 +0000] "POST /login HTTP/1.0" 302 -)",
       "POST", "/login", kDec4 + 9 * kS, kS, ""},
      {"nginx $msec minus $request_time", LogFormat::kNginx, kTimed,
       R"(127.0.0.1 - [04/Dec/2025:00:00:01 +0000] "GET /x HTTP/1.1" 200 1764806401.250 0.125)", "GET", "/x",
       kDec4 + 1 * kS + 125 * kMs, kMs, ""},
      {"nginx $host and $request_body", LogFormat::kNginx,
       "[$time_iso8601] $host \"$request\" \"$request_body\"",
       R"([2025-12-04T00:00:03+00:00] 127.0.0.1:8000 "PUT /i/1 HTTP/1.1" "{\x22a\x22:1}")", "PUT",
       "http://127.0.0.1:8000/i/1", kDec4 + 3 * kS, kS, R"({"a":1})"},
      {"JSON lines, usual keys", LogFormat::kJsonl, "",
       R"({"time":"2025-12-04T00:00:02.500Z","method":"GET","uri":"/j?q=2","host":"127.0.0.1:9","request_time":0.5})", "GET",
       "http://127.0.0.1:9/j?q=2", kDec4 + 2 * kS, kMs, ""},
      {"JSON lines, epoch milliseconds", LogFormat::kJsonl, "",
       R"({"ts":1764806405123,"request":"HEAD /h HTTP/1.1"})", "HEAD", "/h", kDec4 + 5 * kS + 123 * kMs, kMs, ""},
  };
  for (const LineCase& c : cases) {
    SCOPED_TRACE(c.name);
    LogOptions o;
    o.format = c.format;
    o.nginx_format = c.nginx_format;
    const auto got = read_all(file_with("line.log", c.line + "\n"), o);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].target.method, c.method);
    EXPECT_EQ(got[0].target.url, c.url);
    EXPECT_EQ(got[0].at_ns, c.at_ns);
    EXPECT_EQ(got[0].resolution_ns, c.resolution);
    EXPECT_EQ(got[0].target.body, c.body);
    EXPECT_EQ(got[0].line, 1u);
  }
}

TEST(AccessLog, LoggedHeadersAreSentNamedAsHttpHeaders) {
  LogOptions o;
  o.nginx_format = "[$msec] \"$request\" \"$http_user_agent\" \"$http_x_tenant_id\" \"$http_referer\"";
  const auto got = read_all(file_with("h.log", "[1764806400.000] \"GET / HTTP/1.1\" \"ua/1\" \"t-7\" \"-\"\n"), o);
  ASSERT_EQ(got.size(), 1u);
  const std::vector<Header> want = {{"User-Agent", "ua/1"}, {"X-Tenant-Id", "t-7"}};  // "-" is no header
  EXPECT_EQ(got[0].target.headers, want);
}

TEST(AccessLog, LinesThatAreNotRequestsAreCountedAndNamed) {
  const std::string path = file_with(
      "bad.log",
      "10.0.0.1 - - [04/Dec/2025:00:00:01 +0000] \"GET /ok HTTP/1.1\" 200 1 \"-\" \"-\"\n"
      "\n"  // blank: not counted
      "garbage\n"
      "10.0.0.1 - - [04/Dec/2025:00:00:02 +0000] \"\\x16\\x03\\x01\" 400 1 \"-\" \"-\"\n"
      "10.0.0.1 - - [99/Dec/2025:00:00:02 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\"\n"
      "10.0.0.1 - - [04/Dec/2025:00:00:03 +0000] \"GET /ok2 HTTP/1.1\" 200 1 \"-\" \"-\"\n");
  LogReader log(path, {});
  LoggedRequest r;
  std::vector<std::string> got;
  while (log.next(r)) got.push_back(r.target.url);
  EXPECT_EQ(got, (std::vector<std::string>{"/ok", "/ok2"}));
  EXPECT_EQ(log.lines(), 6u);
  EXPECT_EQ(log.unparsed(), 3u);
  ASSERT_EQ(log.unparsed_examples().size(), 3u);
  EXPECT_EQ(log.unparsed_examples()[0].rfind(path + ":3: ", 0), 0u) << log.unparsed_examples()[0];
  EXPECT_NE(log.unparsed_examples()[1].find(":4: "), std::string::npos) << log.unparsed_examples()[1];
  EXPECT_NE(log.unparsed_examples()[1].find("request line"), std::string::npos) << log.unparsed_examples()[1];
  EXPECT_NE(log.unparsed_examples()[2].find(":5: $time_local"), std::string::npos) << log.unparsed_examples()[2];
}

TEST(AccessLog, LinesWrittenAsRequestsEndComeBackInArrivalOrder) {
  // nginx writes /slow's line last though it arrived first (it took 2 s).
  LogOptions o;
  o.nginx_format = kTimed;
  const auto got = read_all(file_with("order.log",
                                      "1 - [04/Dec/2025:00:00:01 +0000] \"GET /fast1 HTTP/1.1\" 200 1764806400.500 0.010\n"
                                      "1 - [04/Dec/2025:00:00:01 +0000] \"GET /fast2 HTTP/1.1\" 200 1764806401.000 0.010\n"
                                      "1 - [04/Dec/2025:00:00:02 +0000] \"GET /slow HTTP/1.1\" 200 1764806402.000 2.000\n"),
                            o);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].target.url, "/slow");
  EXPECT_EQ(got[0].at_ns, kDec4);
  EXPECT_EQ(got[1].target.url, "/fast1");
  EXPECT_EQ(got[2].target.url, "/fast2");
}

TEST(AccessLog, HarEntriesComeInStartOrderWithHeadersAndBodies) {
  const std::string har = R"({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "pages": [],
    "entries": [
      {"startedDateTime": "2025-12-04T00:00:01.250Z", "time": 12.5, "pageref": "page_1",
       "request": {"method": "POST", "url": "http://127.0.0.1:8000/api/items",
                   "headers": [{"name": ":authority", "value": "x"}, {"name": "Content-Type", "value": "application/json"},
                               {"name": "Content-Length", "value": "9"}, {"name": "Cookie", "value": "s=1"}],
                   "postData": {"mimeType": "application/json", "text": "{\"a\": 1}"}},
       "response": {"status": 201}},
      {"startedDateTime": "2025-12-04T01:00:01.000+01:00", "time": 3, "pageref": "page_1",
       "request": {"method": "GET", "url": "http://127.0.0.1:8000/", "headers": []}, "response": {"status": 200}},
      {"startedDateTime": "2025-12-04T00:00:02Z", "request": {"method": "GET", "url": "data:text/plain,x"}}
    ]}})";
  LogReader log(file_with("rec.har", har), {});
  LoggedRequest r;
  std::vector<LoggedRequest> got;
  while (log.next(r)) got.push_back(r);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(log.format(), LogFormat::kHar);
  EXPECT_EQ(got[0].target.url, "http://127.0.0.1:8000/");
  EXPECT_EQ(got[0].at_ns, kDec4 + 1 * kS);
  EXPECT_EQ(got[1].target.method, "POST");
  EXPECT_EQ(got[1].at_ns, kDec4 + 1 * kS + 250 * kMs);
  EXPECT_EQ(got[1].took_ns, 12'500'000);
  EXPECT_EQ(got[1].status, 201);
  EXPECT_EQ(got[1].page, "page_1");
  EXPECT_EQ(got[1].target.body, "{\"a\": 1}");
  // Pseudo-headers and Content-Length are the connection's; the Cookie is kept here (the
  // replay's secrets policy drops it).
  const std::vector<Header> want = {{"Content-Type", "application/json"}, {"Cookie", "s=1"}};
  EXPECT_EQ(got[1].target.headers, want);
  EXPECT_EQ(log.unparsed(), 1u);
  ASSERT_EQ(log.unparsed_examples().size(), 1u);
  EXPECT_NE(log.unparsed_examples()[0].find("entries[2]: request.url"), std::string::npos) << log.unparsed_examples()[0];
}

TEST(AccessLog, BadFormatsAreInputErrorsNamingTheFlag) {
  const std::string path = file_with("any.log", "x\n");
  struct Case {
    const char* format;
    const char* says;
  };
  for (const Case& c : std::vector<Case>{{"\"$request\"", "no time"},
                                         {"$msec \"$status\"", "no request"},
                                         {"$msec$request", "nothing between them"},
                                         {"${msec \"$request\"", "without \"}\""}}) {
    LogOptions o;
    o.format = LogFormat::kNginx;
    o.nginx_format = c.format;
    try {
      LogReader log(path, o);
      ADD_FAILURE() << c.format << " was accepted";
    } catch (const InputError& e) {
      EXPECT_EQ(e.field(), "-nginx-format") << c.format;
      EXPECT_NE(std::string(e.what()).find(c.says), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(LogReader(file_with("bad.har", "{\"log\": {}}"), {}), InputError);
  EXPECT_THROW(LogReader("/nonexistent/access.log", {}), InputError);
  EXPECT_THROW(parse_log_format("xml"), InputError);
}

// ---- planning a replay ----

// A log of requests to "/p<i>" at the given offsets (ms), with $msec.
std::string timed_log(const std::vector<int64_t>& offsets_ms, const std::string& host = "127.0.0.1:8000") {
  std::string out;
  for (size_t i = 0; i < offsets_ms.size(); ++i) {
    char line[200];
    const int64_t at = 1764806400000 + offsets_ms[i];
    std::snprintf(line, sizeof line, "[%lld.%03lld] %s \"GET /p%zu HTTP/1.1\"\n", static_cast<long long>(at / 1000),
                  static_cast<long long>(at % 1000), host.c_str(), i);
    out += line;
  }
  return out;
}

ReplayOptions timed() {
  ReplayOptions o;
  o.log.format = LogFormat::kNginx;
  o.log.nginx_format = "[$msec] $host \"$request\"";
  return o;
}

std::vector<int64_t> due_ms(const ReplayPlan& p, uint64_t n) {
  std::vector<int64_t> out;
  for (uint64_t i = 0; i < n; ++i) {
    auto d = p.pacer->due(i);
    out.push_back(d ? d->count() / kMs : -1);
  }
  return out;
}

std::vector<std::string> urls(const ReplayPlan& p, uint64_t n) {
  std::vector<std::string> out;
  Target t;
  for (uint64_t i = 0; i < n && p.targeter(i, t); ++i) out.push_back(t.url);
  return out;
}

TEST(ReplayPlan, HitsAreDueAtTheLoggedOffsetsScaled) {
  const std::string path = file_with("plan.log", timed_log({0, 0, 0, 5000, 5001, 7000}));
  struct Case {
    const char* name;
    double speed, rate;
    std::vector<int64_t> want_ms;
  };
  for (const Case& c : std::vector<Case>{
           {"as recorded", 1, 0, {0, 0, 0, 5000, 5001, 7000, -1}},
           {"ten times as fast", 10, 0, {0, 0, 0, 500, 500, 700, -1}},
           {"half as fast", 0.5, 0, {0, 0, 0, 10000, 10002, 14000, -1}},
           {"a mean rate of 6/s: 6 requests in 1 s", 0, 6, {0, 0, 0, 714, 714, 1000, -1}},
       }) {
    SCOPED_TRACE(c.name);
    ReplayOptions o = timed();
    if (c.speed > 0) o.speed = c.speed;
    o.rate = c.rate;
    const ReplayPlan p = plan_replay(path, o);
    EXPECT_EQ(p.requests, 6u);
    EXPECT_EQ(due_ms(p, 7), c.want_ms);
  }
  const ReplayPlan p = plan_replay(path, timed());
  EXPECT_EQ(p.span_ns, 7000 * kMs);
  EXPECT_EQ(p.burst, 3u);  // the three at 0 ms
  EXPECT_EQ(urls(p, 7), (std::vector<std::string>{"http://127.0.0.1:8000/p0", "http://127.0.0.1:8000/p1",
                                                  "http://127.0.0.1:8000/p2", "http://127.0.0.1:8000/p3",
                                                  "http://127.0.0.1:8000/p4", "http://127.0.0.1:8000/p5"}));
  EXPECT_EQ(p.pacer->rate(Nanos(5001 * kMs)), 2.0);  // two requests in the second that ends there
}

TEST(ReplayPlan, ALongLogKeepsEveryOffset) {
  // 1000 requests, gaps from none to two hours: the table keeps a byte or so per request and
  // every 64th whole; each due time must come back exactly.
  const std::vector<int64_t> gaps = {0, 1, 7, 130, 20'000, 7'200'000, 3, 0, 65, 1'000};
  std::vector<int64_t> offsets;
  int64_t t = 0;
  for (size_t i = 0; i < 1000; ++i) offsets.push_back(t += gaps[(i * 7) % gaps.size()]);
  const ReplayPlan p = plan_replay(file_with("long.log", timed_log(offsets)), timed());
  ASSERT_EQ(p.requests, 1000u);
  const std::vector<int64_t> got = due_ms(p, 1001);
  for (size_t i = 0; i < 1000; ++i) ASSERT_EQ(got[i], offsets[i] - offsets[0]) << i;
  EXPECT_EQ(got[1000], -1);
  EXPECT_EQ(p.span_ns, (offsets.back() - offsets[0]) * kMs);
}

TEST(ReplayPlan, WindowFilterOriginAndLoopsChooseWhatIsSent) {
  const std::string path = file_with("w.log", timed_log({0, 1000, 2000, 3000, 4000}, "10.1.2.3:80"));
  ReplayOptions o = timed();
  o.origin = "http://127.0.0.1:9";
  o.from = "1s";
  o.to = "4s";
  ReplayPlan p = plan_replay(path, o);
  EXPECT_EQ(p.requests, 3u);
  EXPECT_EQ(p.outside, 2u);
  EXPECT_EQ(due_ms(p, 4), (std::vector<int64_t>{0, 1000, 2000, -1}));
  EXPECT_EQ(urls(p, 3), (std::vector<std::string>{"http://127.0.0.1:9/p1", "http://127.0.0.1:9/p2", "http://127.0.0.1:9/p3"}));

  o.from = o.to = "";
  o.filter = "^GET /p[13]$";
  p = plan_replay(path, o);
  EXPECT_EQ(p.requests, 2u);
  EXPECT_EQ(p.filtered, 3u);
  EXPECT_EQ(due_ms(p, 2), (std::vector<int64_t>{0, 2000}));

  o.filter = "";
  o.loops = 2;  // the second pass starts a mean gap (1 s) after the first's last request
  p = plan_replay(path, o);
  EXPECT_EQ(due_ms(p, 11), (std::vector<int64_t>{0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, -1}));
  EXPECT_EQ(urls(p, 10).back(), "http://127.0.0.1:9/p4");  // read again from the start
}

TEST(ReplayPlan, RequestsOfOneWholeSecondAreSpreadOverIt) {
  // $time_local has whole seconds: four requests in second 0, one in second 1.
  std::string log;
  for (int i = 0; i < 4; ++i) log += "1 - - [04/Dec/2025:00:00:00 +0000] \"GET /a HTTP/1.1\" 200 1 \"-\" \"-\"\n";
  log += "1 - - [04/Dec/2025:00:00:01 +0000] \"GET /b HTTP/1.1\" 200 1 \"-\" \"-\"\n";
  ReplayOptions o;
  o.origin = "http://127.0.0.1:9";
  const std::string path = file_with("sec.log", log);
  ReplayPlan p = plan_replay(path, o);
  EXPECT_TRUE(p.whole_seconds);
  EXPECT_EQ(due_ms(p, 5), (std::vector<int64_t>{0, 250, 500, 750, 1000}));
  o.spread_seconds = false;
  p = plan_replay(path, o);
  EXPECT_EQ(due_ms(p, 5), (std::vector<int64_t>{0, 0, 0, 0, 1000}));
}

TEST(ReplayPlan, SecretHeadersAreDroppedOrBecomePlaceholders) {
  LogOptions lo;
  lo.format = LogFormat::kJsonl;
  const std::string path = file_with(
      "s.jsonl", R"({"ts": 1764806400, "method": "GET", "url": "http://127.0.0.1:1/", "headers": {"Authorization": "Bearer sk-live-123", "X-Api-Key": "k9", "Accept": "*/*", "X-Internal": "secret"}})"
                 "\n");
  struct Case {
    SecretMode mode;
    std::vector<Header> want;
  };
  for (const Case& c : std::vector<Case>{
           {SecretMode::kDrop, {{"Accept", "*/*"}}},
           {SecretMode::kKeep, {{"Accept", "*/*"}, {"Authorization", "Bearer sk-live-123"}, {"X-Api-Key", "k9"}, {"X-Internal", "secret"}}},
           {SecretMode::kTemplate, {{"Accept", "*/*"}, {"Authorization", "{{feed.authorization}}"}, {"X-Api-Key", "{{feed.x_api_key}}"}, {"X-Internal", "{{feed.x_internal}}"}}},
       }) {
    ReplayOptions o;
    o.log = lo;
    o.secrets = c.mode;
    o.secret_headers.push_back("X-Internal");  // one of the user's own
    if (c.mode == SecretMode::kKeep) o.secret_headers.pop_back();
    const ReplayPlan p = plan_replay(path, o);
    Target t;
    ASSERT_TRUE(p.targeter(0, t));
    std::sort(t.headers.begin(), t.headers.end());
    EXPECT_EQ(t.headers, c.want) << static_cast<int>(c.mode);
  }
}

TEST(ReplayPlan, ItSendsNowhereButHereUnlessTheOriginSaysSo) {
  const std::string remote = file_with("remote.log", timed_log({0, 1}, "api.example.com"));
  const std::string pathless = file_with("pathless.log", "1 - - [04/Dec/2025:00:00:00 +0000] \"GET /a HTTP/1.1\" 200 1 \"-\" \"-\"\n");
  struct Case {
    std::string path;
    const char* says;
  };
  for (const Case& c : std::vector<Case>{{remote, "\"api.example.com\" is not this machine"},
                                         {pathless, "the log names no host"}}) {
    ReplayOptions o = c.path == remote ? timed() : ReplayOptions{};
    try {
      plan_replay(c.path, o);
      ADD_FAILURE() << c.path;
    } catch (const InputError& e) {
      EXPECT_EQ(e.file(), c.path);
      EXPECT_EQ(e.line(), 1);
      EXPECT_NE(std::string(e.what()).find(c.says), std::string::npos) << e.what();
    }
  }
  ReplayOptions o = timed();
  o.origin = "http://127.0.0.1:8000";
  EXPECT_EQ(plan_replay(remote, o).requests, 2u);
  o.origin = "http://127.0.0.1:8000/some/path";
  EXPECT_THROW(plan_replay(remote, o), InputError);
  o = timed();
  o.any_host = true;  // convert sends nothing
  EXPECT_EQ(plan_replay(remote, o).requests, 2u);
}

TEST(ReplayPlan, ALogWithNothingToSendSaysWhy) {
  const std::string path = file_with("none.log", "junk\nmore junk\n");
  try {
    plan_replay(path, ReplayOptions{});
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no request to replay: 2 lines unparsed, the first " + path + ":1:"),
              std::string::npos)
        << e.what();
  }
  for (double bad : {0.0, -1.0}) {
    ReplayOptions o;
    o.speed = bad;
    EXPECT_THROW(plan_replay(path, o), InputError);
  }
}

}  // namespace
}  // namespace loadgate
