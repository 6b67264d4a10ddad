// journey.h (core layer): multi-step user journeys: each virtual user runs the steps in order, carrying
// values from one response into later requests.
//
//   loadgate::Journey j("shop");
//   j.step("login").post(api + "/api/login").header("Content-Type", "application/json")
//       .body(R"({"user":"{{feed.user}}","password":"x"})").expect_status(200).extract_json("token", "/token");
//   j.step("me").get(api + "/api/me").header("Authorization", "Bearer {{token}}").expect_status(200);
//   j.think = loadgate::ThinkTime::uniform(10ms, 50ms);
//   loadgate::AttackRun run = loadgate::attack_journey(j, {}, load);   // http.h; load.rate: journeys/s
//
// Open model: journeys start on the pacer's schedule; each step's latency runs from the time the
// step was due (the journey's start for the first, the previous step's end plus the think time
// after it). Closed model: -max-workers virtual users loop. Results: one per step (kind http,
// labelled with the step's name, so that per-target reports and gates work), and one per
// journey (kind "journey": from its scheduled start to its last step's end; failed with the
// first failed step's error).
//
// Declared in JSON as a journey file or a baseline scenario's "journey" (see parse_journey()).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "loadgate/duration.h"
#include "loadgate/feeder.h"
#include "loadgate/targets.h"

namespace loadgate {

/// Extraction takes a value from a step's response into a variable for later steps.
struct Extraction {
  enum class From {
    kJson,    ///< a JSON pointer into the body: "/token", "/items/0/id"
    kHeader,  ///< a response header's value (case-insensitive name)
    kRegex,   ///< an ECMAScript regex on the body: its first group, else the whole match
  };
  std::string variable;
  From from = From::kJson;
  std::string expr;
  /// "extract token: /token not found" and the like: the error when nothing is found.
  std::string missing() const;
};

/// StepCheck is one condition on a step's response; a failed check fails the step with its
/// name as the error: "check status == 200: got 401".
struct StepCheck {
  enum class What {
    kStatus,        ///< the status equals `status`
    kBodyContains,  ///< the body contains `text`
    kJsonEquals,    ///< the JSON value at pointer `pointer` equals the JSON text `text`; a text
                    ///< with placeholders ("\"{{order}}\"") is filled and then compared as an
                    ///< extraction reads a value: a string as it is, anything else as JSON text
  };
  What what = What::kStatus;
  int status = 200;
  std::string pointer;
  std::string text;  ///< placeholders ({{variable}}, {{feed.column}}) are filled per journey
  /// "status == 200", "body contains \"user\"", "/user == \"alice\"".
  std::string name() const;
};

/// ThinkTime is the pause after a step: none, fixed, uniform in [a, b], or exponential with
/// mean a (capped at 10 times the mean).
struct ThinkTime {
  enum class Kind { kNone, kFixed, kUniform, kExponential };
  Kind kind = Kind::kNone;
  Nanos a{0}, b{0};
  static ThinkTime fixed(Nanos d) { return {Kind::kFixed, d, d}; }
  static ThinkTime uniform(Nanos lo, Nanos hi) { return {Kind::kUniform, lo, hi}; }
  static ThinkTime exponential(Nanos mean) { return {Kind::kExponential, mean, mean}; }
  /// Parses "100ms", "uniform:10ms..50ms", "exponential:200ms", "0". nullopt when it is not one.
  static std::optional<ThinkTime> parse(const std::string& text);
  /// One pause.
  Nanos sample(std::mt19937_64& rng) const;
};

/// JourneyGrpc is a step's gRPC call, in the words of ghz's flags (GrpcOptions of grpc.h).
/// The result's status is the gRPC code (0 = OK); the body that checks and extractions read is
/// the reply as JSON (proto3's JSON mapping), a JSON array of the replies for a server stream;
/// headers are the reply's metadata, initial then trailing.
struct JourneyGrpc {
  std::string addr;      ///< host:port ("kernel:50051" is rebased by a suite onto its service)
  std::string call;      ///< "package.Service/Method"
  std::string proto;     ///< .proto file (relative: beside the journey file); empty: protoset
  std::string protoset;  ///< FileDescriptorSet; both empty: the server's reflection, else the embedded protos
  std::string data = "{}";        ///< the request as JSON (an array for client streams); placeholders allowed
  std::vector<Header> metadata;   ///< sent with the call; values may hold placeholders
};

/// JourneyWs is a step's WebSocket exchange: connect, send `send` in order (text frames), read
/// messages until one passes the step's checks (the step's body is that message), then close.
/// No message passing within `wait`: the step fails, its body the last message read. Status 101
/// once open. Frames are not compressed (no permessage-deflate offer).
struct JourneyWs {
  std::string url;                 ///< ws:// or wss://; placeholders in the path and query only
  std::vector<std::string> send;   ///< messages to send once open; placeholders allowed
  std::vector<Header> headers;     ///< extra handshake headers; values may hold placeholders
  Nanos wait = std::chrono::seconds(5);  ///< how long to read for a message that passes
};

/// JourneyStep is one step of a journey: an HTTP request (`request`), a gRPC call (`grpc`) or a
/// WebSocket exchange (`ws`); its methods build it in place.
struct JourneyStep {
  std::string name;
  Target request;  ///< placeholders allowed in the path, query, header values and body
  std::optional<JourneyGrpc> grpc;  ///< set: the step is this gRPC call, not `request`
  std::optional<JourneyWs> ws;      ///< set: the step is this WebSocket exchange
  std::vector<Extraction> extract;
  std::vector<StepCheck> checks;
  std::optional<ThinkTime> think;  ///< overrides the journey's think time after this step

