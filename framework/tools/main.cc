// main.cc: `loadgate` command line. Accepts Go-style flags (-rate=50, -duration 30s) as Vegeta
// does, by rewriting single-dash long flags to CLI11's double-dash form before parsing.
#include <CLI/CLI.hpp>
#include <cstring>
#include <iostream>

#include "commands.h"

namespace {

using loadgate::cli::Exit;

// "-rate=50" -> "--rate=50"; leaves "-1", "--x", "-" and values alone.
std::vector<std::string> go_style(int argc, char** argv) {
  std::vector<std::string> out;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    const bool single_dash_long =
        a.size() > 2 && a[0] == '-' && a[1] != '-' && !(a[1] >= '0' && a[1] <= '9') && a[1] != '.';
    out.push_back(single_dash_long ? "-" + a : a);
  }
  std::reverse(out.begin(), out.end());  // CLI11 parses a reversed vector
  return out;
}

// The HTTP flags shared by attack and breakpoint.
void http_flags(CLI::App* c, loadgate::cli::AttackFlags& f) {
  c->add_option("--name", f.name, "Attack name");
  c->add_option("--targets", f.targets, "Targets file (default stdin)");
  c->add_option("--format", f.format, "Targets format: http or json");
  c->add_option("--timeout", f.timeout, "Requests timeout");
  c->add_option("--workers", f.workers, "Initial number of workers (connections); concurrency with -rate=0");
  c->add_option("--max-workers", f.max_workers, "Maximum number of workers (connections)");
  c->add_option("--connections", f.connections, "Maximum number of open connections");
  c->add_option("--cpus", f.cpus, "Number of attacker threads (default: all CPUs)");
  c->add_flag("--keepalive,!--no-keepalive", f.keepalive, "Use persistent connections");
  c->add_flag("--http2", f.http2, "Accepted for Vegeta compatibility; loadgate speaks HTTP/1.1");
  c->add_flag("--insecure", f.insecure, "Ignore invalid server TLS certificates");
  c->add_option("--root-certs", f.root_certs, "TLS root certificate files (comma separated)")->delimiter(',');
  c->add_option("--cert", f.cert, "TLS client PEM certificate file");
  c->add_option("--key", f.key, "TLS client PEM private key file");
  c->add_option("--redirects", f.redirects, "Number of redirects to follow; -1 = do not follow");
  c->add_option("--max-body", f.max_body, "Maximum number of bytes to capture from response bodies; -1 = no limit");
  c->add_option("--header", f.headers, "Request header (repeatable)")->expected(1);
  c->add_option("--body", f.body, "Requests body file");
  c->add_flag("--progress", f.progress, "Print progress to stderr even when it is not a terminal");
  c->add_flag("--quiet", f.quiet, "No progress line");
  c->add_option("--monitor-pid", f.monitor_pids,
                "Sample this process's CPU, RSS, threads, files, network each second: PID or ROLE=PID (repeatable)")
      ->expected(1);
}

void attack_command(CLI::App& app, loadgate::cli::AttackFlags& f) {
  auto* c = app.add_subcommand("attack", "Attack HTTP targets and write results (binary) to stdout");
  http_flags(c, f);
  c->add_option("--rate", f.rate,
                "Requests per time unit: 50/1s, 10..500@60s, 50,100@30s, sine:100:50:60s; 0 = as fast as possible "
                "(closed model)");
  c->add_option("--duration", f.duration, "Duration of the attack (0 = forever)");
  c->add_option("--step", f.step, "Step length for -rate=A,B,C");
  c->add_option("--requests", f.requests, "Stop after this many requests (0 = no limit)");
  c->add_option("--output", f.output, "Output file");
}

