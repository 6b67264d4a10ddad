// cmd_ws.cc: `loadgate ws`: the seed's `-addr localhost:8000 -connections 100 -duration 60s`.
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "flags.h"
#include "loadgate/error.h"
#include "loadgate/file.h"
#include "loadgate/report.h"
#include "loadgate/ws.h"
#include "run_attack.h"

namespace loadgate::cli {

int ws(const WsFlags& f) {
  WsOptions w;
  AttackOptions load;
  try {
    w.url = f.addr.find("://") != std::string::npos ? f.addr : "ws://" + f.addr;
    if (w.url.find('/', w.url.find("://") + 3) == std::string::npos) w.url += f.path;
    w.connections = f.connections;
    // Plain numbers are rates per second; anything else is a schedule, as -rate.
    auto number = [](const std::string& t, double& out) {
      char* end = nullptr;
      out = std::strtod(t.c_str(), &end);
      return !t.empty() && *end == '\0';
    };
    if (!number(f.connect_rate, w.connect_rate)) {
      RateSpec r = rate_flag(f.connect_rate, duration_flag("duration", f.duration));
      if (r.unlimited()) throw InputError("", 0, "-connect-rate", "must be positive");
      w.connect_pacer = r.pacer;
    }
    if (!number(f.rate_per_conn, w.rate_per_conn)) {
      RateSpec r = rate_flag(f.rate_per_conn, duration_flag("duration", f.duration));
      if (!r.unlimited()) w.message_pacer = r.pacer;
    }
    w.message_size = f.message_size;
    if (!f.payload.empty()) {
      const std::string path = f.payload[0] == '@' ? f.payload.substr(1) : f.payload;
      w.payload = read_file_or_throw(path, "-payload", "cannot read payload file");
    }
    w.binary = f.binary;
    w.push = f.push;
    w.subprotocol = f.subprotocol;
    for (const std::string& h : f.headers) {
      const auto colon = h.find(':');
      if (colon == std::string::npos || colon == 0)
        throw InputError("", 0, "-header", "\"" + h + "\": want Name: value");
      std::string v = h.substr(colon + 1);
      while (!v.empty() && v.front() == ' ') v.erase(v.begin());
      w.headers.emplace_back(h.substr(0, colon), v);
    }
    w.sources = f.sources;
    w.insecure = f.insecure;
    load.name = f.name;
    load.duration = duration_flag("duration", f.duration);
    load.timeout = duration_flag("timeout", f.timeout);
    load.threads = f.cpus;
    load.monitor = monitor_flags(f.monitor_pids);
    if (f.format != "" && f.format != "summary" && f.format != "results")
      throw InputError("", 0, "-format", "\"" + f.format + "\": want summary or results");
  } catch (const InputError& e) {
    return fail("ws", e.what(), kBadInput);
  }
  const bool summary = f.format == "summary" || (f.format.empty() && isatty(STDOUT_FILENO));
  Output out{f.output.empty() ? (summary ? "" : "stdout") : f.output, f.quiet, f.progress};
  AttackInfo info;
  info.name = f.name;
  info.protocol = "ws";
  AttackRun run;
  const int code = run_attack(
      "ws", out, info, load, [&](const AttackOptions& o) { return attack_ws(w, o); }, run);
  if (code == kOk && summary) write_text_report(std::cout, run.metrics);
  return code;
}

}  // namespace loadgate::cli
