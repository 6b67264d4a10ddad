// journey_test.cc: journeys against the embedded API (login, me, orders): values carried from
// step to step, results per step and per journey, think time, the open and closed models, a
// broken extraction that sends nothing without its token, and every bad journey file an error
// naming its key path. Journeys across protocols against the three embedded services: HTTP,
// gRPC (the kernel) and WebSocket steps carrying values from one to the next.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "loadgate/error.h"
#include "loadgate/interner.h"
#include "loadgate/http.h"
#include "loadgate/journey.h"
#include "loadgate/services/api_service.h"
#include "loadgate/services/grpc_services.h"
#include "loadgate/services/session_token.h"
#include "loadgate/services/ws_service.h"
#include "kit/load.h"
#include "kit/results.h"
#include "kit/services.h"

namespace loadgate {
namespace {

using testing::open_load;
using namespace std::chrono_literals;

class Journeys : public testing::ApiFixture {
 protected:
  // The shop journey: log in, who am I, create an order, read it back.
  static Journey shop(const std::string& login_query = "") {
    const std::string api = api_->url();
    Journey j("shop");
    j.step("login")
        .post(api + "/api/login" + login_query)
        .header("Content-Type", "application/json")
        .body(R"({"user":"user{{rand_int 1 50}}","password":"x"})")
        .expect_status(200)
        .extract_json("token", "/token");
    j.step("me").get(api + "/api/me").header("Authorization", "Bearer {{token}}").expect_status(200).expect_body_contains("\"user\"");
    j.step("create-order")
        .post(api + "/api/orders")
        .header("Authorization", "Bearer {{token}}")
        .header("Content-Type", "application/json")
        .body(R"({"item":{{rand_int 1 20}},"quantity":1})")
        .expect_status(201)
        .extract_json("order", "/id");
    j.step("get-order").get(api + "/api/orders/{{order}}").header("Authorization", "Bearer {{token}}").expect_status(200);
    return j;
  }
  // Results of kind `k`, by label.
  static std::map<std::string, std::vector<Result>> by_label(const testing::RecordingSink& sink, Kind k) {
    std::map<std::string, std::vector<Result>> out;
    for (const Result& r : sink.all)
      if (r.kind == k) out[interned(r.target)].push_back(r);
    return out;
  }
};

TEST_F(Journeys, EveryStepCarriesItsValuesAndIsReportedByName) {
  testing::RecordingSink sink;
  AttackOptions o = open_load(200, 2s);
  o.sink = &sink;
  const AttackRun run = attack_journey(shop(), {}, o);
  // 200 journeys/s for 2 s: exactly 400 journeys due, each at its scheduled time.
  const std::vector<int64_t> due = sink.scheduled(Kind::kJourney);
  ASSERT_EQ(due.size(), 400u);
  for (size_t i = 0; i < due.size(); ++i) EXPECT_EQ(due[i], static_cast<int64_t>(i) * 5'000'000) << i;
  const auto steps = by_label(sink, Kind::kHttp);
  for (const char* name : {"login", "me", "create-order", "get-order"}) {
    ASSERT_EQ(steps.at(name).size(), 400u) << name;
    for (const Result& r : steps.at(name)) EXPECT_TRUE(r.ok()) << name << ": " << interned(r.error);
  }
  const Summary journeys = run.metrics.summarize(Kind::kJourney);
  EXPECT_EQ(journeys.requests, 400u);
  EXPECT_EQ(journeys.success, 400u);
  EXPECT_EQ(api_->served("/api/me"), api_->served("/api/login")) << "one me per login";
}

TEST_F(Journeys, StepLatencyRunsFromWhenTheStepWasDue) {
  Journey j = shop();
  j.think = ThinkTime::fixed(20ms);
  testing::RecordingSink sink;
  AttackOptions o = open_load(20, 1s);
  o.sink = &sink;
  const AttackRun run = attack_journey(j, {}, o);
  const auto steps = by_label(sink, Kind::kHttp);
  const auto journeys = by_label(sink, Kind::kJourney).at("shop");
  // The last journey starts 50 ms before the end and needs 60 ms of think times: cut.
  ASSERT_EQ(journeys.size() + run.metrics.generator().cut, 20u);
  EXPECT_GE(journeys.size(), 18u);
  // Each journey: four steps and three pauses of 20 ms at least between its start and its end.
  for (const Result& r : journeys) EXPECT_GE(r.latency_ns, 60'000'000) << "three think times";
  // The second step of journey k is due 20 ms after the first one ended.
  std::map<int64_t, const Result*> logins;
  for (const Result& r : steps.at("login")) logins[r.scheduled_ns] = &r;
  for (const Result& me : steps.at("me")) {
    auto it = logins.upper_bound(me.scheduled_ns);
    ASSERT_NE(it, logins.begin());
    --it;
    EXPECT_EQ(me.scheduled_ns, it->second->end_ns() + 20'000'000) << "due at login's end + think";
  }
}

// -duration bounds journeys, think times included: a journey still thinking when it ends is
// cut at once and counted (not a result, neither a success nor a failure), and one whose
// schedule ended on -requests is not cut.
TEST_F(Journeys, DurationBoundsThinkTimes) {
  Journey j = shop();
  j.think = ThinkTime::fixed(15s);
  testing::RecordingSink sink;
  AttackOptions o = open_load(10, 1s);
  o.sink = &sink;
  const auto started = std::chrono::steady_clock::now();
  const AttackRun run = attack_journey(j, {}, o);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s) << "not the 15 s think time";
  EXPECT_EQ(run.metrics.generator().cut, 10u) << "every journey was thinking after its first step";
  EXPECT_EQ(by_label(sink, Kind::kJourney).count("shop"), 0u) << "a cut journey is no result";
  EXPECT_EQ(by_label(sink, Kind::kHttp).at("login").size(), 10u) << "the steps done are";
  EXPECT_EQ(run.metrics.summarize(Kind::kHttp).success, 10u);

