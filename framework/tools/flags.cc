// flags.cc: shared flag parsing.
#include "flags.h"

#include "loadgate/error.h"

namespace loadgate::cli {

Nanos duration_flag(const std::string& name, const std::string& text) {
  auto d = parse_duration(text);
  if (!d || d->count() < 0)
    throw InputError("", 0, "-" + name, "\"" + text + "\" is not a duration (want e.g. 30s, 1m, 500ms)");
  return *d;
}

RateSpec rate_flag(const std::string& text, Nanos duration, Nanos step) {
  auto rate = parse_rate(text, duration, step);
  if (auto* err = std::get_if<std::string>(&rate)) throw InputError("", 0, "", *err);
  return std::get<RateSpec>(rate);
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

}  // namespace loadgate::cli