void breakpoint_command(CLI::App& app, loadgate::cli::BreakpointFlags& f) {
  auto* c = app.add_subcommand("breakpoint", "Find the highest rate at which HTTP targets meet an objective");
  http_flags(c, f.http);
  c->add_option("--start", f.start, "First rate (per second)");
  c->add_option("--max-rate", f.max_rate, "Highest rate ever tried");
  c->add_option("--growth", f.growth, "Factor between rising steps");
  c->add_option("--step", f.step, "Duration of each step");
  c->add_option("--max-time", f.max_time, "No step starts after this");
  c->add_option("--precision", f.precision, "Stop refining when broken/held < 1 + this");
  c->add_option("--cooldown", f.cooldown, "Pause after a broken step (default: twice -step)");
  c->add_option("--p99", f.p99, "Objective: p99 below this");
  c->add_option("--success", f.success, "Objective: success ratio at least this (0..1)");
  c->add_option("--rate-tolerance", f.rate_tolerance, "Objective: throughput at least rate x (1 - this)");
  c->add_option("--min-capacity", f.min_capacity, "Exit 3 when the capacity found is lower");
  c->add_option("--output", f.output, "HTML page of the search (rate against p99, success, throughput)");
}

void report_command(CLI::App& app, loadgate::cli::ReportFlags& f) {
  auto* c = app.add_subcommand("report", "Report on results files (default stdin)");
  c->add_option("--type", f.type, "Report type: text, json, html, hist[buckets], hdrplot");
  c->add_option("--every", f.every, "Report interval while reading");
  c->add_option("--output", f.output, "Output file");
  c->add_option("--by", f.by, "Break down by: target");
  c->add_option("inputs", f.inputs, "Results files");
}

void plot_command(CLI::App& app, loadgate::cli::PlotFlags& f) {
  auto* c = app.add_subcommand("plot", "Plot results files (one series each) as a self-contained HTML page");
  c->add_option("--title", f.title, "Title of the page");
  c->add_option("--output", f.output, "Output file");
  c->add_option("inputs", f.inputs, "Results files (default stdin)");
}

void compare_command(CLI::App& app, loadgate::cli::CompareFlags& f) {
  auto* c = app.add_subcommand("compare",
                               "Compare two runs (results files, JSON reports or a history); exit 3 on a regression");
  c->add_option("--tolerance", f.tolerance, "Relative change allowed (0.1 = 10 %)");
  c->add_option("--history", f.history,
                "History file (JSON lines from LOADGATE_HISTORY or check -history): its last two runs");
  c->add_option("--scenario", f.scenario, "With -history: only this scenario's runs");
  c->add_option("inputs", f.inputs, "OLD NEW: results files or JSON reports");
}

void encode_command(CLI::App& app, loadgate::cli::EncodeFlags& f) {
  auto* c = app.add_subcommand("encode", "Transcode results between binary, json and csv");
  c->add_option("--to", f.to, "Output encoding: json, csv, binary");
  c->add_option("--output", f.output, "Output file");
  c->add_option("inputs", f.inputs, "Results files");
}

