// baseline.cc: strict parsing of baseline files, and recording references.
#include "loadgate/baseline.h"

#include <algorithm>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/json_input.h"
#include "loadgate/environment.h"
#include "loadgate/error.h"
#include "loadgate/figures.h"
#include "loadgate/file.h"
#include "loadgate/metrics.h"
#include "loadgate/pacer.h"
#include "loadgate/size.h"

namespace loadgate {
namespace {

using nlohmann::json;

// Walks one JSON file, remembering its name for errors.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const std::string& path, const std::string& message) const {
    throw InputError(file_, 0, path, message);
  }

  void only(const json& j, const std::string& path, const std::vector<std::string>& keys) const {
    if (!j.is_object()) fail(path, "want an object");
    for (auto& item : j.items())
      if (std::find(keys.begin(), keys.end(), item.key()) == keys.end()) {
        const std::string& k = item.key();
        std::string known;
        for (const std::string& a : keys) known += (known.empty() ? "" : ", ") + a;
        fail(join(path, k), "unknown key (known: " + known + ")");
      }
  }

  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  std::string str(const json& j, const std::string& path) const {
    if (!j.is_string()) fail(path, "want a string");
    return j.get<std::string>();
  }
  Nanos duration(const json& j, const std::string& path, bool positive = true) const {
    if (!j.is_string()) fail(path, "want a duration string with its unit, e.g. \"500ms\"");
    auto d = parse_duration(j.get<std::string>());
    if (!d) fail(path, "\"" + j.get<std::string>() + "\" is not a duration (want e.g. 500ms, 30s, 2m)");
    if (d->count() < 0 || (positive && d->count() == 0)) fail(path, "must be positive");
    return *d;
  }
  double number(const json& j, const std::string& path) const {
    if (!j.is_number()) fail(path, "want a number");
    const double v = j.get<double>();
    if (v < 0) fail(path, "must not be negative");
    return v;
  }
  double ratio(const json& j, const std::string& path) const {
    const double v = number(j, path);
    if (v > 1) fail(path, "is a ratio: want 0..1 (e.g. 0.99 for 99 %)");
    return v;
  }
  // "512MB", "2GB", "64KB", or a number of bytes.
  uint64_t size(const json& j, const std::string& path) const {
    if (j.is_number_unsigned()) return j.get<uint64_t>();
    if (!j.is_string()) fail(path, "want a size such as \"512MB\"");
    auto v = parse_size(j.get<std::string>());
    if (!v) fail(path, "\"" + j.get<std::string>() + "\" is not a size (want e.g. 512MB, 2GB)");
    return *v;
  }

  int integer(const json& j, const std::string& path) const {
    if (!j.is_number_integer()) fail(path, "want an integer");
    const auto v = j.get<int64_t>();
    if (v < 0) fail(path, "must not be negative");
    if (v > 100'000'000) fail(path, "is too large");
    return static_cast<int>(v);
  }

