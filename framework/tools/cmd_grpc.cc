// cmd_grpc.cc: `loadgate grpc`: the seed's `-addr localhost:50051 -requests 1000 -workers 10`,
// ghz's calls from a .proto, results like `loadgate attack`'s, and a ghz-style summary.
#include <unistd.h>

#include <iostream>

#include "command.h"
#include "flags.h"
#include "loadgate/error.h"
#include "loadgate/grpc.h"
#include "loadgate/report.h"
#include "run_attack.h"

namespace loadgate::cli {
namespace {

class Grpc final : public Command {
 public:
  void define(FlagSet& f) override {
    f.string("addr", &g_.addr, "Server address host:port");
    f.string("proto", &g_.proto, "The .proto file (default: the embedded services' protos)");
    f.strings("import-path", &g_.import_paths, "Import path for the .proto (repeatable)");
    f.string("call", &g_.call, "Method: package.Service/Method (default loadgate.kernel.Kernel/Execute)");
    f.string("data", &data_, "Request as JSON, or @file with one JSON request per line (cycled); placeholders allowed");
    f.string("feeder", &feeder_, "CSV or JSON-lines rows for {{feed.column}} placeholders in -data");
    f.string("feeder-mode", &feeder_mode_, "Rows per call: circular, sequential (ends the attack) or random");
    f.strings("metadata", &metadata_, "Metadata: {\"key\":\"value\"} or key:value (repeatable)");
    f.integer("connections", &g_.connections, "Number of connections (channels), 1 to 1000");
    f.flag("tls", &g_.tls, "Use TLS (system roots)");
    f.string("cacert", &g_.cacert, "TLS roots (PEM); implies -tls");
    f.string("cert", &g_.cert, "Client certificate (PEM)");
    f.string("key", &g_.key, "Client key (PEM)");
    f.flag("skip-verify", &g_.skip_verify, "TLS without verifying the server certificate");
    f.string("authority", &g_.authority, ":authority and TLS server name override");
    f.string("name", &name_, "Attack name");
    load_.spec.rate = "0";  // ghz: the closed model, 50 workers, 200 calls
    load_.spec.workers = 50;
    load_.spec.timeout = "20s";
    load_.define(f, LoadFlags::Style::kGhz);
    out_.define(f, "Results file");
    out_.define_format(f);
    monitor_.define(f);
    prom_.define(f);
  }

  int run() override {
    AttackOptions load;
    try {
      g_.data = load_grpc_data(data_);
      if (!feeder_.empty()) g_.feeder = std::make_shared<Feeder>(load_feeder(feeder_, parse_feed_mode(feeder_mode_)));
      for (const std::string& m : metadata_)
        for (auto& h : parse_grpc_metadata(m)) g_.metadata.push_back(h);
      if (load_.spec.requests == 0 && parse_duration(load_.spec.duration).value_or(Nanos(1)).count() == 0)
        load_.spec.requests = 200;  // ghz's -n default
      static_cast<Load&>(load) = load_.parse();
      load.name = name_;
      load.monitor = monitor_.parse();
      out_.summary();  // a bad -format is an error now
      const GrpcCallInfo info = describe_grpc_call(g_);  // bad proto, method or data: exit 2 now
      if (isatty(STDERR_FILENO) && !out_.quiet)
        std::fprintf(stderr, "loadgate grpc: %s %s (%s -> %s) at %s\n", info.server_streaming ? "streaming" : "unary",
                     info.path.c_str(), info.input_type.c_str(), info.output_type.c_str(), g_.addr.c_str());
    } catch (const InputError& e) {
      return fail("grpc", e.what(), kBadInput);
    }
    // Summary on a terminal (ghz), results when piped (Vegeta) or to -output.
    AttackRun run;
    const int code = run_attack(
        "grpc", out_.results_path(), out_, load, [&](const AttackOptions& o) { return attack_grpc(g_, o); }, run, &prom_);
    if (code == kOk && out_.summary()) write_ghz_summary(std::cout, run.metrics);
    return written("grpc", std::cout, code);
  }

 private:
  GrpcOptions g_;
  std::string data_, name_;
  std::vector<std::string> metadata_;
  LoadFlags load_;
  OutputFlags out_;
  MonitorFlags monitor_;
  std::string feeder_, feeder_mode_ = "circular";
  PrometheusFlags prom_;
};

}  // namespace

std::unique_ptr<Command> grpc_command() { return std::make_unique<Grpc>(); }

}  // namespace loadgate::cli
