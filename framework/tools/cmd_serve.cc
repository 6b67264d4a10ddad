// cmd_serve.cc: `loadgate serve <service>`: run an embedded reference service until SIGINT/SIGTERM.
// The first line on stdout names the address: "loadgate: <service> service listening on <url>".
#include <cstdio>
#include <stdexcept>

#include "command.h"
#include "flags.h"
#include "loadgate/error.h"
#include "loadgate/services/api_service.h"
#include "loadgate/services/grpc_services.h"
#include "loadgate/services/ws_service.h"
#include "loadgate/ws.h"
#include "signals.h"

namespace loadgate::cli {
namespace {

// Starts `svc`, prints "loadgate: <name> service listening on <url>" (the line embedded
// services are found by), serves until SIGINT or SIGTERM, then stops.
template <class Service, class Url>
int serve_until_stopped(Service& svc, const std::string& name, Url url) {
  try {
    svc.start();
  } catch (const std::exception& e) {
    return fail("serve", e.what(), kFailure);
  }
  std::printf("loadgate: %s service listening on %s\n", name.c_str(), url().c_str());
  std::fflush(stdout);
  wait_for_stop_signal();
  svc.stop();
  return kOk;
}

class Serve final : public Command {
 public:
  void define(FlagSet& f) override {
    f.required_positional("service", &service_, "api, kernel, ai or ws");
    f.string("addr", &addr_, "Address to listen on (host:port; port 0 = any)");
    f.integer("threads", &threads_, "Server threads (api: started ahead, 64 by default; one more for each connection that finds none idle, up to -max-threads)");
    f.integer("max-threads", &max_threads_,
              "api: connections served at once, a thread each (default 1024); one beyond them waits until another closes");
    f.string("median", &median_, "ai: median latency of Generate (default 300ms)");
    f.string("first-token", &first_token_, "ai: median delay before the first streamed token (default 150ms)");
    f.number("sigma", &sigma_, "ai: log-normal shape of the latency (default 0.6)");
    f.number("token-rate", &token_rate_, "ai: streamed tokens per second (default 50)");
    f.count("seed", &seed_, "ai: seed of the latency distribution");
    f.string("reflection", &reflection_, "kernel, ai: server reflection offered: both, v1, v1alpha or off");
    f.integer("reset-every", &reset_every_, "ai: cancel every Nth stream halfway (fault injection)");
    f.flag("deflate", &deflate_, "ws: accept permessage-deflate (compressed messages) when a client offers it");
  }

  int run() override {
    raise_fd_limit();  // thousands of connections
    reserve_fds(8192);  // and no table growth (a wait for an RCU grace period) while they come
    if (service_ == "ws" || service_ == "websocket") return serve_ws();
    if (service_ == "api") return serve_api();
    if (service_ == "kernel") return serve_grpc(services::GrpcService::Kind::kKernel);
    if (service_ == "ai") return serve_grpc(services::GrpcService::Kind::kAi);
    return fail("serve", "unknown service \"" + service_ + "\" (want api, kernel, ai or ws)", kBadInput);
  }

 private:
  // Applies -addr and -threads to a service's options. False on a bad -addr.
  template <class Options>
  bool listen_flags(Options& o) const {
    if (!addr_.empty() && !split_addr(addr_, o.host, o.port)) return false;
    if (threads_ > 0) o.threads = threads_;
    return true;
  }

  int bad_addr() const { return fail("serve", "-addr \"" + addr_ + "\": want host:port", kBadInput); }

  int serve_api() {
    services::ApiOptions o;
    if (!listen_flags(o)) return bad_addr();
    if (max_threads_ > 0) o.max_threads = max_threads_;
    services::ApiService api(o);
    return serve_until_stopped(api, "api", [&] { return api.url(); });
  }

  int serve_grpc(services::GrpcService::Kind kind) {
    services::GrpcServiceOptions o;
    o.port = kind == services::GrpcService::Kind::kKernel ? 50051 : 50052;
    if (!listen_flags(o)) return bad_addr();
    try {
      if (!median_.empty())
        o.median_latency = std::chrono::duration_cast<std::chrono::milliseconds>(duration_flag("median", median_));
      if (!first_token_.empty())
        o.first_token =
            std::chrono::duration_cast<std::chrono::milliseconds>(duration_flag("first-token", first_token_));
    } catch (const InputError& e) {
      return fail("serve", e.what(), kBadInput);
    }
    if (sigma_ >= 0) o.sigma = sigma_;
    if (token_rate_ > 0) o.token_rate = token_rate_;
    o.seed = seed_;
    o.reset_every = reset_every_;
    if (reflection_ != "both" && reflection_ != "v1" && reflection_ != "v1alpha" && reflection_ != "off")
      return fail("serve", "-reflection \"" + reflection_ + "\": want both, v1, v1alpha or off", kBadInput);
    o.reflection_v1 = reflection_ == "both" || reflection_ == "v1";
    o.reflection_v1alpha = reflection_ == "both" || reflection_ == "v1alpha";
    services::GrpcService svc(kind, o);
    return serve_until_stopped(svc, service_, [&] { return svc.addr(); });
  }

  int serve_ws() {
    services::WsServiceOptions o;
    if (!listen_flags(o)) return bad_addr();
    o.deflate = deflate_;
    services::WsService svc(o);
    return serve_until_stopped(svc, "ws", [&] { return svc.url(); });
  }

  std::string service_ = "api", addr_, median_, first_token_, reflection_ = "both";
  bool deflate_ = false;
  int threads_ = 0;
  int max_threads_ = 0;  // -max-threads (api)
  double sigma_ = -1, token_rate_ = 0;
  uint64_t seed_ = 42;
  int reset_every_ = 0;
};

}  // namespace

std::unique_ptr<Command> serve_command() { return std::make_unique<Serve>(); }

}  // namespace loadgate::cli