void grpc_command(CLI::App& app, loadgate::cli::GrpcFlags& f) {
  auto* c = app.add_subcommand("grpc", "Load a gRPC service: unary or server-streaming calls from a .proto");
  c->add_option("--addr", f.addr, "Server address host:port");
  c->add_option("--proto", f.proto, "The .proto file (default: the embedded services' protos)");
  c->add_option("--import-path", f.import_paths, "Import path for the .proto (repeatable)")->expected(1);
  c->add_option("--call", f.call, "Method: package.Service/Method (default loadgate.kernel.Kernel/Execute)");
  c->add_option("--data", f.data, "Request as JSON, or @file with one JSON request per line (cycled)");
  c->add_option("--metadata", f.metadata, "Metadata: {\"key\":\"value\"} or key:value (repeatable)")->expected(1);
  c->add_option("--requests,-n", f.requests, "Number of calls (default 200 without -duration)");
  c->add_option("--workers,-c", f.workers, "Concurrent workers (closed model) or initial workers (with -rate)");
  c->add_option("--max-workers", f.max_workers, "Maximum workers with -rate");
  c->add_option("--rate", f.rate, "Calls per time unit (open model), as attack's -rate; 0 = closed model");
  c->add_option("--duration,-z", f.duration, "Duration (0 = until -requests)");
  c->add_option("--timeout,-t", f.timeout, "Deadline of each call");
  c->add_option("--connections", f.connections, "Number of connections (channels)");
  c->add_option("--cpus", f.cpus, "Attacker threads");
  c->add_flag("--tls", f.tls, "Use TLS (system roots)");
  c->add_option("--cacert", f.cacert, "TLS roots (PEM); implies -tls");
  c->add_option("--cert", f.cert, "Client certificate (PEM)");
  c->add_option("--key", f.key, "Client key (PEM)");
  c->add_flag("--skip-verify", f.skip_verify, "TLS without verifying the server certificate");
  c->add_option("--authority", f.authority, ":authority and TLS server name override");
  c->add_option("--name", f.name, "Attack name");
  c->add_option("--output,-o", f.output, "Results file");
  c->add_option("--format", f.format, "stdout: summary (ghz) or results (binary); default: summary on a terminal");
  c->add_flag("--quiet", f.quiet, "No progress line");
  c->add_flag("--progress", f.progress, "Progress even when stderr is not a terminal");
  c->add_option("--monitor-pid", f.monitor_pids,
                "Sample this process's CPU, RSS, threads, files, network each second: PID or ROLE=PID (repeatable)")
      ->expected(1);
}

void ws_command(CLI::App& app, loadgate::cli::WsFlags& f) {
  auto* c = app.add_subcommand("ws", "Load a WebSocket server: connections on a ramp, paced messages, round trips");
  c->add_option("--addr", f.addr, "host:port, or a ws:// or wss:// URL");
  c->add_option("--path", f.path, "Path when -addr has none (default /echo)");
  c->add_option("--connections", f.connections, "Concurrent connections");
  c->add_option("--connect-rate", f.connect_rate, "Connections opened per second, or a schedule: 10..500@30s");
  c->add_option("--rate-per-conn", f.rate_per_conn,
                "Messages per second per connection (0 = idle), or a schedule: 10,50,100@20s");
  c->add_option("--message-size", f.message_size, "Bytes per message (at least 36)");
  c->add_option("--payload", f.payload, "Message template: @file");
  c->add_flag("--binary", f.binary, "Binary frames (default text)");
  c->add_flag("--push", f.push, "Count and time what the server pushes instead of matching echoes");
  c->add_option("--subprotocol", f.subprotocol, "Sec-WebSocket-Protocol");
  c->add_option("--header", f.headers, "Handshake header (repeatable)")->expected(1);
  c->add_option("--source", f.sources,
                "Local source address (repeatable; default: 127.0.0.x past 16,000 loopback connections)")
      ->expected(1);
  c->add_flag("--insecure", f.insecure, "wss: skip certificate verification");
  c->add_option("--duration", f.duration, "Duration, ramp included");
  c->add_option("--timeout", f.timeout, "How long to wait for missing echoes at the end");
  c->add_option("--cpus", f.cpus, "Client threads");
  c->add_option("--name", f.name, "Attack name");
  c->add_option("--output,-o", f.output, "Results file");
  c->add_option("--format", f.format, "stdout: summary or results; default: summary on a terminal");
  c->add_flag("--quiet", f.quiet, "No progress line");
  c->add_flag("--progress", f.progress, "Progress even when stderr is not a terminal");
  c->add_option("--monitor-pid", f.monitor_pids,
                "Sample this process's CPU, RSS, threads, files, network each second: PID or ROLE=PID (repeatable)")
      ->expected(1);
}