  // The "load" object: the load model (validated by parse_load()) and the protocol's part.
  void load(const json& j, const std::string& path, Scenario& s) const {
    only(j, path,
         {"rate", "duration", "workers", "max_workers", "requests", "timeout", "precision", "trials", "step", "call", "data",
          "connections", "connect_rate", "rate_per_conn", "message_size", "proto", "path"});
    LoadSpec& l = s.load;
    if (j.contains("rate")) {
      if (j["rate"].is_number()) {
        if (j["rate"].get<double>() < 0) fail(join(path, "rate"), "must not be negative");
        l.rate = j["rate"].dump();
      } else {
        l.rate = str(j["rate"], join(path, "rate"));
      }
    }
    l.duration = "30s";
    if (j.contains("duration")) l.duration = format_duration(duration(j["duration"], join(path, "duration"), false));
    if (j.contains("workers")) l.workers = integer(j["workers"], join(path, "workers"));
    if (j.contains("max_workers")) l.max_workers = integer(j["max_workers"], join(path, "max_workers"));
    if (j.contains("requests")) l.requests = static_cast<uint64_t>(integer(j["requests"], join(path, "requests")));
    if (j.contains("timeout")) l.timeout = format_duration(duration(j["timeout"], join(path, "timeout")));
    if (j.contains("step")) l.step = format_duration(duration(j["step"], join(path, "step")));
    if (j.contains("precision")) l.precision = format_duration(duration(j["precision"], join(path, "precision")));
    if (j.contains("trials")) l.trials = integer(j["trials"], join(path, "trials"));
    ProtocolLoad& p = s.protocol;
    if (j.contains("call")) p.call = str(j["call"], join(path, "call"));
    if (j.contains("data")) p.data = j["data"].is_string() ? j["data"].get<std::string>() : j["data"].dump();
    if (j.contains("connections")) p.connections = integer(j["connections"], join(path, "connections"));
    if (j.contains("connect_rate")) p.connect_rate = number(j["connect_rate"], join(path, "connect_rate"));
    if (j.contains("rate_per_conn")) p.rate_per_conn = number(j["rate_per_conn"], join(path, "rate_per_conn"));
    if (j.contains("message_size")) p.message_size = integer(j["message_size"], join(path, "message_size"));
    if (j.contains("proto")) p.proto = str(j["proto"], join(path, "proto"));
    if (j.contains("path")) {
      p.path = str(j["path"], join(path, "path"));
      if (p.path.empty() || p.path[0] != '/') fail(join(path, "path"), "want a URL path starting with /");
    }
    // gRPC's channels double as its closed-model concurrency when no workers are given.
    if (!l.workers && !l.max_workers && p.connections > 0) l.workers = p.connections;
    scenario_load(s);  // the one parser of loads: throws naming this file and path
  }

  // `target`: the thresholds of one target (which keeps no phases).
  Thresholds thresholds(const json& j, const std::string& path, bool nested = false, bool target = false) const {
    std::vector<std::string> figures;
    for (const Figure& f : all_figures())
      if (f.latency()) figures.push_back(f.name);
    std::vector<std::string> keys = figures;
    keys.insert(keys.end(), {"success", "throughput", "rate", "errors", "late", "uncorrected", "generator", "kind",
                             "window", "first", "phases", "kinds", "targets", "resources"});
    only(j, path, keys);
    Thresholds t;
    if (j.contains("phases")) {
      const std::string ppath = join(path, "phases");
      if (target) fail(ppath, "phases are judged on the whole run (or a kind of it), not per target");
      if (!j["phases"].is_object()) fail(ppath, "want an object of phase: {figure: duration}, e.g. {\"waiting\": {\"p99\": \"50ms\"}}");
      for (auto& [phase, limits] : j["phases"].items()) {
        const std::string lpath = join(ppath, phase);
        const auto& names = phase_names();
        if (std::find(names.begin(), names.end(), phase) == names.end())
          fail(lpath, "unknown phase (want connect, tls, sending, waiting or receiving)");
        if (!limits.is_object()) fail(lpath, "want an object of figure: duration, e.g. {\"p99\": \"50ms\"}");
        only(limits, lpath, figures);
        for (const std::string& f : figures)
          if (limits.contains(f)) t.phases[phase][f] = duration(limits[f], join(lpath, f));
      }
    }
    if (j.contains("targets")) {
      const std::string tpath = join(path, "targets");
      if (nested) fail(tpath, "targets do not nest");
      if (!j["targets"].is_object()) fail(tpath, "want an object of target: thresholds");
      for (auto& [key, sub] : j["targets"].items()) t.targets[key] = thresholds(sub, join(tpath, key), true, true);
    }
    if (j.contains("resources")) {
      const std::string rpath = join(path, "resources");
      if (!j["resources"].is_object()) fail(rpath, "want an object of role: limits");
      for (auto& [role, lim] : j["resources"].items()) {
        const std::string lpath = join(rpath, role);
        only(lim, lpath, {"rss", "cpu", "fds"});
        ResourceLimits r;
        if (lim.contains("rss")) r.rss_bytes = size(lim["rss"], join(lpath, "rss"));
        if (lim.contains("cpu")) r.cpu_percent = number(lim["cpu"], join(lpath, "cpu"));
        if (lim.contains("fds")) r.fds = number(lim["fds"], join(lpath, "fds"));
        t.resources[role] = r;
      }
    }
    if (j.contains("kinds")) {
      const std::string kpath = join(path, "kinds");
      if (nested) fail(kpath, "kinds do not nest");
      if (!j["kinds"].is_object()) fail(kpath, "want an object of kind: thresholds");
      for (auto& [kind, sub] : j["kinds"].items()) {
        if (!kind_from_name(kind)) fail(join(kpath, kind), "unknown result kind (want " + kind_names() + ")");
        Thresholds k = thresholds(sub, join(kpath, kind), true);
        k.kind = kind;
        t.kinds[kind] = k;
      }
    }
    auto lat = [&](const char* key, std::optional<Nanos>& out) {
      if (j.contains(key)) out = duration(j[key], join(path, key));
    };
    for (const Figure& f : all_figures())
      if (f.latency() && j.contains(f.name)) t.latency[f.name] = duration(j[f.name], join(path, f.name));
    lat("window", t.window);
    lat("first", t.first);
    if (j.contains("success")) t.success = ratio(j["success"], join(path, "success"));
    if (j.contains("late")) t.late = ratio(j["late"], join(path, "late"));
    if (j.contains("throughput")) t.throughput = number(j["throughput"], join(path, "throughput"));
    if (j.contains("rate")) t.rate = number(j["rate"], join(path, "rate"));
    if (j.contains("errors")) t.errors = static_cast<uint64_t>(integer(j["errors"], join(path, "errors")));
    if (j.contains("uncorrected")) {
      if (!j["uncorrected"].is_boolean()) fail(join(path, "uncorrected"), "want true or false");
      t.uncorrected = j["uncorrected"].get<bool>();
    }
    if (j.contains("generator")) {
      if (!j["generator"].is_boolean()) fail(join(path, "generator"), "want true or false");
      t.generator = j["generator"].get<bool>();
    }
    if (j.contains("kind")) t.kind = str(j["kind"], join(path, "kind"));
    return t;
  }

