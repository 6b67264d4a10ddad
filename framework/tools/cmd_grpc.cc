// cmd_grpc.cc: `loadgate grpc`: the seed's `-addr localhost:50051 -requests 1000 -workers 10`,
// ghz's calls (from a .proto, a protoset or reflection), -list and -describe, results like
// `loadgate attack`'s, and a ghz-style summary.
#include <unistd.h>

#include <iostream>

#include "loadgate/error.h"
#include "loadgate/grpc.h"
#include "loadgate/report.h"
#include "attack_command.h"

namespace loadgate::cli {
namespace {

class Grpc final : public AttackCommand {
 public:
  Grpc() : AttackCommand("grpc", Output::kSummary) {}

  int run() override {
    if (list_ || !describe_.empty()) return inspect();
    return AttackCommand::run();
  }

 protected:
  void define_protocol(FlagSet& f) override {
    grpc_.define(f);
    f.flag("list", &list_, "List the server's services and methods (reflection, or the -proto/-protoset) and exit");
    f.string("describe", &describe_, "Describe a method (Service/Method) or service: kind and messages, and exit");
    load_.spec.rate = "0";  // ghz: the closed model, 50 workers, 200 calls
    load_.spec.workers = 50;
    load_.spec.timeout = "20s";
    load_.define(f, LoadFlags::Style::kGhz);
  }
  Load prepare() override {
    g_ = grpc_.parse();
    if (load_.spec.requests == 0 && parse_duration(load_.spec.duration).value_or(Nanos(1)).count() == 0)
      load_.spec.requests = 200;  // ghz's -n default
    const Load load = load_.parse();
    const GrpcCallInfo info = describe_grpc_call(g_);  // bad proto, method or data: exit 2 now
    if (isatty(STDERR_FILENO) && !out().quiet)
      std::fprintf(stderr, "loadgate grpc: %s %s (%s -> %s, from %s) at %s\n", info.method_kind().c_str(),
                   info.path.c_str(), info.input_type.c_str(), info.output_type.c_str(), info.source.c_str(),
                   g_.addr.c_str());
    return load;
  }
  AttackRun attack(const AttackOptions& o) override { return attack_grpc(g_, o); }
  void summary(const AttackRun& run) override {
    write_ghz_summary(std::cout, run.metrics);
    // Message payloads as the calls carried them, beside what TCP carried (after -compression).
    const Summary s = run.metrics.summarize();
    std::cout << "\nBytes:\n  Payload:\tsent " << s.bytes_out << ", received " << s.bytes_in
              << "\n  Wire:\tsent " << run.wire_bytes_out << ", received " << run.wire_bytes_in
              << " (TCP: HTTP/2 framing, headers" << (g_.compression.empty() ? "" : ", " + g_.compression)
              << " included)\n";
  }

 private:
  // -list and -describe: what the server (or the files) say, nothing sent to the methods.
  int inspect() {
    try {
      g_ = grpc_.parse();
      if (!describe_.empty()) {
        std::cout << describe_grpc_symbol(g_, describe_);
        return written("grpc", std::cout, kOk);
      }
      for (const GrpcServiceInfo& s : list_grpc_services(g_)) {
        std::cout << s.name << "\n";
        for (const GrpcCallInfo& m : s.methods) {
          const std::string name = m.path.substr(1);
          std::cout << "  " << name << (m.method_kind() == "unary" ? "" : "  (" + m.method_kind() + ")") << "\n";
        }
      }
    } catch (const InputError& e) {
      return fail("grpc", e.what(), kBadInput);
    }
    return written("grpc", std::cout, kOk);
  }

  GrpcFlags grpc_;
  GrpcOptions g_;
  bool list_ = false;
  std::string describe_;
  LoadFlags load_;
};

}  // namespace

std::unique_ptr<Command> grpc_command() { return std::make_unique<Grpc>(); }

}  // namespace loadgate::cli
