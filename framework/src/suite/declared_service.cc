// declared_service.cc: where a scenario's service comes from. A deployed one named in the
// environment, else a process declared for it (the scenario's, CMake's, the baseline file's), else
// the built-in declaration of an embedded service: `loadgate serve <name> -addr 127.0.0.1:{port}`.
#include <unistd.h>

#include <cstdlib>

#include "loadgate/scenario.h"
#include "loadgate/environment.h"

namespace loadgate {
namespace {

bool executable(const std::string& path) { return !path.empty() && access(path.c_str(), X_OK) == 0; }

// The loadgate binary that serves the embedded services.
std::string cli_path() {
  if (auto cli = env(Env::kCli)) return *cli;
#ifdef LOADGATE_CLI_BUILD
  if (executable(LOADGATE_CLI_BUILD)) return LOADGATE_CLI_BUILD;
#endif
#ifdef LOADGATE_CLI_INSTALL
  if (executable(LOADGATE_CLI_INSTALL)) return LOADGATE_CLI_INSTALL;
#endif
  return "loadgate";
}

// "shop-api" -> "LOADGATE_SHOP_API" + suffix.
std::string env_name(const std::string& service, const std::string& suffix) {
  std::string out = "LOADGATE_";
  for (char c : service)
    out += static_cast<char>(c == '-' || c == '.' ? '_' : std::toupper(static_cast<unsigned char>(c)));
  return out + suffix;
}

const char* env(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v && *v ? v : nullptr;
}

}  // namespace

std::optional<std::string> service_url_from_env(const std::string& service) {
  std::vector<std::string> names = {env_name(service, "_URL")};
  if (service == "kernel" || service == "ai") names.push_back("LOADGATE_GRPC_ADDR");
  if (service == "websocket") names.push_back("LOADGATE_WS_URL");
  for (const std::string& name : names)
    if (const char* v = env(name)) return std::string(v);
  return std::nullopt;
}

std::optional<ProcessSpec> builtin_process(const std::string& service) {
  ProcessSpec p;
  p.field = "built-in declaration of the embedded " + service + " service";
  std::string name = service;
  if (service == "api") {
    p.ready = ReadyProbe{ReadyProbe::Kind::kHttp, "/health"};
  } else if (service == "kernel" || service == "ai") {
    p.ready = ReadyProbe{ReadyProbe::Kind::kGrpc, ""};
  } else if (service == "websocket") {
    name = "ws";
    p.ready = ReadyProbe{ReadyProbe::Kind::kWs, "/echo"};
  } else {
    return std::nullopt;
  }
  p.command = {cli_path(), "serve", name, "-addr", "{addr}"};
  p.timeout = std::chrono::seconds(15);
  return p;
}

std::optional<ProcessSpec> declared_process(const Scenario& s) {
  if (s.process) return s.process;
  if (const char* file = env(env_name(s.service, "_PROCESS_FILE"))) return load_process_file(file);
  if (s.file_process) return s.file_process;
  return builtin_process(s.service);
}

}  // namespace loadgate