  // "http", "grpc" or "ws".
  std::string protocol(const json& j, const std::string& path) const {
    const std::string p = str(j, path);
    if (p != "http" && p != "grpc" && p != "ws") fail(path, "\"" + p + "\" is not a protocol (want http, grpc or ws)");
    return p;
  }

  // A "process" object: how to start the service under test.
  ProcessSpec process(const json& j, const std::string& path) const {
    only(j, path, {"command", "env", "ready", "timeout", "grace", "port", "directory", "log_limit"});
    ProcessSpec p;
    p.file = file_;
    p.field = path;
    const std::string cpath = join(path, "command");
    if (!j.contains("command")) fail(cpath, "missing (want [\"./server\", \"--port\", \"{port}\"])");
    if (!j["command"].is_array() || j["command"].empty()) fail(cpath, "want a non-empty array of strings");
    for (size_t i = 0; i < j["command"].size(); ++i)
      p.command.push_back(str(j["command"][i], cpath + "[" + std::to_string(i) + "]"));
    if (p.command[0].empty()) fail(cpath + "[0]", "empty program name");
    if (j.contains("env")) {
      if (!j["env"].is_object()) fail(join(path, "env"), "want an object of NAME: value");
      for (auto& [k, v] : j["env"].items()) {
        if (k.empty() || k.find('=') != std::string::npos) fail(join(join(path, "env"), k), "not a variable name");
        p.env[k] = str(v, join(join(path, "env"), k));
      }
    }
    if (j.contains("ready")) {
      const json& r = j["ready"];
      const std::string rpath = join(path, "ready");
      std::string spec;
      if (r.is_string()) {
        spec = r.get<std::string>();
      } else {
        only(r, rpath, {"tcp", "http", "grpc", "ws", "log"});
        if (r.size() != 1) fail(rpath, "want exactly one probe, e.g. {\"http\": \"/health\"}");
        const std::string kind = r.begin().key();  // (a structured binding over items() would dangle)
        const json& arg = r.begin().value();
        if (kind == "tcp") {
          if (!arg.is_boolean() || !arg.get<bool>()) fail(join(rpath, kind), "want true");
          spec = "tcp";
        } else {
          const std::string a = str(arg, join(rpath, kind));
          spec = a.empty() ? kind : kind + ":" + a;
        }
      }
      auto probe = parse_ready(spec);
      if (!probe)
        fail(rpath, "\"" + spec + "\" is not a probe (want tcp, http:/path, grpc, grpc:service, ws:/path or log:regex)");
      p.ready = *probe;
    }
    if (j.contains("timeout")) p.timeout = duration(j["timeout"], join(path, "timeout"));
    if (j.contains("grace")) p.grace = duration(j["grace"], join(path, "grace"));
    if (j.contains("port")) {
      p.port = integer(j["port"], join(path, "port"));
      if (p.port < 1 || p.port > 65535) fail(join(path, "port"), "want 1..65535");
    }
    if (j.contains("directory")) p.directory = str(j["directory"], join(path, "directory"));
    if (j.contains("log_limit")) {
      const std::string lpath = join(path, "log_limit");
      const json& l = j["log_limit"];
      std::optional<uint64_t> bytes;
      if (l.is_number_unsigned()) bytes = l.get<uint64_t>();
      else if (l.is_string()) bytes = parse_size(l.get<std::string>());
      if (!bytes) fail(lpath, "want a size such as \"64MB\" or a number of bytes (0 = no limit)");
      p.log_limit = *bytes;
    }
    if (p.port == 0 && !p.uses("{port}") && !p.uses("{port_file}") && !p.uses("{addr}"))
      fail(cpath, "neither {port}, {addr} nor {port_file} appears, and no \"port\" is given: where does it listen?");
    if (p.port != 0 && (p.uses("{port}") || p.uses("{port_file}") || p.uses("{addr}")))
      fail(join(path, "port"), "a fixed port and a {port}, {addr} or {port_file} placeholder: choose one");
    return p;
  }

