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
    kJsonEquals,    ///< the JSON value at pointer `pointer` equals the JSON text `text`
  };
  What what = What::kStatus;
  int status = 200;
  std::string pointer;
  std::string text;
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

/// JourneyStep is one request of a journey; its methods build it in place.
struct JourneyStep {
  std::string name;
  Target request;  ///< placeholders allowed in the path, query, header values and body
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
///               "think": "0"}, ...]}
/// Relative feeder paths are beside `path`. Throws InputError naming `path` and the key path for
/// unknown keys, a bad JSON pointer or regex, a step using a variable no earlier step extracts,
/// a bad placeholder, a ragged feeder.
Journey parse_journey(const std::string& text, const std::string& path);
/// Reads and parses a journey file.
Journey load_journey(const std::string& path);

/// Checks what parse_journey() checks, for a journey built in code: at least one step, names
/// unique, placeholders valid, every variable extracted by an earlier step. Throws InputError.
void validate(const Journey& j);

/// Rebases every step's URL onto `origin` ("http://127.0.0.1:39211"), as rebase_targets().
void rebase_journey(Journey& j, const std::string& origin);

}  // namespace loadgate