void serve_command(CLI::App& app, loadgate::cli::ServeFlags& f) {
  auto* c = app.add_subcommand("serve", "Run an embedded reference service until interrupted");
  c->add_option("service", f.service, "api, kernel, ai or ws")->required();
  c->add_option("--addr", f.addr, "Address to listen on (host:port; port 0 = any)");
  c->add_option("--threads", f.threads, "Server threads");
  c->add_option("--median", f.median, "ai: median latency of Generate (default 300ms)");
  c->add_option("--first-token", f.first_token, "ai: median delay before the first streamed token (default 150ms)");
  c->add_option("--sigma", f.sigma, "ai: log-normal shape of the latency (default 0.6)");
  c->add_option("--token-rate", f.token_rate, "ai: streamed tokens per second (default 50)");
  c->add_option("--seed", f.seed, "ai: seed of the latency distribution");
  c->add_option("--reset-every", f.reset_every, "ai: cancel every Nth stream halfway (fault injection)");
}

void check_command(CLI::App& app, loadgate::cli::CheckFlags& f) {
  auto* c = app.add_subcommand("check", "Gate results against a baseline scenario; exit 3 on a breach");
  c->add_option("--baselines", f.baselines, "Baseline file, e.g. baselines/api.json")->required();
  c->add_option("--scenario", f.scenario, "Scenario, e.g. api.heavy")->required();
  c->add_option("--history", f.history, "Append this run's figures and verdict to a JSON-lines file");
  c->add_option("inputs", f.inputs, "Results files (default stdin)");
}

void baseline_command(CLI::App& app, loadgate::cli::CheckFlags& f) {
  auto* c = app.add_subcommand("baseline", "Manage baseline files");
  auto* r = c->add_subcommand("record", "Record results as the scenario's reference (thresholds unchanged)");
  c->require_subcommand(1);
  r->add_option("--baselines", f.baselines, "Baseline file")->required();
  r->add_option("--scenario", f.scenario, "Scenario, e.g. api.heavy")->required();
  r->add_option("inputs", f.inputs, "Results files (default stdin)");
}

}  // namespace

int main(int argc, char** argv) {
  // Failed calls are results, not log lines: keep gRPC's own logging quiet unless asked for.
  setenv("GRPC_VERBOSITY", "NONE", 0);
  CLI::App app{"loadgate: load tests that gate CI (HTTP, gRPC, WebSocket)", "loadgate"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "loadgate 0.1.0");
  loadgate::cli::AttackFlags attack;
  loadgate::cli::ReportFlags report;
  loadgate::cli::EncodeFlags encode;
  loadgate::cli::PlotFlags plot;
  plot_command(app, plot);
  loadgate::cli::CompareFlags compare;
  compare_command(app, compare);
  loadgate::cli::ServeFlags serve;
  attack_command(app, attack);
  report_command(app, report);
  encode_command(app, encode);
  serve_command(app, serve);
  loadgate::cli::GrpcFlags grpc;
  grpc_command(app, grpc);
  loadgate::cli::WsFlags ws;
  ws_command(app, ws);
  loadgate::cli::BreakpointFlags bp;
  bp.http.timeout = "5s";  // a step must not wait 30 s for an overloaded service
  breakpoint_command(app, bp);
  loadgate::cli::CheckFlags check, record;
  check_command(app, check);
  baseline_command(app, record);
  try {
    app.parse(go_style(argc, argv));
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : Exit::kBadInput;
  }
  if (app.got_subcommand("attack")) return loadgate::cli::attack(attack);
  if (app.got_subcommand("report")) return loadgate::cli::report(report);
  if (app.got_subcommand("encode")) return loadgate::cli::encode(encode);
  if (app.got_subcommand("plot")) return loadgate::cli::plot(plot);
  if (app.got_subcommand("compare")) return loadgate::cli::compare(compare);
  if (app.got_subcommand("serve")) return loadgate::cli::serve(serve);
  if (app.got_subcommand("grpc")) return loadgate::cli::grpc(grpc);
  if (app.got_subcommand("ws")) return loadgate::cli::ws(ws);
  if (app.got_subcommand("breakpoint")) return loadgate::cli::breakpoint(bp);
  if (app.got_subcommand("check")) return loadgate::cli::check(check);
  if (app.got_subcommand("baseline")) return loadgate::cli::record(record);
  return Exit::kBadInput;
}