  // "replay": {"log": "logs/api-access.log", "format": "nginx", "nginx_format": "...", "speed": 1,
  //            "rate": 0, "from": "", "to": "", "filter": "", "loop": 1}
  void replay(const json& j, const std::string& path, Scenario& s) const {
    if (!j.is_object()) fail(path, "want an object with \"log\"");
    only(j, path, {"log", "format", "nginx_format", "speed", "rate", "from", "to", "filter", "loop"});
    if (!j.contains("log")) fail(join(path, "log"), "missing: the log to replay");
    s.replay_log = str(j["log"], join(path, "log"));
    ReplayOptions& r = s.replay;
    try {
      if (j.contains("format")) r.log.format = parse_log_format(str(j["format"], join(path, "format")), join(path, "format"));
    } catch (const InputError& e) {
      fail(join(path, "format"), e.message());
    }
    if (j.contains("nginx_format")) r.log.nginx_format = str(j["nginx_format"], join(path, "nginx_format"));
    if (j.contains("speed")) r.speed = number(j["speed"], join(path, "speed"));
    if (j.contains("rate")) r.rate = number(j["rate"], join(path, "rate"));
    if (!(r.speed > 0)) fail(join(path, "speed"), "want a speed above 0");
    if (r.rate < 0) fail(join(path, "rate"), "must not be negative");
    if (j.contains("from")) r.from = str(j["from"], join(path, "from"));
    if (j.contains("to")) r.to = str(j["to"], join(path, "to"));
    if (j.contains("filter")) r.filter = str(j["filter"], join(path, "filter"));
    if (j.contains("loop")) r.loops = integer(j["loop"], join(path, "loop"));
    if (r.loops < 1) fail(join(path, "loop"), "want 1 or more passes");
  }