  // Ended by -requests (no -duration): journeys finish, think times and all.
  j.think = ThinkTime::fixed(10ms);
  testing::RecordingSink all;
  AttackOptions n;
  n.load.rate.pacer = constant_pacer(50);
  n.load.requests = 5;
  n.sink = &all;
  const AttackRun whole = attack_journey(j, {}, n);
  EXPECT_EQ(whole.metrics.generator().cut, 0u);
  EXPECT_EQ(by_label(all, Kind::kJourney).at("shop").size(), 5u);
}

TEST_F(Journeys, ABrokenExtractionSendsNothingWithoutItsToken) {
  Journey j = shop("?no_token=1");
  j.stop_on_failure = false;  // go on: every later step that needs the token fails without a request
  const uint64_t me_before = api_->served("/api/me"), orders_before = api_->served("/api/orders");
  testing::RecordingSink sink;
  AttackOptions o = open_load(50, 1s);
  o.sink = &sink;
  const AttackRun run = attack_journey(j, {}, o);
  const auto steps = by_label(sink, Kind::kHttp);
  for (const char* name : {"login", "me", "create-order", "get-order"}) {
    ASSERT_EQ(steps.at(name).size(), 50u) << name;
    for (const Result& r : steps.at(name)) {
      EXPECT_FALSE(r.ok()) << name;
      EXPECT_EQ(interned(r.error), "extract token: /token not found") << name << ": the first cause, carried on";
    }
  }
  EXPECT_EQ(api_->served("/api/me"), me_before) << "no request went out with an empty token";
  EXPECT_EQ(api_->served("/api/orders"), orders_before);
  EXPECT_EQ(run.metrics.summarize(Kind::kJourney).success, 0u);
}

TEST_F(Journeys, StopOnFailureEndsTheJourneyAtTheFailedStep) {
  Journey j = shop("?no_token=1");
  testing::RecordingSink sink;
  AttackOptions o = open_load(20, 1s);
  o.sink = &sink;
  attack_journey(j, {}, o);
  const auto steps = by_label(sink, Kind::kHttp);
  EXPECT_EQ(steps.at("login").size(), 20u);
  EXPECT_EQ(steps.count("me"), 0u) << "no step after the failed one";
  const auto journeys = by_label(sink, Kind::kJourney);
  ASSERT_EQ(journeys.count("shop"), 1u);
  for (const Result& r : journeys.at("shop")) {
    EXPECT_EQ(interned(r.error), "extract token: /token not found");
    EXPECT_EQ(r.status, 1) << "one step run";
  }
}

TEST_F(Journeys, ChecksAndExtractionsOfEveryKind) {
  const std::string api = api_->url();
  Journey j("kinds");
  j.stop_on_failure = false;
  j.step("login")
      .post(api + "/api/login")
      .header("Content-Type", "application/json")
      .body(R"({"user":"ada","password":"x"})")
      .extract_regex("token", R"re("token":"([0-9a-f]+)")re")
      .extract_header("type", "Content-Type")
      .expect_json("/user", "\"ada\"");
  j.step("me").get(api + "/api/me?t={{type}}").header("Authorization", "Bearer {{token}}").expect_json("/user", "\"ada\"");
  j.step("wrong-status").get(api + "/api/me").header("Authorization", "Bearer {{token}}").expect_status(201);
  j.step("no-header").get(api + "/health").extract_header("nope", "X-Nope");
  testing::RecordingSink sink;
  AttackOptions o = open_load(10, 1s);
  o.sink = &sink;
  attack_journey(j, {}, o);
  const auto steps = by_label(sink, Kind::kHttp);
  for (const Result& r : steps.at("login")) EXPECT_TRUE(r.ok()) << interned(r.error);
  for (const Result& r : steps.at("me")) EXPECT_TRUE(r.ok()) << interned(r.error);
  for (const Result& r : steps.at("wrong-status")) EXPECT_EQ(interned(r.error), "check status == 201: got 200");
  for (const Result& r : steps.at("no-header")) EXPECT_EQ(interned(r.error), "extract nope: header X-Nope not found");
}

TEST_F(Journeys, ClosedModelUsersLoop) {
  AttackOptions o;
  o.load.workers = o.load.max_workers = 5;
  o.load.requests = 50;
  o.load.threads = 1;
  const AttackRun run = attack_journey(shop(), {}, o);
  EXPECT_EQ(run.metrics.summarize(Kind::kJourney).requests, 50u);
  EXPECT_EQ(run.metrics.summarize(Kind::kJourney).success, 50u);
  EXPECT_EQ(run.metrics.summarize(Kind::kHttp).requests, 200u);
}

// The API, the kernel and the WebSocket service, each on a port of its own, for the journeys
// that cross them.
class CrossJourneys : public testing::ApiFixture {
 protected:
  static void SetUpTestSuite() {
    ApiFixture::SetUpTestSuite();
    services::GrpcServiceOptions g;
    g.port = 0;
    kernel_ = new services::GrpcService(services::GrpcService::Kind::kKernel, g);
    kernel_->start();
    services::WsServiceOptions w;
    w.port = 0;
    ws_ = new services::WsService(w);
    ws_->start();
  }
  static void TearDownTestSuite() {
    delete ws_;
    delete kernel_;
    ws_ = nullptr;
    kernel_ = nullptr;
    ApiFixture::TearDownTestSuite();
  }
  // journeys/cross.json pointed at the three services.
  static Journey cross() {
    Journey j = load_journey(LOADGATE_SOURCE_DIR "/journeys/cross.json");
    rebase_journey(j, api_->url());
    point_journey(j, "kernel", kernel_->addr(), "");
    point_journey(j, "websocket", "", ws_->url());
    return j;
  }
  static AttackOptions users(uint64_t journeys, testing::RecordingSink& sink) {
    AttackOptions o;
    o.load.workers = o.load.max_workers = 4;
    o.load.requests = journeys;
    o.load.threads = 1;
    o.load.timeout = 5s;
    o.sink = &sink;
    return o;
  }
  static std::vector<Result> of_kind(const testing::RecordingSink& sink, Kind k) {
    std::vector<Result> out;
    for (const Result& r : sink.all)
      if (r.kind == k) out.push_back(r);
    return out;
  }
  static inline services::GrpcService* kernel_ = nullptr;
  static inline services::WsService* ws_ = nullptr;
};

TEST_F(CrossJourneys, TheTokenGoesFromHttpIntoGrpcAndTheResultFromGrpcToAWebSocketRoom) {
  testing::RecordingSink sink;
  attack_journey(cross(), {}, users(40, sink));
  // Each step passed: the kernel accepted the token of the user who logged in (it refuses any
  // other), and the WebSocket room named by the token gave back the kernel's result.
  const struct {
    Kind kind;
    const char* label;
  } steps[] = {{Kind::kHttp, "login"}, {Kind::kGrpcUnary, "compute"}, {Kind::kWsMessage, "watch"}, {Kind::kJourney, "cross"}};
  for (const auto& s : steps) {
    const std::vector<Result> rs = of_kind(sink, s.kind);
    EXPECT_EQ(rs.size(), 40u) << s.label;
    for (const Result& r : rs) {
      EXPECT_EQ(interned(r.target), s.label);
      EXPECT_TRUE(r.ok()) << s.label << ": " << interned(r.error);
    }
  }
}

TEST_F(CrossJourneys, AGrpcStepFailsWithItsStatusAndLaterStepsDoNotRun) {
  Journey j = cross();
  j.steps[1].grpc->metadata[1].second = "someone-else";  // x-user: the token is not theirs
  testing::RecordingSink sink;
  attack_journey(j, {}, users(5, sink));
  const std::vector<Result> compute = of_kind(sink, Kind::kGrpcUnary);
  ASSERT_EQ(compute.size(), 5u);
  for (const Result& r : compute) {
    EXPECT_EQ(r.status, 16) << "UNAUTHENTICATED";
    EXPECT_NE(interned(r.error).find("authorization"), std::string::npos) << interned(r.error);
  }
  EXPECT_TRUE(of_kind(sink, Kind::kWsMessage).empty()) << "the journey stopped at its failed step";
  for (const Result& r : of_kind(sink, Kind::kJourney)) EXPECT_FALSE(r.ok());
  // Going on after the failure: the WebSocket step needs the result and is failed unsent with
  // the compute step's cause, as a WebSocket result (its kind, under its name), not an HTTP one.
  j.stop_on_failure = false;
  testing::RecordingSink on;
  attack_journey(j, {}, users(5, on));
  const std::vector<Result> watch = of_kind(on, Kind::kWsMessage);
  ASSERT_EQ(watch.size(), 5u);
  for (const Result& r : watch) {
    EXPECT_EQ(interned(r.target), "watch");
    EXPECT_EQ(interned(r.error).rfind("UNAUTHENTICATED: authorization", 0), 0u) << "the compute step's cause: " << interned(r.error);
  }
  EXPECT_EQ(of_kind(on, Kind::kHttp).size(), 5u) << "the login only";
}

TEST_F(CrossJourneys, AWebSocketStepWaitsForAMessageThatPassesThenFailsNamingTheWait) {
  Journey j = cross();
  j.steps[2].ws->wait = 200ms;
  j.steps[2].checks[0].text = "\"-{{result}}\"";  // never what the room gives back
  testing::RecordingSink sink;
  attack_journey(j, {}, users(3, sink));
  const std::vector<Result> watch = of_kind(sink, Kind::kWsMessage);
  ASSERT_EQ(watch.size(), 3u);
  for (const Result& r : watch) {
    EXPECT_EQ(r.status, kWsLost);
    EXPECT_EQ(r.error_kind, ErrorKind::kTimeout);
    EXPECT_EQ(interned(r.error), "no message passed the step's checks within 200ms");
    EXPECT_GE(r.latency_ns, 200'000'000) << "it waited the whole wait";
  }
}

TEST_F(CrossJourneys, StreamRepliesAreAJsonArrayAndValuesFlowBackIntoHttp) {
  // A bidirectional stream's replies (one per message) as an array; a value taken from the
  // second reply goes into the next HTTP step's URL.
  Journey j("stream");
  j.step("pipeline")
      .grpc_call(kernel_->addr(), "loadgate.kernel.Kernel/Pipeline", R"([{"op":"sum","args":[1,2]},{"op":"sum","args":[3,{{rand_int 4 4}}]}])")
      .expect_json("/0/result", "\"3\"")
      .extract_json("second", "/1/result");
  j.step("item").get(api_->url() + "/api/items/{{second}}").expect_status(200).expect_json("/id", "{{second}}");
  testing::RecordingSink sink;
  attack_journey(j, {}, users(5, sink));
  for (const Result& r : sink.all) EXPECT_TRUE(r.ok()) << interned(r.target) << ": " << interned(r.error);
  EXPECT_EQ(of_kind(sink, Kind::kGrpcBidi).size(), 5u);
  EXPECT_EQ(of_kind(sink, Kind::kHttp).size(), 5u);
}

TEST_F(CrossJourneys, AGrpcReplysMetadataIsItsHeaders) {
  Journey j("metadata");
  j.stop_on_failure = false;
  j.step("execute")
      .grpc_call(kernel_->addr(), "loadgate.kernel.Kernel/Execute", R"({"op":"sum","args":[{{seq}}]})")
      .metadata("x-request-id", "req-{{seq}}")
      .extract_header("rid", "X-Request-Id")
      .extract_header("none", "x-absent");
  testing::RecordingSink sink;
  attack_journey(j, {}, users(3, sink));
  const std::vector<Result> rs = of_kind(sink, Kind::kGrpcUnary);
  ASSERT_EQ(rs.size(), 3u);
  for (const Result& r : rs) EXPECT_EQ(interned(r.error), "extract none: header x-absent not found") << "rid was found";
  Journey ok("metadata");
  ok.step("execute")
      .grpc_call(kernel_->addr(), "loadgate.kernel.Kernel/Execute")
      .metadata("x-request-id", "req-{{seq}}")
      .extract_header("rid", "X-Request-Id");
  ok.step("echo").get(api_->url() + "/api/items/1?rid={{rid}}").expect_status(200);
  testing::RecordingSink sink2;
  attack_journey(ok, {}, users(3, sink2));
  EXPECT_EQ(sink2.all.size(), 9u);
  for (const Result& r : sink2.all) EXPECT_TRUE(r.ok()) << interned(r.target) << ": " << interned(r.error);
}

TEST_F(CrossJourneys, AnUnknownMethodIsAnErrorBeforeTheRun) {
  Journey j("bad");
  j.step("nope").grpc_call(kernel_->addr(), "loadgate.kernel.Kernel/Nope");
  testing::RecordingSink sink;
  EXPECT_THROW(attack_journey(j, {}, users(1, sink)), InputError);
  EXPECT_TRUE(sink.all.empty());
}

struct BadJourney {
  const char* json;
  const char* error;
};

TEST(JourneyFile, BadInputNamesTheKeyPath) {
  const BadJourney rows[] = {
      {R"({"steps": []})", "j.json: steps: a journey needs at least one step"},
      {R"({"steps": [{"name": "a", "url": "http://h/{{tok}}"}]})",
       "j.json: steps[0].url: {{tok}}: unknown variable (want seq, shard, rand_int, uuid, now_unix_ms, feed.COLUMN, or a variable extracted by an earlier step: none)"},
      {R"({"steps": [{"name": "a", "url": "http://h/{{t}}"}, {"name": "b", "url": "http://h/", "extract": {"t": {"json": "/t"}}}]})",
       "j.json: steps[0].url: {{t}} is extracted by no earlier step"},
      {R"({"steps": [{"name": "a", "url": "http://h/", "extract": {"t": {"json": "token"}}}]})",
       "j.json: steps[0].extract.t: \"token\" is not a JSON pointer (want e.g. /token, /items/0/id)"},
      {R"({"steps": [{"name": "a", "url": "http://h/", "extract": {"t": {"regex": "("}}}]})", nullptr},
      {R"({"steps": [{"name": "a", "url": "http://h/", "extract": {"t": {"xpath": "//a"}}}]})",
       "j.json: steps[0].extract.t.xpath: unknown extraction (want json, header or regex)"},
      {R"({"steps": [{"name": "a", "url": "http://h/", "check": {"status": "200"}}]})", "j.json: steps[0].check.status: want an integer"},
      {R"({"steps": [{"name": "a", "url": "http://h/"}, {"name": "a", "url": "http://h/"}]})", "j.json: steps[1].name: \"a\" twice"},
      {R"({"think": "soon", "steps": [{"name": "a", "url": "http://h/"}]})", "j.json: think: want a duration, uniform:A..B or exponential:MEAN"},
      {R"({"steps": [{"name": "a", "url": "http://h/", "method": "GET", "verb": "x"}]})",
       "j.json: steps[0].verb: unknown key (known: name, method, url, headers, body, grpc, ws, extract, check, think)"},
      // gRPC and WebSocket steps.
      {R"({"steps": [{"name": "a", "grpc": {"call": "x.Y/Z"}}]})", "j.json: steps[0].grpc.addr: missing: want host:port"},
      {R"({"steps": [{"name": "a", "grpc": {"addr": "h:1"}}]})", "j.json: steps[0].grpc.call: missing: want package.Service/Method"},
      {R"({"steps": [{"name": "a", "url": "http://h/", "grpc": {"addr": "h:1", "call": "x.Y/Z"}}]})",
       "j.json: steps[0].url: an HTTP field in a grpc step"},
      {R"({"steps": [{"name": "a", "grpc": {"addr": "h:1", "call": "x.Y/Z", "deadline": "1s"}}]})",
       "j.json: steps[0].grpc.deadline: unknown key (known: addr, call, proto, protoset, data, metadata)"},
      {R"({"steps": [{"name": "a", "grpc": {"addr": "h:1", "call": "x.Y/Z", "metadata": {"k": 1}}}]})",
       "j.json: steps[0].grpc.metadata.k: want a string"},
      {R"({"steps": [{"name": "a", "grpc": {"addr": "h:1", "call": "x.Y/Z", "data": 7}}]})",
       "j.json: steps[0].grpc.data: want a JSON object (or array), or a string of one"},
      {R"({"steps": [{"name": "a", "grpc": {"addr": "h:1", "call": "x.Y/Z", "data": {"n": "{{n}}"}}}, {"name": "b", "url": "http://h/", "extract": {"n": {"json": "/n"}}}]})",
       "j.json: steps[0].grpc.data: {{n}} is extracted by no earlier step"},
      {R"({"steps": [{"name": "a", "ws": {"url": "http://h/"}}]})", "j.json: steps[0].ws.url: \"http://h/\" is not a ws(s) URL"},
      {R"({"steps": [{"name": "a", "url": "http://h/", "extract": {"h": {"json": "/h"}}}, {"name": "b", "ws": {"url": "ws://{{h}}/x"}}]})",
       "j.json: steps[1].ws.url: placeholders only in the path and query, not the host"},
      {R"({"steps": [{"name": "a", "ws": {"url": "ws://h/", "wait": "soon"}}]})", "j.json: steps[0].ws.wait: want a duration (\"5s\")"},
      {R"({"steps": [{"name": "a", "ws": {"url": "ws://h/"}, "check": {"status": 101}}]})",
       "j.json: steps[0].check.status: a ws step's checks read the message it waits for: body_contains, json"},
      {R"({"steps": [{"name": "a", "ws": {"url": "ws://h/"}, "check": {"json": {"/r": "{{r}}"}}}, {"name": "b", "url": "http://h/", "extract": {"r": {"json": "/r"}}}]})",
       "j.json: steps[0].check.json./r: {{r}} is extracted by no earlier step"},
      {R"({"steps": [{"name": "a", "url": "ftp://h/"}]})", "j.json: steps[0].url: \"ftp://h/\" is not an http(s) URL"},
      // Broken JSON says where and what, not "not a JSON object".
      {"{\"steps\": [{\"name\": \"a\",\n", "j.json:2: not valid JSON: syntax error while parsing object key - unexpected end of input; expected string literal"},
      {R"({"think": 1e400, "steps": []})", "j.json: not valid JSON: number overflow parsing '1e400'"},
      {"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "j.json: not valid JSON: nested deeper than 64 levels"},
      {"[1]", "j.json: not a JSON object (a journey is {\"name\": ..., \"steps\": [...]})"},
  };
  for (const BadJourney& r : rows) {
    try {
      parse_journey(r.json, "j.json");
      ADD_FAILURE() << "no error for " << r.json;
    } catch (const InputError& e) {
      if (r.error)
        EXPECT_EQ(std::string(e.what()), r.error);
      else
        EXPECT_EQ(std::string(e.what()).rfind("j.json: steps[0].extract.t: \"(\" is not a regular expression RE2 accepts (", 0), 0u)
            << e.what();
    }
  }
}

TEST(JourneyFile, RaggedFeederIsAnErrorNamingItsLine) {
  const std::string dir = ::testing::TempDir();
  std::ofstream(dir + "ragged.csv") << "user,password\na,1\nb\n";
  try {
    parse_journey(R"({"feeder": {"file": "ragged.csv"}, "steps": [{"name": "a", "url": "http://h/{{feed.user}}"}]})",
                  dir + "j.json");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), dir + "ragged.csv:3: ragged row: 1 fields, the header has 2");
  }
}

TEST(JourneyFile, TheShippedShopJourneyParses) {
  const Journey j = load_journey(LOADGATE_SOURCE_DIR "/journeys/shop.json");
  EXPECT_EQ(j.steps.size(), 4u);
  EXPECT_EQ(j.variables(), (std::vector<std::string>{"token", "order"}));
  ASSERT_TRUE(j.feeder);
  EXPECT_EQ(j.feeder->size(), 100u);
}

}  // namespace
}  // namespace loadgate
