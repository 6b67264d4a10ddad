// cmd_serve.cc: `loadgate serve <service>`: run an embedded reference service.
#include <cstdio>
#include <stdexcept>

#include "commands.h"
#include "loadgate/services/api_service.h"
#include "signals.h"

namespace loadgate::cli {
namespace {

// Splits "host:port" ("[::1]:80", ":8000" = 127.0.0.1). Returns false on a bad port.
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

}  // namespace

int serve(const ServeFlags& f) {
  if (f.service != "api") return fail("serve", "unknown service \"" + f.service + "\" (want api)", kBadInput);
  services::ApiOptions o;
  if (!f.addr.empty() && !split_addr(f.addr, o.host, o.port))
    return fail("serve", "-addr \"" + f.addr + "\": want host:port", kBadInput);
  if (f.threads > 0) o.threads = f.threads;
  services::ApiService api(o);
  try {
    api.start();
  } catch (const std::exception& e) {
    return fail("serve", e.what(), kFailure);
  }
  std::printf("loadgate: api service listening on %s\n", api.url().c_str());
  std::fflush(stdout);
  wait_for_stop_signal();
  api.stop();
  return kOk;
}

}  // namespace loadgate::cli