  Scenario scenario(const json& j, const std::string& name, const BaselineFile& file,
                    const std::string& targets, const std::string& file_protocol) const {
    const std::string path = "scenarios." + name;
    only(j, path,
         {"tier", "description", "targets", "load", "thresholds", "reference", "tolerance", "search", "abort_after",
          "protocol", "process", "journey", "calibration", "replay"});
    Scenario s;
    s.file = file.path;
    s.service = file.service;
    s.name = name;
    s.targets = targets;
    s.file_process = file.process;
    if (j.contains("process")) s.process = process(j["process"], join(path, "process"));
    if (!j.contains("tier"))
      fail(join(path, "tier"), "missing (want one of light, medium, heavy, stress, soak, breakpoint)");
    s.tier = str(j["tier"], join(path, "tier"));
    if (std::find(kTiers.begin(), kTiers.end(), s.tier) == kTiers.end())
      fail(join(path, "tier"),
           "\"" + s.tier + "\" is not a tier (want light, medium, heavy, stress, soak, breakpoint)");
    if (j.contains("description")) s.description = str(j["description"], join(path, "description"));
    if (j.contains("targets")) s.targets = str(j["targets"], join(path, "targets"));
    if (j.contains("journey")) s.journey = str(j["journey"], join(path, "journey"));
    if (j.contains("replay")) replay(j["replay"], join(path, "replay"), s);
    if (!j.contains("load") && s.replay_log.empty()) fail(join(path, "load"), "missing");
    load(j.contains("load") ? j["load"] : json::object(), join(path, "load"), s);
    // A replay's log is its schedule: it runs to the log's end unless the load says otherwise.
    if (!s.replay_log.empty() && !(j.contains("load") && j["load"].contains("duration"))) s.load.duration = "0";
    if (!s.journey.empty())
      s.protocol_name = "journey";
    else if (!s.replay_log.empty())
      s.protocol_name = "replay";
    else if (j.contains("protocol"))
      s.protocol_name = protocol(j["protocol"], join(path, "protocol"));
    else if (!file_protocol.empty())
      s.protocol_name = file_protocol;
    else if (!s.protocol.call.empty() || !s.protocol.proto.empty())
      s.protocol_name = "grpc";
    else if (s.protocol.rate_per_conn > 0 || s.protocol.connect_rate > 0 || s.protocol.message_size > 0 ||
             !s.protocol.path.empty())
      s.protocol_name = "ws";
    if (!j.contains("thresholds")) fail(join(path, "thresholds"), "missing");
    s.thresholds = thresholds(j["thresholds"], join(path, "thresholds"));
    if (j.contains("search")) {
      const json& q = j["search"];
      const std::string qpath = join(path, "search");
      only(q, qpath,
           {"start", "max_rate", "growth", "step", "max_time", "precision", "rate_tolerance", "min_capacity",
            "cooldown"});
      Search se;
      SearchOptions& o = se.options;
      if (q.contains("start")) o.start = number(q["start"], join(qpath, "start"));
      if (q.contains("max_rate")) o.max_rate = number(q["max_rate"], join(qpath, "max_rate"));
      if (q.contains("growth")) o.growth = number(q["growth"], join(qpath, "growth"));
      if (q.contains("step")) o.step = duration(q["step"], join(qpath, "step"));
      if (q.contains("max_time")) o.max_time = duration(q["max_time"], join(qpath, "max_time"));
      if (q.contains("precision")) o.precision = ratio(q["precision"], join(qpath, "precision"));
      if (q.contains("rate_tolerance")) se.rate_tolerance = ratio(q["rate_tolerance"], join(qpath, "rate_tolerance"));
      if (q.contains("min_capacity")) se.min_capacity = number(q["min_capacity"], join(qpath, "min_capacity"));
      if (q.contains("cooldown")) o.cooldown = duration(q["cooldown"], join(qpath, "cooldown"));
      if (o.start <= 0) fail(join(qpath, "start"), "must be positive");
      if (o.max_rate < o.start) fail(join(qpath, "max_rate"), "must be at least start");
      if (o.growth <= 1) fail(join(qpath, "growth"), "must be greater than 1");
      s.search = se;
    } else if (s.tier == "breakpoint") {
      fail(join(path, "search"), "missing: a breakpoint scenario needs a search block");
    }
    if (j.contains("abort_after")) {
      s.abort_after = integer(j["abort_after"], join(path, "abort_after"));
      if (s.abort_after > 0 && !s.thresholds.window) fail(join(path, "abort_after"), "needs thresholds.window");
    }
    if (j.contains("reference")) {
      const json& r = j["reference"];
      const std::string rpath = join(path, "reference");
      if (!r.is_object()) fail(rpath, "want an object");
      Reference ref;
      // A figure's value: a duration for latencies ("4.1ms"), a number otherwise.
      auto value = [this](const json& v, const std::string& p) {
        return v.is_string() ? static_cast<double>(duration(v, p, false).count()) : number(v, p);
      };
      for (auto& [k, v] : r.items()) {
        if (k == "recorded_at") {
          ref.recorded_at = str(v, join(rpath, k));
        } else if (k == "trials" || k == "intervals") {
          const std::string p = join(rpath, k);
          if (!v.is_object()) fail(p, "want an object of figure: [values]");
          for (auto& [f, list] : v.items()) {
            if (!find_figure(f)) fail(join(p, f), "unknown figure");
            if (!list.is_array() || list.empty() || (k == "intervals" && list.size() != 2))
              fail(join(p, f), k == "trials" ? "want a list of each trial's value" : "want [low, high]");
            std::vector<double> xs;
            for (size_t i = 0; i < list.size(); ++i) xs.push_back(value(list[i], join(p, f) + "[" + std::to_string(i) + "]"));
            if (k == "trials")
              ref.trials[f] = xs;
            else
              ref.intervals[f] = {xs[0], xs[1]};
          }
        } else if (v.is_string())
          ref.figures[k] = static_cast<double>(duration(v, join(rpath, k), false).count());
        else
          ref.figures[k] = number(v, join(rpath, k));
      }
      s.reference = ref;
    }
    if (j.contains("tolerance")) {
      const std::string tpath = join(path, "tolerance");
      if (!j["tolerance"].is_object()) fail(tpath, "want an object of figure: ratio");
      for (auto& [k, v] : j["tolerance"].items()) {
        const Figure* f = find_figure(k);
        if (!f) fail(join(tpath, k), "unknown figure (want " + figure_names() + ")");
        s.tolerance[k] = number(v, join(tpath, k));
        // A drop of 100 % or more cannot be checked: the limit would be zero or below.
        if (f->higher_is_better && s.tolerance[k] >= 1)
          fail(join(tpath, k), "a tolerance on a figure that must not drop is below 1 (0.1 = 10 %)");
      }
      if (!s.reference) fail(tpath, "a tolerance needs a reference (record one with `loadgate baseline record`)");
      for (auto& [k, v] : s.tolerance)
        if (!s.reference->figures.count(k)) fail(join(tpath, k), "the reference has no figure \"" + k + "\"");
    }
    return s;
  }

