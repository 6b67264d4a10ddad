// journey.cc: journeys built in code or read from JSON, and their validation. Running them is
// the HTTP driver's (protocol/http/journey_driver.cc).
#include "loadgate/journey.h"

#include "core/pattern.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "loadgate/duration.h"
#include "core/json_input.h"
#include "loadgate/error.h"
#include "loadgate/file.h"
#include "loadgate/template.h"
#include "loadgate/url.h"

namespace loadgate {
namespace {

using json = nlohmann::json;

std::string dir_of(const std::string& file) {
  const auto slash = file.rfind('/');
  return slash == std::string::npos ? "" : file.substr(0, slash + 1);
}

// The key path of step `i`'s field: "steps[1].url".
std::string step_path(size_t i, const std::string& field) {
  return "steps[" + std::to_string(i) + "]" + (field.empty() ? "" : "." + field);
}

}  // namespace

std::string ws_origin(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const auto slash = url.find_first_of("/?", scheme + 3);
  return slash == std::string::npos ? url : url.substr(0, slash);
}

std::string Extraction::missing() const {
  switch (from) {
    case From::kJson:
      return "extract " + variable + ": " + expr + " not found";
    case From::kHeader:
      return "extract " + variable + ": header " + expr + " not found";
    case From::kRegex:
      return "extract " + variable + ": /" + expr + "/ matches nothing";
  }
  return "extract " + variable + ": not found";
}

std::string StepCheck::name() const {
  switch (what) {
    case What::kStatus:
      return "status == " + std::to_string(status);
    case What::kBodyContains:
      return "body contains " + json(text).dump();
    case What::kJsonEquals:
      return pointer + " == " + text;
  }
  return "check";
}

std::optional<ThinkTime> ThinkTime::parse(const std::string& text) {
  if (text.empty() || text == "0") return ThinkTime{};
  if (text.rfind("uniform:", 0) == 0) {
    const std::string range = text.substr(8);
    const auto dots = range.find("..");
    if (dots == std::string::npos) return std::nullopt;
    auto lo = parse_duration(range.substr(0, dots)), hi = parse_duration(range.substr(dots + 2));
    if (!lo || !hi || lo->count() < 0 || *hi < *lo) return std::nullopt;
    return uniform(*lo, *hi);
  }
  if (text.rfind("exponential:", 0) == 0) {
    auto mean = parse_duration(text.substr(12));
    if (!mean || mean->count() < 0) return std::nullopt;
    return exponential(*mean);
  }
  auto d = parse_duration(text);
  if (!d || d->count() < 0) return std::nullopt;
  return fixed(*d);
}

Nanos ThinkTime::sample(std::mt19937_64& rng) const {
  switch (kind) {
    case Kind::kNone:
      return Nanos(0);
    case Kind::kFixed:
      return a;
    case Kind::kUniform:
      return a + Nanos(b.count() > a.count() ? static_cast<int64_t>(rng() % static_cast<uint64_t>(b.count() - a.count() + 1)) : 0);
    case Kind::kExponential: {
      std::exponential_distribution<double> d(1.0 / std::max<double>(1.0, static_cast<double>(a.count())));
      return Nanos(static_cast<int64_t>(std::min(d(rng), 10.0 * static_cast<double>(a.count()))));
    }
  }
  return Nanos(0);
}

JourneyStep& JourneyStep::method(std::string m, std::string url) {
  request.method = std::move(m);
  request.url = std::move(url);
  return *this;
}
JourneyStep& JourneyStep::header(std::string name, std::string value) {
  request.headers.emplace_back(std::move(name), std::move(value));
  return *this;
}
JourneyStep& JourneyStep::body(std::string text) {
  request.body = std::move(text);
  return *this;
}
JourneyStep& JourneyStep::extract_json(std::string variable, std::string pointer) {
  extract.push_back({std::move(variable), Extraction::From::kJson, std::move(pointer)});
  return *this;
}
JourneyStep& JourneyStep::extract_header(std::string variable, std::string header) {
  extract.push_back({std::move(variable), Extraction::From::kHeader, std::move(header)});
  return *this;
}
JourneyStep& JourneyStep::extract_regex(std::string variable, std::string regex) {
  extract.push_back({std::move(variable), Extraction::From::kRegex, std::move(regex)});
  return *this;
}
JourneyStep& JourneyStep::expect_status(int status) {
  StepCheck c;
  c.what = StepCheck::What::kStatus;
  c.status = status;
  checks.push_back(c);
  return *this;
}
JourneyStep& JourneyStep::expect_body_contains(std::string text) {
  StepCheck c;
  c.what = StepCheck::What::kBodyContains;
  c.text = std::move(text);
  checks.push_back(c);
  return *this;
}
JourneyStep& JourneyStep::expect_json(std::string pointer, std::string json_value) {
  StepCheck c;
  c.what = StepCheck::What::kJsonEquals;
  c.pointer = std::move(pointer);
  c.text = std::move(json_value);
  checks.push_back(c);
  return *this;
}

JourneyStep& JourneyStep::grpc_call(std::string addr, std::string call, std::string data) {
  grpc.emplace();
  grpc->addr = std::move(addr);
  grpc->call = std::move(call);
  grpc->data = std::move(data);
  return *this;
}
JourneyStep& JourneyStep::metadata(std::string key, std::string value) {
  if (!grpc) grpc.emplace();
  grpc->metadata.emplace_back(std::move(key), std::move(value));
  return *this;
}
JourneyStep& JourneyStep::ws_exchange(std::string url) {
  ws.emplace();
  ws->url = std::move(url);
  return *this;
}
JourneyStep& JourneyStep::send(std::string text) {
  if (!ws) ws.emplace();
  ws->send.push_back(std::move(text));
  return *this;
}

JourneyStep& Journey::step(std::string name) {
  steps.emplace_back();
  steps.back().name = std::move(name);
  return steps.back();
}

std::vector<std::string> Journey::variables() const {
  std::vector<std::string> out;
  for (const JourneyStep& s : steps)
    for (const Extraction& e : s.extract)
      if (std::find(out.begin(), out.end(), e.variable) == out.end()) out.push_back(e.variable);
  return out;
}

void validate(const Journey& j) {
  if (j.steps.empty()) throw InputError(j.file, 0, "steps", "a journey needs at least one step");
  TemplateNames names;
  if (j.feeder) names.columns = j.feeder->columns();
  names.variables = j.variables();
  std::set<std::string> step_names, extracted;
  for (size_t i = 0; i < j.steps.size(); ++i) {
    const JourneyStep& s = j.steps[i];
    if (s.name.empty()) throw InputError(j.file, 0, step_path(i, "name"), "missing");
    if (!step_names.insert(s.name).second) throw InputError(j.file, 0, step_path(i, "name"), "\"" + s.name + "\" twice");
    // Every template: its placeholders valid, its variables extracted by an earlier step.
    std::vector<std::pair<std::string, std::string>> texts;
    if (s.grpc && s.ws) throw InputError(j.file, 0, step_path(i, "ws"), "a step is one of url, grpc or ws");
    if (s.grpc) {
      if (s.grpc->addr.empty()) throw InputError(j.file, 0, step_path(i, "grpc.addr"), "missing: want host:port");
      if (s.grpc->call.empty()) throw InputError(j.file, 0, step_path(i, "grpc.call"), "missing: want package.Service/Method");
      texts.emplace_back("grpc.data", s.grpc->data);
      for (const Header& h : s.grpc->metadata) texts.emplace_back("grpc.metadata." + h.first, h.second);
    } else if (s.ws) {
      const auto url = parse_url(Template::shape(s.ws->url));
      if (!url || (url->scheme != "ws" && url->scheme != "wss"))
        throw InputError(j.file, 0, step_path(i, "ws.url"), "\"" + printable(s.ws->url) + "\" is not a ws(s) URL");
      if (Template::has_holes(ws_origin(s.ws->url)))
        throw InputError(j.file, 0, step_path(i, "ws.url"), "placeholders only in the path and query, not the host");
      if (s.ws->wait.count() <= 0) throw InputError(j.file, 0, step_path(i, "ws.wait"), "want a duration above 0");
      for (const StepCheck& c : s.checks)
        if (c.what == StepCheck::What::kStatus)
          throw InputError(j.file, 0, step_path(i, "check.status"),
                           "a ws step's checks read the message it waits for: body_contains, json");
      texts.emplace_back("ws.url", s.ws->url);
      for (size_t k = 0; k < s.ws->send.size(); ++k) texts.emplace_back("ws.send[" + std::to_string(k) + "]", s.ws->send[k]);
      for (const Header& h : s.ws->headers) texts.emplace_back("ws.headers." + h.first, h.second);
    } else {
      if (s.request.method.empty()) throw InputError(j.file, 0, step_path(i, "method"), "missing");
      const auto url = parse_url(Template::shape(s.request.url));
      if (!url || (url->scheme != "http" && url->scheme != "https"))
        throw InputError(j.file, 0, step_path(i, "url"), "\"" + printable(s.request.url) + "\" is not an http(s) URL");
      texts = {{"url", s.request.url}, {"body", s.request.body}};
      for (const Header& h : s.request.headers) {
        if (const std::string why = header_problem(h); !why.empty())
          throw InputError(j.file, 0, step_path(i, "headers." + h.first), why);
        texts.emplace_back("headers." + h.first, h.second);
      }
    }
    for (const StepCheck& c : s.checks)
      if (c.what != StepCheck::What::kStatus)
        texts.emplace_back(c.what == StepCheck::What::kBodyContains ? "check.body_contains" : "check.json." + c.pointer, c.text);
    for (const auto& [field, text] : texts) {
      const Template t = Template::compile(text, names, step_path(i, field), j.file);
      for (uint32_t v : t.uses())
        if (!extracted.count(names.variables[v]))
          throw InputError(j.file, 0, step_path(i, field),
                           "{{" + names.variables[v] + "}} is extracted by no earlier step");
    }
    for (size_t k = 0; k < s.extract.size(); ++k) {
      const Extraction& e = s.extract[k];
      const std::string where = step_path(i, "extract." + e.variable);
      if (e.from == Extraction::From::kJson) {
        try {
          json::json_pointer p(e.expr);
          (void)p;
        } catch (const json::exception& ex) {
          throw InputError(j.file, 0, where, "\"" + printable(e.expr) + "\" is not a JSON pointer (want e.g. /token, /items/0/id)");
        }
      } else if (e.from == Extraction::From::kRegex) {
        Pattern::compile(e.expr, j.file, 0, where);  // RE2's syntax: refused here, not at the first body
      } else if (e.expr.empty()) {
        throw InputError(j.file, 0, where, "empty header name");
      }
    }
    for (const StepCheck& c : s.checks) {
      if (c.what != StepCheck::What::kJsonEquals) continue;
      try {
        json::json_pointer p(c.pointer);
        (void)p;
      } catch (const json::exception&) {
        throw InputError(j.file, 0, step_path(i, "check.json"), "\"" + printable(c.pointer) + "\" is not a JSON pointer");
      }
      if (json::parse(Template::shape(c.text), nullptr, false).is_discarded())
        throw InputError(j.file, 0, step_path(i, "check.json." + c.pointer), "not a JSON value: " + printable(c.text));
    }
    for (const Extraction& e : s.extract) extracted.insert(e.variable);
  }
}

Journey parse_journey(const std::string& text, const std::string& path) {
  json j = parse_json_input(text, path);
  if (!j.is_object()) throw InputError(path, 0, "", "not a JSON object (a journey is {\"name\": ..., \"steps\": [...]})");
  auto only = [&](const json& o, const std::string& where, std::initializer_list<const char*> keys) {
    for (const auto& item : o.items()) {
      const std::string& k = item.key();
      if (std::find_if(keys.begin(), keys.end(), [&](const char* x) { return k == x; }) == keys.end()) {
        std::string known;
        for (const char* x : keys) known += (known.empty() ? "" : ", ") + std::string(x);
        throw InputError(path, 0, (where.empty() ? "" : where + ".") + k, "unknown key (known: " + known + ")");
      }
    }
  };
  auto str = [&](const json& v, const std::string& where) {
    if (!v.is_string()) throw InputError(path, 0, where, "want a string");
    return v.get<std::string>();
  };
  only(j, "", {"$schema", "name", "think", "on_failure", "feeder", "steps"});
  Journey out(j.contains("name") ? str(j["name"], "name") : "journey");
  out.file = path;
  if (j.contains("think")) {
    auto t = ThinkTime::parse(str(j["think"], "think"));
    if (!t) throw InputError(path, 0, "think", "want a duration, uniform:A..B or exponential:MEAN");
    out.think = *t;
  }
  if (j.contains("on_failure")) {
    const std::string f = str(j["on_failure"], "on_failure");
    if (f != "stop" && f != "continue") throw InputError(path, 0, "on_failure", "want stop or continue");
    out.stop_on_failure = f == "stop";
  }
  if (j.contains("feeder")) {
    const json& f = j["feeder"];
    if (!f.is_object() || !f.contains("file")) throw InputError(path, 0, "feeder", "want {\"file\": ..., \"mode\": ...}");
    only(f, "feeder", {"file", "mode"});
    std::string file = str(f["file"], "feeder.file");
    if (!file.empty() && file[0] != '/' && !dir_of(path).empty()) file = dir_of(path) + file;
    const FeedMode mode = f.contains("mode") ? parse_feed_mode(str(f["mode"], "feeder.mode"), "feeder.mode")
                                             : FeedMode::kCircular;
    out.feeder = std::make_shared<Feeder>(load_feeder(file, mode));
  }
  if (!j.contains("steps") || !j["steps"].is_array()) throw InputError(path, 0, "steps", "want an array of steps");
  for (size_t i = 0; i < j["steps"].size(); ++i) {
    const json& s = j["steps"][i];
    if (!s.is_object()) throw InputError(path, 0, step_path(i, ""), "want an object");
    only(s, step_path(i, ""), {"name", "method", "url", "headers", "body", "grpc", "ws", "extract", "check", "think"});
    JourneyStep& step = out.step(s.contains("name") ? str(s["name"], step_path(i, "name")) : "");
    if (s.contains("grpc") || s.contains("ws")) {
      const char* kind = s.contains("grpc") ? "grpc" : "ws";
      for (const char* http : {"method", "url", "headers", "body"})
        if (s.contains(http)) throw InputError(path, 0, step_path(i, http), std::string("an HTTP field in a ") + kind + " step");
      if (s.contains("grpc") && s.contains("ws")) throw InputError(path, 0, step_path(i, "ws"), "a step is one of url, grpc or ws");
    }
    // A JSON value given as JSON rather than as a string of it: its text.
    auto text_of = [&](const json& v, const std::string& where) {
      if (v.is_string()) return v.get<std::string>();
      if (v.is_object() || v.is_array()) return v.dump();
      throw InputError(path, 0, where, "want a JSON object (or array), or a string of one");
    };
    auto strings = [&](const json& o, const std::string& where) {
      if (!o.is_object()) throw InputError(path, 0, where, "want an object of strings");
      std::vector<Header> out;
      for (auto& [k, v] : o.items()) out.emplace_back(k, str(v, where + "." + k));
      return out;
    };
    auto beside = [&](std::string file) {
      if (!file.empty() && file[0] != '/' && !dir_of(path).empty()) file = dir_of(path) + file;
      return file;
    };
    if (s.contains("grpc")) {
      const json& g = s["grpc"];
      const std::string where = step_path(i, "grpc");
      if (!g.is_object()) throw InputError(path, 0, where, "want {\"addr\": ..., \"call\": ..., \"data\": ...}");
      only(g, where, {"addr", "call", "proto", "protoset", "data", "metadata"});
      step.grpc_call(g.contains("addr") ? str(g["addr"], where + ".addr") : "",
                     g.contains("call") ? str(g["call"], where + ".call") : "",
                     g.contains("data") ? text_of(g["data"], where + ".data") : "{}");
      if (g.contains("proto")) step.grpc->proto = beside(str(g["proto"], where + ".proto"));
      if (g.contains("protoset")) step.grpc->protoset = beside(str(g["protoset"], where + ".protoset"));
      if (g.contains("metadata")) step.grpc->metadata = strings(g["metadata"], where + ".metadata");
    } else if (s.contains("ws")) {
      const json& w = s["ws"];
      const std::string where = step_path(i, "ws");
      if (!w.is_object()) throw InputError(path, 0, where, "want {\"url\": ..., \"send\": [...]}");
      only(w, where, {"url", "send", "headers", "wait"});
      step.ws_exchange(w.contains("url") ? str(w["url"], where + ".url") : "");
      if (w.contains("send")) {
        const json& m = w["send"];
        if (m.is_array())
          for (size_t k = 0; k < m.size(); ++k) step.send(text_of(m[k], where + ".send[" + std::to_string(k) + "]"));
        else
          step.send(text_of(m, where + ".send"));
      }
      if (w.contains("headers")) step.ws->headers = strings(w["headers"], where + ".headers");
      if (w.contains("wait")) {
        const auto d = parse_duration(str(w["wait"], where + ".wait"));
        if (!d) throw InputError(path, 0, where + ".wait", "want a duration (\"5s\")");
        step.ws->wait = *d;
      }
    } else {
      step.method(s.contains("method") ? str(s["method"], step_path(i, "method")) : "GET",
                  s.contains("url") ? str(s["url"], step_path(i, "url")) : "");
    }
    if (s.contains("headers")) {
      if (!s["headers"].is_object()) throw InputError(path, 0, step_path(i, "headers"), "want an object");
      for (auto& [k, v] : s["headers"].items()) step.header(k, str(v, step_path(i, "headers." + k)));
    }
    if (s.contains("body")) step.body(s["body"].is_string() ? s["body"].get<std::string>() : s["body"].dump());
    if (s.contains("extract")) {
      if (!s["extract"].is_object()) throw InputError(path, 0, step_path(i, "extract"), "want an object");
      for (auto& [var, how] : s["extract"].items()) {
        const std::string where = step_path(i, "extract." + var);
        if (!how.is_object() || how.size() != 1)
          throw InputError(path, 0, where, "want one of {\"json\": \"/pointer\"}, {\"header\": \"Name\"}, {\"regex\": \"...\"}");
        for (auto& [from, expr] : how.items()) {
          if (from == "json") step.extract_json(var, str(expr, where + ".json"));
          else if (from == "header") step.extract_header(var, str(expr, where + ".header"));
          else if (from == "regex") step.extract_regex(var, str(expr, where + ".regex"));
          else throw InputError(path, 0, where + "." + from, "unknown extraction (want json, header or regex)");
        }
      }
    }
    if (s.contains("check")) {
      const json& c = s["check"];
      const std::string where = step_path(i, "check");
      if (!c.is_object()) throw InputError(path, 0, where, "want an object");
      only(c, where, {"status", "body_contains", "json"});
      if (c.contains("status")) {
        if (!c["status"].is_number_integer()) throw InputError(path, 0, where + ".status", "want an integer");
        step.expect_status(c["status"].get<int>());
      }
      if (c.contains("body_contains")) step.expect_body_contains(str(c["body_contains"], where + ".body_contains"));
      if (c.contains("json")) {
        if (!c["json"].is_object()) throw InputError(path, 0, where + ".json", "want {\"/pointer\": value}");
        for (auto& [pointer, value] : c["json"].items()) step.expect_json(pointer, value.dump());
      }
    }
    if (s.contains("think")) {
      auto t = ThinkTime::parse(str(s["think"], step_path(i, "think")));
      if (!t) throw InputError(path, 0, step_path(i, "think"), "want a duration, uniform:A..B or exponential:MEAN");
      step.think = *t;
    }
  }
  validate(out);
  return out;
}

Journey load_journey(const std::string& path) {
  return parse_journey(read_file_or_throw(path, "", "cannot read journey file"), path);
}

void rebase_journey(Journey& j, const std::string& origin) {
  std::vector<Target> targets;
  for (const JourneyStep& s : j.steps)
    if (!s.grpc && !s.ws) targets.push_back(s.request);
  rebase_targets(targets, origin);
  size_t k = 0;
  for (JourneyStep& s : j.steps)
    if (!s.grpc && !s.ws) s.request.url = targets[k++].url;
}

void point_journey(Journey& j, const std::string& name, const std::string& addr, const std::string& ws) {
  for (JourneyStep& s : j.steps) {
    if (s.grpc && !addr.empty() && (s.grpc->addr == name || s.grpc->addr.rfind(name + ":", 0) == 0)) s.grpc->addr = addr;
    if (s.ws && !ws.empty()) {
      const std::string origin = ws_origin(s.ws->url);
      const auto host = origin.find("://");
      const std::string authority = host == std::string::npos ? "" : origin.substr(host + 3);
      if (authority == name || authority.rfind(name + ":", 0) == 0) s.ws->url = ws + s.ws->url.substr(origin.size());
    }
  }
}

}  // namespace loadgate
