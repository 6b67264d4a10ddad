// url.cc: a strict absolute-URL splitter (no user info, no fragments sent).
#include "loadgate/url.h"

#include <algorithm>
#include <cctype>

namespace loadgate {
namespace {

uint16_t default_port(const std::string& scheme) { return (scheme == "https" || scheme == "wss") ? 443 : 80; }

}  // namespace

std::string Url::authority() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return port == default_port(scheme) ? h : h + ":" + std::to_string(port);
}

std::string Url::origin() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return scheme + "://" + h + ":" + std::to_string(port);
}

std::optional<Url> parse_url(std::string_view text) {
  // No spaces or control bytes anywhere: they would end the request line or inject headers.
  if (std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; }))
    return std::nullopt;
  Url u;
  const auto sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) return std::nullopt;
  u.scheme = std::string(text.substr(0, sep));
  std::transform(u.scheme.begin(), u.scheme.end(), u.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (u.scheme != "http" && u.scheme != "https" && u.scheme != "ws" && u.scheme != "wss") return std::nullopt;
  std::string_view rest = text.substr(sep + 3);
  const auto slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (auto hash = path.find('#'); hash != std::string_view::npos) path = path.substr(0, hash);
  if (authority.find('@') != std::string_view::npos) return std::nullopt;
  std::string_view port_text;
  if (authority[0] == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    u.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return std::nullopt;
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (u.host.empty()) {
    if (authority.empty()) return std::nullopt;  // "http:///path": no authority at all
    u.host = "localhost";  // "http://:6060/": the local system, as Go dials ":6060"
  }
  u.port = default_port(u.scheme);
  if (!port_text.empty()) {
    unsigned long p = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9') return std::nullopt;
      p = p * 10 + static_cast<unsigned long>(c - '0');
      if (p > 65535) return std::nullopt;
    }
    if (p == 0) return std::nullopt;
    u.port = static_cast<uint16_t>(p);
  }
  u.target = path.empty() ? "/" : (path[0] == '?' ? "/" + std::string(path) : std::string(path));
  return u;
}

std::optional<Url> resolve_url(const Url& base, std::string_view location) {
  if (location.find("://") != std::string_view::npos) return parse_url(location);
  if (location.empty()) return std::nullopt;
  if (std::any_of(location.begin(), location.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; }))
    return std::nullopt;
  Url u = base;
  if (location.substr(0, 2) == "//") return parse_url(base.scheme + ":" + std::string(location));
  if (location[0] == '/') {
    u.target = std::string(location);
  } else {
    std::string dir = base.target.substr(0, base.target.find('?'));
    dir = dir.substr(0, dir.rfind('/') + 1);
    u.target = dir + std::string(location);
  }
  return u;
}

}  // namespace loadgate
