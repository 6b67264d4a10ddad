// commands.h: the CLI's commands as plain functions over plain option structs.
// Only main.cc knows CLI11; each command lives in its own cmd_*.cc file.
#pragma once

#include <string>
#include <vector>

namespace loadgate::cli {

/// Exit codes shared by every command.
enum Exit : int {
  kOk = 0,
  kFailure = 1,    ///< runtime failure (I/O, server could not start)
  kBadInput = 2,   ///< bad flags, targets, results or baseline files
  kBreach = 3,     ///< a gate found a threshold breached (check, compare)
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
  int max_workers = 0;       // 0 = default cap
  int connections = 0;       // 0 = default cap
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
  std::string body;          // file path (Vegeta's -body)
  std::string output = "stdout";
  bool progress = false;
  bool quiet = false;
};

/// Flags of `loadgate report`.
struct ReportFlags {
  std::string type = "text";
  std::string every = "0";
  std::string output = "stdout";
  std::string by;            // "", "target"
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
  std::string addr;          // default depends on the service
  int threads = 0;           // 0 = service default
};

/// Flags of `loadgate check` and `loadgate baseline record`.
struct CheckFlags {
  std::string baselines;     // baseline file
  std::string scenario;      // "heavy" or "api.heavy"
  std::string history;       // optional JSON-lines history file to append to
  std::vector<std::string> inputs;
};

int attack(const AttackFlags& f);
int check(const CheckFlags& f);
int record(const CheckFlags& f);
int report(const ReportFlags& f);
int encode(const EncodeFlags& f);
int serve(const ServeFlags& f);

/// Prints "loadgate <command>: <message>" to stderr and returns `code`.
int fail(const std::string& command, const std::string& message, int code);

}  // namespace loadgate::cli
