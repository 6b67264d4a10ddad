// process.cc: READY specs and the text of a process declaration.
#include "loadgate/process.h"

namespace loadgate {
namespace {

struct ProbeName {
  ReadyProbe::Kind kind;
  const char* name;
};
constexpr ProbeName kProbeNames[] = {{ReadyProbe::Kind::kTcp, "tcp"},
                                     {ReadyProbe::Kind::kHttp, "http"},
                                     {ReadyProbe::Kind::kGrpc, "grpc"},
                                     {ReadyProbe::Kind::kWs, "ws"},
                                     {ReadyProbe::Kind::kLog, "log"}};

// An argument as a shell would need it quoted (for messages only).
std::string quoted(const std::string& arg) {
  if (!arg.empty() && arg.find_first_of(" \t\n'\"\\$`*?;&|<>()") == std::string::npos) return arg;
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string ReadyProbe::spec() const {
  for (const ProbeName& p : kProbeNames)
    if (p.kind == kind) return arg.empty() ? p.name : std::string(p.name) + ":" + arg;
  return "tcp";
}

std::optional<ReadyProbe> parse_ready(const std::string& text) {
  const auto colon = text.find(':');
  const std::string name = text.substr(0, colon);
  const std::string arg = colon == std::string::npos ? "" : text.substr(colon + 1);
  for (const ProbeName& p : kProbeNames) {
    if (name != p.name) continue;
    ReadyProbe r{p.kind, arg};
    if (p.kind == ReadyProbe::Kind::kTcp && !arg.empty()) return std::nullopt;
    if ((p.kind == ReadyProbe::Kind::kHttp || p.kind == ReadyProbe::Kind::kWs) && (arg.empty() || arg[0] != '/')) return std::nullopt;
    if (p.kind == ReadyProbe::Kind::kLog && arg.empty()) return std::nullopt;
    return r;
  }
  return std::nullopt;
}

bool ProcessSpec::uses(const std::string& placeholder) const {
  for (const std::string& a : command)
    if (a.find(placeholder) != std::string::npos) return true;
  for (const auto& [k, v] : env)
    if (v.find(placeholder) != std::string::npos) return true;
  return false;
}

std::string ProcessSpec::command_line() const {
  std::string out;
  for (const std::string& a : command) out += (out.empty() ? "" : " ") + quoted(a);
  return out;
}

}  // namespace loadgate
