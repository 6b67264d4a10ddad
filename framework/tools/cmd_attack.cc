// cmd_attack.cc: `loadgate attack`, Vegeta's attack over the HTTP driver.
#include <cstdio>
#include <fstream>
#include <sstream>

#include "commands.h"
#include "flags.h"
#include "loadgate/error.h"
#include "loadgate/file.h"
#include "loadgate/http.h"
#include "run_attack.h"

namespace loadgate::cli {
namespace {

// Vegeta's -max-body: bytes, or a size like "10 MB" / "512KB"; -1 = no limit.
int64_t size_flag(const std::string& text) {
  if (text == "-1") return -1;
  size_t i = 0;
  double v = 0;
  try {
    v = std::stod(text, &i);
  } catch (const std::exception&) {
    throw InputError("", 0, "-max-body", "\"" + text + "\" is not a size (want e.g. 1024, 10KB, 1MB, -1)");
  }
  std::string unit = text.substr(i);
  unit.erase(std::remove(unit.begin(), unit.end(), ' '), unit.end());
  for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  double mul = 1;
  if (unit == "" || unit == "B")
    mul = 1;
  else if (unit == "KB" || unit == "K")
    mul = 1024;
  else if (unit == "MB" || unit == "M")
    mul = 1024.0 * 1024;
  else if (unit == "GB" || unit == "G")
    mul = 1024.0 * 1024 * 1024;
  else
    throw InputError("", 0, "-max-body", "unknown size unit \"" + unit + "\"");
  if (v < 0) throw InputError("", 0, "-max-body", "must be -1 or a size >= 0");
  return static_cast<int64_t>(v * mul);
}

Header header_flag(const std::string& text) {
  const auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0)
    throw InputError("", 0, "-header", "bad header \"" + text + "\" (want Name: value)");
  std::string value = text.substr(colon + 1);
  while (!value.empty() && value.front() == ' ') value.erase(value.begin());
  return {text.substr(0, colon), value};
}

}  // namespace

// Reads the HTTP flags into the load, the driver's options and the targets. Throws InputError.
void http_setup(const AttackFlags& f, AttackOptions& load, HttpOptions& http, std::vector<Target>& targets) {
  load.name = f.name;
  load.duration = duration_flag("duration", f.duration);
  load.timeout = duration_flag("timeout", f.timeout);
  load.rate = rate_flag(f.rate, load.duration, duration_flag("step", f.step));
  load.workers = f.workers;
  load.max_requests = f.requests;
  load.threads = f.cpus;
  int cap = kDefaultMaxWorkers;
  if (f.max_workers > 0) cap = f.max_workers;
  if (f.connections > 0) cap = f.max_workers > 0 ? std::min(cap, f.connections) : f.connections;
  load.max_workers = cap;
  if (load.rate.unlimited()) {
    // Vegeta: -rate=0 needs -max-workers; the workers then run back to back.
    if (f.max_workers <= 0 && f.connections <= 0)
      throw InputError("", 0, "-rate", "-rate=0 requires setting -max-workers");
    load.workers = cap;
  } else {
    load.workers = std::min(f.workers, cap);
  }
  validate(load);
  load.monitor = monitor_flags(f.monitor_pids);
  http.keepalive = f.keepalive;
  http.insecure = f.insecure;
  http.root_certs = f.root_certs;
  http.cert = f.cert;
  http.key = f.key;
  http.redirects = f.redirects;
  http.max_body = size_flag(f.max_body);
  for (auto& h : f.headers) http.headers.push_back(header_flag(h));
  if (!f.body.empty()) http.body = read_file_or_throw(f.body, "-body", "cannot read body file");
  targets = load_targets(f.targets, parse_targets_format(f.format));
}

int attack(const AttackFlags& f) {
  AttackOptions load;
  HttpOptions http;
  std::vector<Target> targets;
  try {
    http_setup(f, load, http, targets);
  } catch (const InputError& e) {
    return fail("attack", e.what(), kBadInput);
  }
  if (f.http2) std::fprintf(stderr, "loadgate attack: -http2 ignored: loadgate speaks HTTP/1.1\n");

  AttackInfo info;
  info.name = f.name;
  info.protocol = "http";
  info.rate = load.rate.unlimited() ? "0" : load.rate.pacer->describe();
  AttackRun run;
  return run_attack(
      "attack", Output{f.output, f.quiet, f.progress}, info, load,
      [&](const AttackOptions& o) { return attack_http(targets, http, o); }, run);
}

}  // namespace loadgate::cli
