// cmd_grpc.cc: `loadgate grpc`: the seed's `-addr localhost:50051 -requests 1000 -workers 10`,
// ghz's calls from a .proto, results like `loadgate attack`'s, and a ghz-style summary.
#include <unistd.h>

#include <iostream>

#include "commands.h"
#include "flags.h"
#include "loadgate/error.h"
#include "loadgate/grpc.h"
#include "loadgate/report.h"
#include "run_attack.h"

namespace loadgate::cli {

int grpc(const GrpcFlags& f) {
  GrpcOptions g;
  AttackOptions load;
  try {
    g.addr = f.addr;
    g.proto = f.proto;
    g.import_paths = f.import_paths;
    if (!f.call.empty()) g.call = f.call;
    g.data = load_grpc_data(f.data);
    for (const std::string& m : f.metadata)
      for (auto& h : parse_grpc_metadata(m)) g.metadata.push_back(h);
    g.connections = f.connections;
    g.tls = f.tls;
    g.cacert = f.cacert;
    g.cert = f.cert;
    g.key = f.key;
    g.skip_verify = f.skip_verify;
    g.authority = f.authority;
    load.name = f.name;
    load.duration = duration_flag("duration", f.duration);
    load.timeout = duration_flag("timeout", f.timeout);
    load.rate = rate_flag(f.rate, load.duration);
    load.max_requests = f.requests;
    if (load.max_requests == 0 && load.duration.count() == 0) load.max_requests = 200;  // ghz's -n
    load.workers = f.workers;
    load.max_workers = f.max_workers > 0 ? f.max_workers : std::max(f.workers, kDefaultMaxWorkers);
    load.threads = f.cpus;
    if (f.format != "" && f.format != "summary" && f.format != "results")
      throw InputError("", 0, "-format", "\"" + f.format + "\": want summary or results");
    validate(load);
    load.monitor = monitor_flags(f.monitor_pids);
    const GrpcCallInfo info = describe_grpc_call(g);  // bad proto, method or data: exit 2 now
    if (isatty(STDERR_FILENO) && !f.quiet)
      std::fprintf(stderr, "loadgate grpc: %s %s (%s -> %s) at %s\n", info.server_streaming ? "streaming" : "unary",
                   info.path.c_str(), info.input_type.c_str(), info.output_type.c_str(), g.addr.c_str());
  } catch (const InputError& e) {
    return fail("grpc", e.what(), kBadInput);
  }
  // Summary on a terminal (ghz), results when piped (Vegeta) or to -output.
  const bool summary = f.format == "summary" || (f.format.empty() && isatty(STDOUT_FILENO));
  Output out{f.output.empty() ? (summary ? "" : "stdout") : f.output, f.quiet, f.progress};
  AttackInfo info;
  info.name = f.name;
  info.protocol = "grpc";
  info.rate = load.rate.unlimited() ? "0" : load.rate.pacer->describe();
  AttackRun run;
  const int code = run_attack(
      "grpc", out, info, load, [&](const AttackOptions& o) { return attack_grpc(g, o); }, run);
  if (code == kOk && summary) write_ghz_summary(std::cout, run.metrics);
  return code;
}

}  // namespace loadgate::cli