 private:
  std::string file_;
};

std::string read_text(const std::string& path) { return read_file_or_throw(path, "", "cannot read baseline file"); }

}  // namespace

Load scenario_load(const Scenario& s, double duration_scale) {
  // A replay is bounded by its log.
  return parse_load(s.load, LoadSource::baseline(s.file, s.path("load")), duration_scale, s.replay_log.empty());
}

const Scenario& BaselineFile::find(const std::string& name) const {
  std::string n = name;
  if (n.rfind(service + ".", 0) == 0) n = n.substr(service.size() + 1);
  auto it = scenarios.find(n);
  if (it == scenarios.end()) {
    std::string known;
    for (auto& [k, v] : scenarios) known += (known.empty() ? "" : ", ") + k;
    throw InputError(path, 0, "scenarios." + n, "no such scenario (known: " + known + ")");
  }
  return it->second;
}

BaselineFile parse_baseline(const std::string& text, const std::string& path) {
  Reader r(path);
  const json j = parse_json_input(text, path);
  r.only(j, "", {"$schema", "service", "description", "targets", "scenarios", "protocol", "process"});
  BaselineFile f;
  f.path = path;
  if (!j.contains("service")) r.fail("service", "missing");
  f.service = r.str(j["service"], "service");
  if (j.contains("description")) f.description = r.str(j["description"], "description");
  const std::string targets = j.contains("targets") ? r.str(j["targets"], "targets") : "";
  const std::string protocol = j.contains("protocol") ? r.protocol(j["protocol"], "protocol") : "";
  if (j.contains("process")) f.process = r.process(j["process"], "process");
  if (!j.contains("scenarios") || !j["scenarios"].is_object() || j["scenarios"].empty())
    r.fail("scenarios", "want an object with at least one scenario");
  for (auto& [name, s] : j["scenarios"].items()) f.scenarios[name] = r.scenario(s, name, f, targets, protocol);
  return f;
}

BaselineFile load_baseline(const std::string& path) { return parse_baseline(read_text(path), path); }

