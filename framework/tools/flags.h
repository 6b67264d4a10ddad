// flags.h: flag values and the flag groups several commands share, each declared once:
// the load (-rate -duration ...), HTTP (-targets -header ...), output (-output -quiet
// -progress) and monitoring (-monitor-pid). Errors are InputError naming the flag.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "flagset.h"
#include "loadgate/attack.h"
#include "loadgate/grpc.h"
#include "loadgate/access_log.h"
#include "loadgate/http.h"
#include "loadgate/prometheus.h"
#include "loadgate/ws.h"

namespace loadgate::cli {

/// A Go duration flag ("30s"); negative or malformed values are errors.
Nanos duration_flag(const std::string& name, const std::string& text);
/// "host:port" ("[::1]:80"; ":8000" means 127.0.0.1). False on a bad port.
bool split_addr(const std::string& addr, std::string& host, int& port);

/// LoadFlags: -rate -duration -step -timeout -workers -max-workers -connections -requests -cpus.
/// Declares -cpus into `cpus` (generator threads).
void define_cpus(FlagSet& f, int* cpus);
/// Declares what every attacking command has for its generator into `spec`: -cpus, -precision,
/// -trials, -shard (default $LOADGATE_SHARD; `share` says what a shard takes, "hits k with k mod
/// n == i") and -start-at.
void define_generator(FlagSet& f, LoadSpec& spec, const std::string& share);
/// Declares -shard (default $LOADGATE_SHARD), -start-at and -start-at-late into `spec`.
void define_shard(FlagSet& f, LoadSpec& spec, const std::string& share);

struct LoadFlags {
  /// Which tool's spelling: Vegeta's (attack), or ghz's (grpc: -n -c -z -t aliases, the closed
  /// model by default, and no -connections, which there means channels), or a replay's (no
  /// -rate nor -step: the log is the schedule).
  enum class Style { kVegeta, kGhz, kReplay };
  LoadSpec spec;  ///< the defaults are the command's
  /// Declares the flags.
  void define(FlagSet& f, Style style = Style::kVegeta);
  /// The parsed, validated load.
  Load parse() const { return parse_load(spec, LoadSource::flags()); }
};

/// HttpFlags: what to request and how (Vegeta's attack flags besides the load).
struct HttpFlags {
  std::string targets = "stdin";
  std::string format = "http";
  bool keepalive = true;
  bool http2 = true;
  bool h2c = false;
  bool h2c_upgrade = false;
  bool chunked = false;
  bool trace = false;
  bool lazy = false;
  std::string feeder, feeder_mode = "circular";
  std::string unix_socket, laddr;
  std::vector<std::string> resolvers;
  bool insecure = false;
  std::vector<std::string> root_certs;
  std::string cert, key;
  int redirects = 10;
  std::string max_body = "-1";
  std::string keep_headers = "0";
  std::vector<std::string> headers;
  std::vector<std::string> proxy_headers;
  std::vector<std::string> connect_to;
  std::string dns_ttl = "0";
  bool session_tickets = false;
  std::optional<int> max_connections;
  std::string body;  ///< file path (Vegeta's -body)
  /// Declares the flags: where the targets come from (-targets -format -lazy), then the rest.
  void define(FlagSet& f);
  /// Declares how requests go (every flag but -targets, -format and -lazy): what a command
  /// whose requests come from elsewhere (replay) shares with attack.
  void define_transport(FlagSet& f);
  /// Vegeta's -max-connections is -connections here.
  void adjust(LoadSpec& load) const {
    if (max_connections && !load.connections) load.connections = max_connections;
  }
  /// The driver's options and the targets; `load` gives -connections (HTTP/2 connections).
  /// Throws InputError.
  void parse(HttpOptions& http, std::vector<Target>& targets, const LoadSpec& load) const;
  /// The driver's options alone (define_transport()'s flags). Throws InputError.
  void parse_transport(HttpOptions& http, const LoadSpec& load) const;
  /// Declares how requests go, except what a journey file says itself (-body, -feeder,
  /// -feeder-mode): connections, protocol, TLS, headers, redirects, what results keep.
  void define_connection(FlagSet& f);
  /// The driver's options of define_connection()'s flags. Throws InputError.
  void parse_connection(HttpOptions& http, const LoadSpec& load) const;
};

/// GrpcFlags: what to call and how (ghz's flags besides the load), for `grpc` and
/// `breakpoint grpc`.
struct GrpcFlags {
  GrpcOptions g;
  std::string data, feeder, feeder_mode = "circular";
  std::vector<std::string> metadata, reflect_metadata;
  std::string metadata_file, binary_file;
  std::string connect_timeout = "2s", keepalive = "0s";
  bool binary_stdin = false;
  std::string stream_interval = "0s", stream_call_duration = "0s";
  /// Declares the flags.
  void define(FlagSet& f);
  /// The options, data and metadata read. Throws InputError.
  GrpcOptions parse() const;
};

/// WsFlags: where and what to send over WebSocket (besides the schedules), for `ws` and
/// `breakpoint ws`.
struct WsFlags {
  WsOptions w;
  std::string addr = "127.0.0.1:8000", path = "/echo", payload, compression = "on";
  std::vector<std::string> headers;
  /// Declares the flags.
  void define(FlagSet& f);
  /// The options (URL, payload, headers). Throws InputError.
  WsOptions parse() const;
};

/// LogFlags: how to read a recorded log (replay, convert): its format, nginx's log_format and
/// where JSON lines keep each field.
struct LogFlags {
  std::string format = "auto";
  std::string nginx_format;
  std::vector<std::string> fields;
  /// Declares the flags, the format as `format_flag` ("log-format"; convert's "from").
  void define(FlagSet& f, const char* format_flag);
  /// Into `o`. Throws InputError.
  void parse(LogOptions& o) const;
};

/// OutputFlags: where results go and what is said on stderr.
struct OutputFlags {
  std::string output;  ///< results file; "" = the command's default
  bool quiet = false;
  bool progress = false;
  std::string format;  ///< grpc, ws: "summary", "results" or "" (a summary, as ghz prints)
  /// Declares -output (with `help`), -quiet and -progress.
  void define(FlagSet& f, const char* help);
  /// Declares -format (grpc, ws: a summary, as ghz prints, even to a file or a pipe; results
  /// only when asked, or with -output).
  void define_format(FlagSet& f);
  /// Whether stdout gets a summary rather than results. Throws InputError for a bad -format.
  bool summary() const;
  /// Where results go: -output, else stdout unless it gets the summary ("" = nowhere).
  std::string results_path() const { return !output.empty() ? output : summary() ? "" : "stdout"; }
};

/// LiveFlags: -prometheus-addr, -prometheus-push, -prometheus-wait, -dashboard,
/// -dashboard-wait (live figures).
struct LiveFlags {
  std::string addr, push;
  std::string wait = "0s";
  std::string dashboard;
  std::string dashboard_wait = "0s";
  /// Declares the flags.
  void define(FlagSet& f);
  /// The exporter's options (addr from $LOADGATE_PROMETHEUS_ADDR when the flag is unset).
  PrometheusOptions options() const;
  /// The dashboard's address (from $LOADGATE_DASHBOARD when the flag is unset; "" for none).
  std::string dashboard_addr() const;
  /// How long to keep serving after the attack (the longer of the two waits). Throws InputError.
  Nanos linger() const {
    return std::max(duration_flag("prometheus-wait", wait), duration_flag("dashboard-wait", dashboard_wait));
  }
};

/// MonitorFlags: -monitor-pid PID or ROLE=PID, repeatable.
struct MonitorFlags {
  std::vector<std::string> pids;
  /// Declares the flag.
  void define(FlagSet& f);
  /// The processes to sample. Throws InputError for a malformed value or a missing process.
  std::vector<MonitoredProcess> parse() const;
};

/// One header flag "Name: value". Throws InputError naming `flag`.
Header header_flag(const std::string& text, const char* flag = "-header");

}  // namespace loadgate::cli
