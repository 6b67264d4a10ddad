// commands.h: the CLI's commands as plain functions over plain option structs.
// Only main.cc knows CLI11; each command lives in its own cmd_*.cc file.
#pragma once

#include <string>
#include <vector>

#include "loadgate/attack.h"
#include "loadgate/http.h"

namespace loadgate::cli {

/// Exit codes shared by every command.
enum Exit : int {
  kOk = 0,
  kFailure = 1,   ///< runtime failure (I/O, server could not start)
  kBadInput = 2,  ///< bad flags, targets, results or baseline files
  kBreach = 3,    ///< a gate found a threshold breached (check, compare)
};

/// Flags of `loadgate attack` (Vegeta's names).
struct AttackFlags {
  std::string name;
  std::string targets = "stdin";
  std::string format = "http";
  std::string rate = "50/1s";
  std::string duration = "0";
  std::string step = "0";
  std::string timeout = "30s";
  int workers = 10;
  int max_workers = 0;  // 0 = default cap
  int connections = 0;  // 0 = default cap
  uint64_t requests = 0;
  int cpus = 0;
  bool keepalive = true;
  bool http2 = false;
  bool insecure = false;
  std::vector<std::string> root_certs;
  std::string cert, key;
  int redirects = 10;
  std::string max_body = "-1";
  std::vector<std::string> headers;
  std::string body;  // file path (Vegeta's -body)
  std::string output = "stdout";
  bool progress = false;
  bool quiet = false;
  std::vector<std::string> monitor_pids;
};

/// Flags of `loadgate breakpoint`: the HTTP flags of attack, the search and the objective.
struct BreakpointFlags {
  AttackFlags http;
  double start = 50;
  double max_rate = 10000;
  double growth = 2;
  std::string step = "5s";
  std::string max_time = "5m";
  double precision = 0.05;
  std::string cooldown = "0";
  std::string p99 = "500ms";
  double success = 0.99;
  double rate_tolerance = 0.05;
  double min_capacity = 0;
  std::string output;
};

/// Flags of `loadgate report`.
struct ReportFlags {
  std::string type = "text";
  std::string every = "0";
  std::string output = "stdout";
  std::string by;  // "", "target"
  std::vector<std::string> inputs;
};

/// Flags of `loadgate plot`.
struct PlotFlags {
  std::string title = "loadgate plot";
  std::string output = "stdout";
  std::vector<std::string> inputs;
};

/// Flags of `loadgate encode`.
struct EncodeFlags {
  std::string to = "json";
  std::string output = "stdout";
  std::vector<std::string> inputs;
};

/// Flags of `loadgate serve`.
struct ServeFlags {
  std::string service = "api";
  std::string addr;  // default depends on the service
  int threads = 0;   // 0 = service default
  // AI service latency model.
  std::string median;       // median of Generate's latency ("300ms")
  std::string first_token;  // median delay before the first streamed token
  double sigma = -1;        // log-normal shape; < 0 = default
  double token_rate = 0;    // tokens per second; 0 = default
  uint64_t seed = 42;
  int reset_every = 0;  // cancel every Nth stream halfway
};

/// Flags of `loadgate grpc` (ghz's meaning, Vegeta's spelling).
struct GrpcFlags {
  std::string addr = "127.0.0.1:50051";
  std::string proto;
  std::vector<std::string> import_paths;
  std::string call;
  std::string data;  // JSON, or @file of JSON lines
  std::vector<std::string> metadata;
  uint64_t requests = 0;  // 0 with no -duration = 200 (ghz's default)
  int workers = 50;       // concurrency (closed model), initial workers (open model)
  int max_workers = 0;
  std::string rate = "0";  // 0 = closed model
  std::string duration = "0";
  std::string timeout = "20s";
  int connections = 1;
  int cpus = 0;
  bool tls = false;
  std::string cacert, cert, key, authority;
  bool skip_verify = false;
  std::string name;
  std::string output;  // results file; "" = stdout when it is not a terminal
  std::string format;  // "summary" or "results"; "" = summary on a terminal, else results
  bool quiet = false;
  bool progress = false;
  std::vector<std::string> monitor_pids;
};

/// Flags of `loadgate check` and `loadgate baseline record`.
struct CheckFlags {
  std::string baselines;  // baseline file
  std::string scenario;   // "heavy" or "api.heavy"
  std::string history;    // optional JSON-lines history file to append to
  std::vector<std::string> inputs;
};

/// Flags of `loadgate ws`.
struct WsFlags {
  std::string addr = "127.0.0.1:8000";  // host:port or a ws:// / wss:// URL
  std::string path = "/echo";           // when -addr has no path
  int connections = 100;
  std::string connect_rate = "1000";  // per second, or a schedule (10..500@30s)
  std::string rate_per_conn = "10";   // per second per connection, or a schedule
  int message_size = 64;
  std::string payload;  // @file
  bool binary = false;
  bool push = false;
  std::string subprotocol;
  std::vector<std::string> headers;
  std::vector<std::string> sources;
  bool insecure = false;
  std::string duration = "10s";
  std::string timeout = "5s";
  int cpus = 0;
  std::string name;
  std::string output;
  std::string format;  // summary | results
  bool quiet = false;
  bool progress = false;
  std::vector<std::string> monitor_pids;
};

/// Flags of `loadgate compare`.
struct CompareFlags {
  double tolerance = 0.1;  // relative change allowed before a figure regresses
  std::string history;     // compare the last two runs of a history file
  std::string scenario;    // ... of this scenario
  std::vector<std::string> inputs;
};

/// Reads attack's HTTP flags into the load, the driver's options and the targets. Throws InputError.
void http_setup(const AttackFlags& f, AttackOptions& load, HttpOptions& http, std::vector<Target>& targets);

int attack(const AttackFlags& f);
int breakpoint(const BreakpointFlags& f);
int compare(const CompareFlags& f);
int ws(const WsFlags& f);
int grpc(const GrpcFlags& f);
int check(const CheckFlags& f);
int record(const CheckFlags& f);
int report(const ReportFlags& f);
int plot(const PlotFlags& f);
int encode(const EncodeFlags& f);
int serve(const ServeFlags& f);

/// Prints "loadgate <command>: <message>" to stderr and returns `code`.
int fail(const std::string& command, const std::string& message, int code);

}  // namespace loadgate::cli