ProcessSpec load_process_file(const std::string& path) {
  const std::string text = read_file_or_throw(path, "", "cannot read process file");
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw InputError(path, 0, "", std::string("not valid JSON: ") + e.what());
  }
  return Reader(path).process(j, "process");
}

const Scenario& find_scenario(const std::string& key, const std::string& dir) {
  static std::mutex mu;
  static std::map<std::string, BaselineFile> cache;
  const auto dot = key.find('.');
  if (dot == std::string::npos || dot == 0)
    throw InputError("", 0, "scenario", "\"" + key + "\": want service.scenario, e.g. api.heavy");
  std::string base = dir;
  if (base.empty()) {
    base = env(Env::kBaselinesDir).value_or("baselines");
  }
  const std::string path = base + "/" + key.substr(0, dot) + ".json";
  std::lock_guard lock(mu);
  auto it = cache.find(path);
  if (it == cache.end()) it = cache.emplace(path, load_baseline(path)).first;
  return it->second.find(key.substr(dot + 1));
}

void record_reference(const std::string& path, const std::string& scenario,
                      const std::map<std::string, double>& figures,
                      const std::vector<std::map<std::string, double>>& trials,
                      const std::map<std::string, std::pair<double, double>>& intervals) {
  const std::string text = read_text(path);
  BaselineFile checked = parse_baseline(text, path);  // validate before touching it: it parses
  const Scenario& s = checked.find(scenario);
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(text);
  nlohmann::ordered_json ref = nlohmann::ordered_json::object();
  ref["recorded_at"] = format_rfc3339(unix_now_ns());
  auto as_json = [](const std::string& k, double v) -> nlohmann::ordered_json {
    const Figure* f = find_figure(k);
    if (f && f->unit == Unit::kNanos) return format_duration(Nanos(static_cast<int64_t>(v)));
    return v;
  };
  for (auto& [k, v] : figures) ref[k] = as_json(k, v);
  if (trials.size() > 1)
    for (auto& [k, v] : figures) {
      nlohmann::ordered_json list = nlohmann::ordered_json::array();
      for (const auto& t : trials)
        if (auto it = t.find(k); it != t.end()) list.push_back(as_json(k, it->second));
      ref["trials"][k] = list;
    }
  for (auto& [k, iv] : intervals) ref["intervals"][k] = {as_json(k, iv.first), as_json(k, iv.second)};
  j["scenarios"][s.name]["reference"] = ref;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw InputError(path, 0, "", "cannot write baseline file");
  out << j.dump(2) << "\n";
  out.flush();
  if (!out) throw InputError(path, 0, "", "writing the baseline file failed (full disk?)");
}

void record_calibration(const std::string& path, const std::string& scenario, const Calibration& c,
                        const std::map<std::string, double>& figures,
                        const std::vector<std::map<std::string, double>>& trials, const std::string& duration) {
  record_reference(path, scenario, figures, trials);
  const std::string text = read_text(path);
  const BaselineFile checked = parse_baseline(text, path);
  const Scenario& s = checked.find(scenario);
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(text);
  nlohmann::ordered_json& sc = j["scenarios"][s.name];
  sc["load"]["trials"] = c.trials;
  nlohmann::ordered_json tolerance = nlohmann::ordered_json::object(), noise = nlohmann::ordered_json::object();
  for (const FigureNoise& n : c.figures) {
    tolerance[n.figure] = n.tolerance;
    noise[n.figure] = {{"median", n.median}, {"spread", n.spread}, {"tolerance", n.tolerance}};
  }
  sc["tolerance"] = tolerance;
  sc["calibration"] = {{"recorded_at", format_rfc3339(unix_now_ns())},
                       {"runs", c.runs},
                       {"false_alarm", c.false_alarm},
                       {"trials", c.trials},
                       {"duration", duration},
                       {"figures", noise}};
  parse_baseline(j.dump(2), path);  // what is written must load
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw InputError(path, 0, "", "cannot write baseline file");
  out << j.dump(2) << "\n";
  out.flush();
  if (!out) throw InputError(path, 0, "", "writing the baseline file failed (full disk?)");
}

}  // namespace loadgate