  JourneyStep& get(std::string url) { return method("GET", std::move(url)); }
  JourneyStep& post(std::string url) { return method("POST", std::move(url)); }
  JourneyStep& method(std::string m, std::string url);
  JourneyStep& header(std::string name, std::string value);
  JourneyStep& body(std::string text);
  JourneyStep& extract_json(std::string variable, std::string pointer);
  JourneyStep& extract_header(std::string variable, std::string header);
  JourneyStep& extract_regex(std::string variable, std::string regex);
  JourneyStep& expect_status(int status);
  JourneyStep& expect_body_contains(std::string text);
  JourneyStep& expect_json(std::string pointer, std::string json_value);
  /// Makes the step a gRPC call of `call` ("package.Service/Method") on `addr` with `data` (JSON).
  JourneyStep& grpc_call(std::string addr, std::string call, std::string data = "{}");
  /// Adds gRPC metadata to the step's call.
  JourneyStep& metadata(std::string key, std::string value);
  /// Makes the step a WebSocket exchange with `url`.
  JourneyStep& ws_exchange(std::string url);
  /// Adds a message the step's WebSocket exchange sends once open.
  JourneyStep& send(std::string text);
  /// "http", "grpc" or "ws".
  const char* protocol() const { return grpc ? "grpc" : ws ? "ws" : "http"; }
};

/// Journey is an ordered list of steps run by each virtual user.
struct Journey {
  explicit Journey(std::string name = "journey") : name(std::move(name)) {}
  std::string name;
  std::vector<JourneyStep> steps;
  ThinkTime think;                        ///< after every step but the last (unless the step says)
  bool stop_on_failure = true;            ///< a failed step ends the journey ("on_failure": "stop")
  std::shared_ptr<const Feeder> feeder;   ///< one row per journey for {{feed.column}}
  std::string file;                       ///< where it was declared, for messages
  /// Adds a step named `name` and returns it.
  JourneyStep& step(std::string name);
  /// The variables the steps extract, in step order.
  std::vector<std::string> variables() const;
};

/// Parses a journey from JSON:
///   {"name": "shop", "think": "uniform:10ms..50ms", "on_failure": "stop" | "continue",
///    "feeder": {"file": "users.csv", "mode": "circular"},
///    "steps": [{"name": "login", "method": "POST", "url": "http://api/api/login",
///               "headers": {"Content-Type": "application/json"}, "body": "{...}",
///               "extract": {"token": {"json": "/token"}, "id": {"header": "X-Id"}, "n": {"regex": "n=(\\d+)"}},
///               "check": {"status": 200, "body_contains": "token", "json": {"/user": "alice"}},
///               "think": "0"},
///              {"name": "kernel", "grpc": {"addr": "127.0.0.1:50051", "call": "pkg.Service/Method",
///                                      "proto": "x.proto", "protoset": "x.pb", "data": {...},
///                                      "metadata": {"authorization": "Bearer {{token}}"}},
///               "check": {"status": 0}, "extract": {"result": {"json": "/result"}}},
///              {"name": "watch", "ws": {"url": "ws://127.0.0.1:8000/broadcast?room={{token}}",
///                                   "send": ["..."], "headers": {...}, "wait": "5s"},
///               "check": {"json": {"/result": "{{result}}"}}}, ...]}
/// Relative feeder paths are beside `path`. Throws InputError naming `path` and the key path for
/// unknown keys, a bad JSON pointer or regex, a step using a variable no earlier step extracts,
/// a bad placeholder, a ragged feeder.
Journey parse_journey(const std::string& text, const std::string& path);
/// Reads and parses a journey file.
Journey load_journey(const std::string& path);

/// Checks what parse_journey() checks, for a journey built in code: at least one step, names
/// unique, placeholders valid, every variable extracted by an earlier step. Throws InputError.
void validate(const Journey& j);

/// The origin of a WebSocket URL: "ws://host:port" of "ws://host:port/path?query".
std::string ws_origin(const std::string& url);

/// Rebases every HTTP step's URL onto `origin` ("http://127.0.0.1:39211"), as rebase_targets().
void rebase_journey(Journey& j, const std::string& origin);

/// Points the gRPC steps whose address is `name` ("kernel", or "kernel:50051") at `addr`
/// ("127.0.0.1:39212"), and the WebSocket steps whose URL's host is `name` at the origin `ws`
/// ("ws://127.0.0.1:39213"), keeping path and query. What a suite does with the addresses of the
/// services it started.
void point_journey(Journey& j, const std::string& name, const std::string& addr, const std::string& ws);

}  // namespace loadgate
