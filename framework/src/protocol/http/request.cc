// request.cc: HTTP/1.1 request bytes.
#include "protocol/http/request.h"

#include <algorithm>
#include <cstdio>

namespace loadgate::http {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::string build_request(const std::string& method, const Url& url, const std::vector<Header>& headers,
                          const std::string& body, bool keepalive, bool chunked, bool absolute) {
  std::string out = method + " " + (absolute ? url.origin() + url.target : url.target) + " HTTP/1.1\r\n";
  bool host = false, agent = false, length = false;
  for (auto& [k, v] : headers) {
    host |= iequals(k, "Host");
    agent |= iequals(k, "User-Agent");
    length |= iequals(k, "Content-Length");
  }
  if (!host) out += "Host: " + url.authority() + "\r\n";
  if (!agent) out += std::string("User-Agent: ") + kUserAgent + "\r\n";
  for (auto& [k, v] : headers) out += k + ": " + v + "\r\n";
  const bool wants_length = !body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
  if (chunked && wants_length && !length) {
    out += "Transfer-Encoding: chunked\r\n";
  } else if (wants_length && !length) {
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    chunked = false;
  } else {
    chunked = false;
  }
  if (!keepalive) out += "Connection: close\r\n";
  out += "\r\n";
  if (chunked) {
    if (!body.empty()) {
      char size[32];
      std::snprintf(size, sizeof size, "%zx\r\n", body.size());
      out += size + body + "\r\n";
    }
    out += "0\r\n\r\n";
  } else {
    out += body;
  }
  return out;
}

}  // namespace loadgate::http
