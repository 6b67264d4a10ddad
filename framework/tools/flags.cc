// flags.cc: flag values and the shared flag groups.
#include "flags.h"

#include <unistd.h>

#include "loadgate/error.h"
#include "loadgate/environment.h"
#include "loadgate/file.h"
#include "loadgate/monitor.h"
#include "loadgate/size.h"

namespace loadgate::cli {

Nanos duration_flag(const std::string& name, const std::string& text) {
  auto d = parse_duration(text);
  if (!d || d->count() < 0)
    throw InputError("", 0, "-" + name, "\"" + text + "\" is not a duration (want e.g. 30s, 1m, 500ms)");
  return *d;
}

bool split_addr(const std::string& addr, std::string& host, int& port) {
  const auto colon = addr.rfind(':');
  if (colon == std::string::npos) return false;
  host = addr.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "127.0.0.1";
  try {
    size_t used = 0;
    port = std::stoi(addr.substr(colon + 1), &used);
    return used == addr.size() - colon - 1 && port >= 0 && port <= 65535;
  } catch (const std::exception&) {
    return false;
  }
}

void define_cpus(FlagSet& f, int* cpus) {
  f.integer("cpus", cpus, "Number of generator threads (default: one per CPU; at most 4 per CPU)");
}

void define_generator(FlagSet& f, LoadSpec& spec, const std::string& share) {
  define_cpus(f, &spec.cpus);
  f.string("precision", &spec.precision,
           "How late a hit may go out to share the generator's wake-up with others, 10us..10ms (0 = automatic); "
           "latency still counts from each hit's exact scheduled time");
  f.integer("trials", &spec.trials,
            "Run the attack this many times back to back, each a trial of its own in the results (compare and "
            "the gate test changes across trials)");
  define_shard(f, spec, share);
}

void define_shard(FlagSet& f, LoadSpec& spec, const std::string& share) {
  spec.shard = env(Env::kShard).value_or(spec.shard);
  const std::string shard_help = "This generator's share i/n of the attack: " + share + " ($LOADGATE_SHARD)";
  f.string("shard", &spec.shard, shard_help.c_str());  // CLI11 keeps a copy
  f.string("start-at", &spec.start_at, "Start the schedule at this RFC 3339 time or +DURATION (shards start together)");
  f.string("start-at-late", &spec.start_at_late,
           "ok: start even when -start-at is more than 1s past (what is due goes out at once, counted late)");
}

void LoadFlags::define(FlagSet& f, Style style) {
  const bool ghz = style == Style::kGhz;
  if (style != Style::kReplay) {
    f.string("rate", &spec.rate,
             ghz ? "Calls per time unit (open model), as attack's -rate; 0 = closed model (-workers back to back)"
                 : "Requests per time unit: 50/1s, 10..500@60s, 50,100@30s, sine:100:50:60s; 0 = as fast as "
                   "possible (closed model: -max-workers back to back)");
    f.string("step", &spec.step, "Step length for -rate=A,B,C");
  }
  f.string(ghz ? "duration,z" : "duration", &spec.duration,
           style == Style::kReplay ? "Stop after this long (0 = at the log's end)" : "Duration of the attack (0 = until -requests)");
  f.string(ghz ? "timeout,t" : "timeout", &spec.timeout, "Timeout of each request");
  f.optional_integer(ghz ? "workers,c" : "workers", &spec.workers,
                     ghz ? "Concurrent workers (closed model) or initial workers (with -rate)"
                         : "Initial number of workers (connections); concurrency with -rate=0");
  f.optional_integer("max-workers", &spec.max_workers, "Maximum number of workers (connections)");
  if (!ghz) f.optional_integer("connections", &spec.connections, "Maximum number of open connections");
  f.count(ghz ? "requests,n" : "requests", &spec.requests,
          ghz ? "Number of calls (default 200 without -duration)" : "Stop after this many requests (0 = no limit)");
  define_generator(f, spec, "hits k with k mod n == i");
}

void GrpcFlags::define(FlagSet& f) {
  f.string("addr", &g.addr, "Server address host:port");
  f.string("proto", &g.proto, "The .proto file (default: the server's reflection)");
  f.string("protoset", &g.protoset, "A FileDescriptorSet: protoc --descriptor_set_out=FILE --include_imports");
  f.strings("import-path", &g.import_paths, "Import path for the .proto (repeatable)");
  f.string("call", &g.call, "Method: package.Service/Method (default loadgate.kernel.Kernel/Execute)");
  f.string("data", &data,
           "Request as JSON, or @file with one request per line (cycled); client streams take a JSON array of messages; "
           "placeholders ({{seq}}, {{uuid}}, {{feed.col}}) filled per call");
  f.string("feeder", &feeder, "CSV or JSON-lines rows for {{feed.column}} placeholders in -data");
  f.string("feeder-mode", &feeder_mode, "Rows per call: circular, sequential (ends the attack) or random");
  f.strings("metadata", &metadata,
            "Metadata: {\"key\":\"value\"} or key:value (repeatable); values may hold placeholders ({{seq}}, {{uuid}}, {{feed.col}})");
  f.string("metadata-file,M", &metadata_file, "Metadata from a file holding one JSON object (placeholders allowed, as in -metadata)");
  f.strings("reflect-metadata", &reflect_metadata, "Metadata of the server reflection requests only (as -metadata)");
  f.flag("binary,b", &binary_stdin,
         "Requests come serialized on stdin: one message, or several each prefixed by its varint length (instead of -data)");
  f.string("binary-file,B", &binary_file, "Requests serialized in this file, as -binary reads them from stdin");
  f.integer("stream-call-count", &g.stream_call_count,
            "Messages per client stream, cycling through the -data array (default: the array's length)");
  f.string("stream-interval", &stream_interval, "Pause between the messages of a client stream");
  f.string("stream-call-duration", &stream_call_duration, "Close each client stream after this long");
  f.flag("stream-dynamic-messages", &g.stream_dynamic_messages,
         "Fill a client stream's -data placeholders again for every message (default: once per call)");
  f.string("compression", &g.compression, "Compress messages sent: gzip (default none)");
  f.flag("trace", &g.trace,
         "Send a W3C traceparent metadata entry with a fresh trace id on every call; reports list the slowest "
         "calls' ids");
  f.integer("connections", &g.connections, "Number of connections (channels), 1 to 1000");
  f.flag("tls", &g.tls, "Use TLS (system roots)");
  f.string("cacert", &g.cacert, "TLS roots (PEM); implies -tls");
  f.string("cert", &g.cert, "Client certificate (PEM)");
  f.string("key", &g.key, "Client key (PEM)");
  f.flag("skip-verify", &g.skip_verify, "TLS without verifying the server certificate");
  f.string("authority", &g.authority, ":authority and TLS server name override");
  f.string("connect-timeout", &connect_timeout, "How long the channels may take to connect before the clock starts");
  f.string("keepalive", &keepalive, "HTTP/2 keepalive pings this often on idle channels (0 = none)");
}

GrpcOptions GrpcFlags::parse() const {
  GrpcOptions out = g;
  out.data = load_grpc_data(data);
  if (!feeder.empty()) out.feeder = std::make_shared<Feeder>(load_feeder(feeder, parse_feed_mode(feeder_mode)));
  for (const std::string& m : metadata)
    for (auto& h : parse_grpc_metadata(m)) out.metadata.push_back(h);
  if (!metadata_file.empty())
    for (auto& h : load_grpc_metadata_file(metadata_file)) out.metadata.push_back(h);
  if (binary_stdin && !binary_file.empty()) throw InputError("", 0, "-binary", "-binary (stdin) and -binary-file are one or the other");
  if (!binary_file.empty()) out.binary = read_file_or_throw(binary_file, "-binary-file", "cannot read binary data file");
  if (binary_stdin) out.binary = read_file_or_throw("/dev/stdin", "-binary", "cannot read binary data from stdin");
  for (const std::string& m : reflect_metadata)
    for (auto& h : parse_grpc_metadata(m)) out.reflect_metadata.push_back(h);
  out.stream_interval = duration_flag("stream-interval", stream_interval);
  out.reflection_cache = new_grpc_reflection_cache();  // one run: its trials and steps ask once
  out.connect_timeout = duration_flag("connect-timeout", connect_timeout);
  out.keepalive = duration_flag("keepalive", keepalive);
  if (out.connect_timeout.count() <= 0) throw InputError("", 0, "-connect-timeout", "want a positive duration");
  out.stream_call_duration = duration_flag("stream-call-duration", stream_call_duration);
  if (out.stream_call_count < 0) throw InputError("", 0, "-stream-call-count", "want 0 or more messages");
  return out;
}

void WsFlags::define(FlagSet& f) {
  f.string("addr", &addr, "host:port, or a ws:// or wss:// URL");
  f.string("path", &path, "Path when -addr has none (default /echo)");
  f.integer("connections", &w.connections, "Concurrent connections");
  f.integer("message-size", &w.message_size, "Bytes per message (at least 36)");
  f.string("payload", &payload, "Message template: @file");
  f.flag("binary", &w.binary, "Binary frames (default text)");
  f.string("subprotocol", &w.subprotocol, "Sec-WebSocket-Protocol");
  f.strings("header", &headers, "Handshake header (repeatable)");
  f.strings("source", &w.sources, "Local source address (repeatable; default: 127.0.0.x past 16,000 loopback connections)");
  f.flag("insecure", &w.insecure, "wss: skip certificate verification");
  f.string("compression", &compression,
           "permessage-deflate: on (offer it; used when the server accepts) or off (refuse it)");
}

WsOptions WsFlags::parse() const {
  WsOptions out = w;
  out.url = addr.find("://") != std::string::npos ? addr : "ws://" + addr;
  if (out.url.find('/', out.url.find("://") + 3) == std::string::npos) out.url += path;
  if (!payload.empty())
    out.payload = read_file_or_throw(payload[0] == '@' ? payload.substr(1) : payload, "-payload", "cannot read payload file");
  for (const std::string& h : headers) out.headers.push_back(header_flag(h));
  if (compression != "on" && compression != "off")
    throw InputError("", 0, "-compression", "\"" + compression + "\": want on or off");
  out.compression = compression == "on";
  return out;
}

void HttpFlags::define(FlagSet& f) {
  f.string("targets", &targets, "Targets file (default stdin)");
  f.string("format", &format, "Targets format: http or json");
  f.flag("lazy", &lazy, "Read targets as a stream while attacking (the attack ends with the stream)");
  define_transport(f);
}

void HttpFlags::define_transport(FlagSet& f) {
  define_connection(f);
  f.string("feeder", &feeder, "CSV (header row) or JSON-lines file of rows for {{feed.column}} placeholders in targets");
  f.string("feeder-mode", &feeder_mode, "Rows per hit: circular, sequential (the attack ends with the rows) or random");
  f.string("body", &body, "Requests body file (at most 64 MB)");
}

void HttpFlags::define_connection(FlagSet& f) {
  f.flag("keepalive", &keepalive, "Use persistent connections", "no-keepalive");
  f.flag("http2", &http2, "Send HTTP/2 requests to https targets that offer h2 by ALPN (-http2=false: HTTP/1.1)");
  f.flag("h2c", &h2c, "Send HTTP/2 requests without TLS (prior knowledge) to http targets");
  f.flag("h2c-upgrade", &h2c_upgrade,
         "Send HTTP/2 requests without TLS to http targets after an HTTP/1.1 Upgrade: h2c on each connection "
         "(for servers that refuse prior knowledge; HTTP/1.1 if the server does not switch)");
  f.flag("chunked", &chunked, "Send HTTP/1.1 bodies with chunked transfer encoding");
  f.flag("trace", &trace,
         "Send a W3C traceparent header with a fresh trace id on every request; reports list the slowest "
         "requests' ids");
  f.string("unix-socket", &unix_socket, "Connect over this Unix socket (overrides the host of target URLs)");
  f.string("laddr", &laddr, "Local IP address to connect from (default any)");
  f.strings("resolvers", &resolvers, "DNS servers ip:port to resolve target hosts with, instead of the system's (comma separated)", ',');
  f.flag("insecure", &insecure, "Ignore invalid server TLS certificates");
  f.strings("root-certs", &root_certs, "TLS root certificate files (comma separated)", ',');
  f.string("cert", &cert, "TLS client PEM certificate file");
  f.string("key", &key, "TLS client PEM private key file");
  f.integer("redirects", &redirects, "Number of redirects to follow; -1 = do not follow");
  f.string("max-body", &max_body,
           "Bytes of each response body to capture: N > 0 keeps (and counts) the first N in the results; "
           "-1 (default) counts all and keeps none (Vegeta's default keeps every body)");
  f.string("keep-headers", &keep_headers,
           "Bytes of each response's header lines to keep in the results (Vegeta's headers field), e.g. 4KB; 0 (default) "
           "keeps none");
  f.strings("header", &headers, "Request header (repeatable)");
  f.strings("connect-to", &connect_to,
            "Dial another address for a target's host:port, e.g. api.example.com:443:127.0.0.1:8443 (repeatable)");
  f.string("dns-ttl", &dns_ttl, "Vegeta's DNS cache: loadgate resolves each origin once per attack (0 = forever only)");
  f.flag("session-tickets", &session_tickets, "Vegeta's TLS session resumption: not supported (false only)");
  f.optional_integer("max-connections", &max_connections,
                     "Vegeta's connections per host: the same as -connections here");
  f.strings("proxy-header", &proxy_headers,
            "Header of the CONNECT to the proxy ($HTTPS_PROXY) of https targets (repeatable)");
}

void HttpFlags::parse(HttpOptions& http, std::vector<Target>& out, const LoadSpec& load) const {
  parse_transport(http, load);
  const TargetsFormat fmt = parse_targets_format(format);
  if (!lazy) {
    out = load_targets(targets, fmt);
    return;
  }
  // -lazy: one target at a time from the stream, for as long as it lasts.
  const bool is_stdin = targets == "stdin" || targets == "-" || targets.empty();
  std::FILE* in = is_stdin ? stdin : std::fopen(targets.c_str(), "rb");
  if (!in) throw InputError(targets, 0, "-targets", "cannot open targets file");
  auto reader = std::make_shared<TargetReader>(in, is_stdin ? "stdin" : targets, fmt);
  std::shared_ptr<std::FILE> file(in, [is_stdin](std::FILE* f) {
    if (!is_stdin) std::fclose(f);
  });
  http.targeter = [reader, file](uint64_t, Target& t) { return reader->next(t); };
}

void HttpFlags::parse_transport(HttpOptions& http, const LoadSpec& load) const {
  parse_connection(http, load);
  if (!body.empty()) http.body = read_file_or_throw(body, "-body", "cannot read body file", kMaxBodyBytes);
  if (!feeder.empty()) http.feeder = std::make_shared<Feeder>(load_feeder(feeder, parse_feed_mode(feeder_mode)));
}

void HttpFlags::parse_connection(HttpOptions& http, const LoadSpec& load) const {
  http.keepalive = keepalive;
  http.http2 = http2;
  http.h2c = h2c;
  http.h2c_upgrade = h2c_upgrade;
  http.chunked = chunked;
  http.trace = trace;
  http.unix_socket = unix_socket;
  http.laddr = laddr;
  http.resolvers = resolvers;
  http.connections = load.connections.value_or(0);
  http.insecure = insecure;
  http.root_certs = root_certs;
  http.cert = cert;
  http.key = key;
  http.redirects = redirects;
  if (max_body == "-1") {
    http.max_body = -1;
  } else {
    auto size = parse_size(max_body);
    if (!size)
      throw InputError("", 0, "-max-body", "\"" + max_body + "\" is not a size (want e.g. 1024, 10KB, 1MB, -1)");
    http.max_body = static_cast<int64_t>(*size);
  }
  const auto kept = parse_size(keep_headers);
  if (!kept || *kept > (uint64_t{1} << 20))
    throw InputError("", 0, "-keep-headers", "\"" + keep_headers + "\" is not a size of at most 1MB (want e.g. 0, 4KB)");
  http.keep_headers = static_cast<size_t>(*kept);
  for (auto& h : headers) http.headers.push_back(header_flag(h));
  for (auto& h : proxy_headers) http.proxy_headers.push_back(header_flag(h, "-proxy-header"));
  for (const std::string& m : connect_to) {
    // src-host:src-port:dst-host:dst-port (IPv6 hosts in brackets).
    std::vector<std::string> parts;
    std::string cur;
    int depth = 0;
    for (char c : m) {
      if (c == '[') ++depth;
      if (c == ']') --depth;
      if (c == ':' && depth == 0) {
        parts.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    parts.push_back(cur);
    if (parts.size() != 4 || parts[0].empty() || parts[2].empty() || std::atoi(parts[1].c_str()) <= 0 ||
        std::atoi(parts[3].c_str()) <= 0)
      throw InputError("", 0, "-connect-to", "\"" + printable(m) + "\": want host:port:host:port");
    http.connect_to[parts[0] + ":" + parts[1]] = parts[2] + ":" + parts[3];
  }
  if (dns_ttl != "0" && dns_ttl != "0s")
    throw InputError("", 0, "-dns-ttl", "\"" + printable(dns_ttl) + "\": loadgate resolves each origin once per attack (-dns-ttl=0)");
  if (session_tickets)
    throw InputError("", 0, "-session-tickets", "not supported: every connection does a full TLS handshake");
  if (max_connections) {
    if (load.connections && *load.connections != *max_connections)
      throw InputError("", 0, "-max-connections", "give -connections or -max-connections, not both");
  }
}

void LogFlags::define(FlagSet& f, const char* format_flag) {
  f.string(format_flag, &format, "How the log is written: auto (default), nginx, apache, jsonl or har");
  f.string("nginx-format", &nginx_format,
           "nginx's log_format of the log (default: combined); $msec and $request_time give sub-second arrivals");
  f.strings("field", &fields,
            "JSON lines: where a field is, NAME=KEY or NAME=/json/pointer (time, method, url, path, host, scheme, request, "
            "request_time, status, body, headers; KEY - = not logged) (repeatable)");
}

void LogFlags::parse(LogOptions& o) const {
  o.format = parse_log_format(format);
  o.nginx_format = nginx_format;
  for (const std::string& kv : fields) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) throw InputError("", 0, "-field", "\"" + printable(kv) + "\": want NAME=KEY");
    o.fields[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
}

void OutputFlags::define(FlagSet& f, const char* help) {
  f.string("output,o", &output, help);
  f.flag("quiet", &quiet, "No progress line");
  f.flag("progress", &progress, "Print progress to stderr even when it is not a terminal");
}

void OutputFlags::define_format(FlagSet& f) {
  f.string("format", &format, "stdout: summary (as ghz, also when redirected) or results (binary, for loadgate report)");
}

bool OutputFlags::summary() const {
  if (format != "" && format != "summary" && format != "results")
    throw InputError("", 0, "-format", "\"" + format + "\": want summary or results");
  return format != "results";
}

void LiveFlags::define(FlagSet& f) {
  f.string("prometheus-addr", &addr,
           "Serve live figures for Prometheus at host:port/metrics while attacking (e.g. 127.0.0.1:9464)");
  f.string("prometheus-push", &push, "Push the figures to this Pushgateway at the end (e.g. http://127.0.0.1:9091)");
  f.string("prometheus-wait", &wait, "Keep serving /metrics this long after the attack, for a last scrape");
  f.string("dashboard", &dashboard,
           "Serve a live dashboard at host:port while attacking (e.g. 127.0.0.1:5665; default $LOADGATE_DASHBOARD)");
  f.string("dashboard-wait", &dashboard_wait, "Keep serving the dashboard (then the report) this long after the attack");
}

std::string LiveFlags::dashboard_addr() const {
  return dashboard.empty() ? env(Env::kDashboard).value_or("") : dashboard;
}

PrometheusOptions LiveFlags::options() const {
  PrometheusOptions o;
  o.listen = addr;
  if (o.listen.empty())
    o.listen = env(Env::kPrometheusAddr).value_or("");
  o.push = push;
  return o;
}

void MonitorFlags::define(FlagSet& f) {
  f.strings("monitor-pid", &pids,
            "Sample this process's CPU, RSS, threads, files, network each second: PID or ROLE=PID (repeatable)");
}

std::vector<MonitoredProcess> MonitorFlags::parse() const {
  std::vector<MonitoredProcess> out;
  for (const std::string& v : pids) {
    const auto eq = v.find('=');
    std::string role = eq == std::string::npos ? "" : v.substr(0, eq);
    const std::string pid_text = eq == std::string::npos ? v : v.substr(eq + 1);
    char* end = nullptr;
    const long pid = std::strtol(pid_text.c_str(), &end, 10);
    if (pid_text.empty() || *end != '\0' || pid <= 0 || pid > 1 << 22)
      throw InputError("", 0, "-monitor-pid", "\"" + v + "\": want PID or ROLE=PID");
    if (!read_process(static_cast<int>(pid))) throw InputError("", 0, "-monitor-pid", "no process " + pid_text);
    if (role.empty()) role = out.empty() ? "sut" : "sut" + std::to_string(out.size() + 1);
    out.push_back({static_cast<int>(pid), role});
  }
  return out;
}

Header header_flag(const std::string& text, const char* flag) {
  const auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0)
    throw InputError("", 0, flag, "bad header \"" + shown_header(text, "") + "\" (want Name: value)");
  std::string value = text.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(value.begin());
  Header h{text.substr(0, colon), value};
  if (const std::string why = header_problem(h); !why.empty()) throw InputError("", 0, flag, why);
  return h;
}

}  // namespace loadgate::cli
