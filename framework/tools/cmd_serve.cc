// cmd_serve.cc: `loadgate serve <service>`: run an embedded reference service until SIGINT/SIGTERM.
// The first line on stdout names the address: "loadgate: <service> service listening on <url>".
#include <cstdio>
#include <stdexcept>

#include "commands.h"
#include "flags.h"
#include "loadgate/error.h"
#include "loadgate/services/api_service.h"
#include "loadgate/services/grpc_services.h"
#include "loadgate/services/ws_service.h"
#include "loadgate/ws.h"
#include "signals.h"

namespace loadgate::cli {
namespace {

// Applies -addr and -threads to a service's options. False on a bad -addr.
template <class Options>
bool listen_flags(const ServeFlags& f, Options& o) {
  if (!f.addr.empty() && !split_addr(f.addr, o.host, o.port)) return false;
  if (f.threads > 0) o.threads = f.threads;
  return true;
}

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

int bad_addr(const ServeFlags& f) { return fail("serve", "-addr \"" + f.addr + "\": want host:port", kBadInput); }

int serve_api(const ServeFlags& f) {
  services::ApiOptions o;
  if (!listen_flags(f, o)) return bad_addr(f);
  services::ApiService api(o);
  return serve_until_stopped(api, "api", [&] { return api.url(); });
}

int serve_grpc(const ServeFlags& f, services::GrpcService::Kind kind) {
  services::GrpcServiceOptions o;
  o.port = kind == services::GrpcService::Kind::kKernel ? 50051 : 50052;
  if (!listen_flags(f, o)) return bad_addr(f);
  try {
    if (!f.median.empty())
      o.median_latency = std::chrono::duration_cast<std::chrono::milliseconds>(duration_flag("median", f.median));
    if (!f.first_token.empty())
      o.first_token =
          std::chrono::duration_cast<std::chrono::milliseconds>(duration_flag("first-token", f.first_token));
  } catch (const InputError& e) {
    return fail("serve", e.what(), kBadInput);
  }
  if (f.sigma >= 0) o.sigma = f.sigma;
  if (f.token_rate > 0) o.token_rate = f.token_rate;
  o.seed = f.seed;
  o.reset_every = f.reset_every;
  services::GrpcService svc(kind, o);
  return serve_until_stopped(svc, f.service, [&] { return svc.addr(); });
}

int serve_ws(const ServeFlags& f) {
  services::WsServiceOptions o;
  if (!listen_flags(f, o)) return bad_addr(f);
  services::WsService svc(o);
  return serve_until_stopped(svc, "ws", [&] { return svc.url(); });
}

}  // namespace

int serve(const ServeFlags& f) {
  raise_fd_limit();  // thousands of connections
  if (f.service == "ws" || f.service == "websocket") return serve_ws(f);
  if (f.service == "api") return serve_api(f);
  if (f.service == "kernel") return serve_grpc(f, services::GrpcService::Kind::kKernel);
  if (f.service == "ai") return serve_grpc(f, services::GrpcService::Kind::kAi);
  return fail("serve", "unknown service \"" + f.service + "\" (want api, kernel, ai or ws)", kBadInput);
}

}  // namespace loadgate::cli
