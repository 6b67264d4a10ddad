// request.cc: HTTP/1.1 request bytes.
#include "protocol/http/request.h"

#include <algorithm>
#include <cstdio>

#include "loadgate/error.h"
#include "loadgate/targets.h"

namespace loadgate::http {

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

RequestTemplate::RequestTemplate(const std::string& method, const std::string& url, const std::vector<Header>& headers,
                                 const std::string& body, bool keepalive, bool chunked, bool absolute,
                                 const TemplateNames& names, const std::string& where)
    : method_(method), chunked_(chunked), keepalive_(keepalive) {
  const auto shape = parse_url(Template::shape(url));
  const size_t scheme_end = url.find("://");
  const size_t path_at = scheme_end == std::string::npos ? std::string::npos : url.find('/', scheme_end + 3);
  const std::string origin = url.substr(0, path_at);
  if (!shape || Template::has_holes(origin))
    throw InputError("", 0, where, "placeholders go in the path, query, headers and body, not in the scheme, host or port");
  scheme_ = shape->scheme;
  authority_ = shape->authority();
  const std::string path = path_at == std::string::npos ? "/" : url.substr(path_at);
  bool host = false, agent = false;
  for (auto& [k, v] : headers) {
    host |= iequals(k, "Host");
    agent |= iequals(k, "User-Agent");
    if (iequals(k, "Content-Length") && Template::has_holes(body))
      throw InputError("", 0, where, "Content-Length beside a templated body: loadgate sets it for each request");
  }
  std::string head = method + " " + (absolute ? shape->origin() : "") + path + " HTTP/1.1\r\n";
  if (!host) head += "Host: " + authority_ + "\r\n";
  if (!agent) head += std::string("User-Agent: ") + kUserAgent + "\r\n";
  for (auto& [k, v] : headers)
    if (!iequals(k, "Content-Length")) head += k + ": " + v + "\r\n";
  if (!keepalive) head += "Connection: close\r\n";
  wants_length_ = !body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
  head_ = Template::compile(head, names, where + " (request line and headers)", "", Context::kRequestHead);
  body_ = Template::compile(body, names, where + " (body)");
  path_ = Template::compile(path, names, where + " (path)", "", Context::kUrl);
  for (auto& [k, v] : headers) {
    std::string lower = k;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower == "host" || lower == "connection" || lower == "keep-alive" || lower == "proxy-connection" ||
        lower == "transfer-encoding" || lower == "upgrade" || lower == "content-length")
      continue;
    h2_headers_.emplace_back(lower, Template::compile(v, names, where + " (header " + k + ")", "", Context::kHeader));
  }
  if (host)
    for (auto& [k, v] : headers)
      if (iequals(k, "Host")) authority_ = v;
  if (!agent) h2_headers_.emplace_back("user-agent", Template::compile(kUserAgent, names, where));
}

std::optional<size_t> RequestTemplate::fill_http1(const FillContext& ctx, std::string& out, std::string& body) const {
  body.clear();
  body_.fill(ctx, body);
  out.clear();
  if (!head_.fill(ctx, out)) return std::nullopt;
  char size[48];
  if (chunked_ && wants_length_) {
    out += "Transfer-Encoding: chunked\r\n\r\n";
    if (!body.empty()) {
      out.append(size, static_cast<size_t>(std::snprintf(size, sizeof size, "%zx\r\n", body.size())));
      out += body;
      out += "\r\n";
    }
    out += "0\r\n\r\n";
    return body.size();
  }
  if (wants_length_) out.append(size, static_cast<size_t>(std::snprintf(size, sizeof size, "Content-Length: %zu\r\n", body.size())));
  out += "\r\n";
  out += body;
  return body.size();
}

bool RequestTemplate::fill_http2(const FillContext& ctx, H2Request& req, std::string& body) const {
  bool ok = true;
  const size_t n = 4 + h2_headers_.size();
  if (req.headers.size() != n) req.headers.resize(n);
  auto set = [&](size_t i, const char* name, const std::string& value) {
    req.headers[i].first.assign(name);
    req.headers[i].second.assign(value);
  };
  set(0, ":method", method_);
  set(1, ":scheme", scheme_);
  set(2, ":authority", authority_);
  req.headers[3].first.assign(":path");
  req.headers[3].second.clear();
  ok = path_.fill(ctx, req.headers[3].second) && ok;
  for (size_t i = 0; i < h2_headers_.size(); ++i) {
    req.headers[4 + i].first.assign(h2_headers_[i].first);
    req.headers[4 + i].second.clear();
    ok = h2_headers_[i].second.fill(ctx, req.headers[4 + i].second) && ok;
  }
  body.clear();
  body_.fill(ctx, body);
  return ok;
}

std::string RequestTemplate::refusal(const FillContext& ctx) const {
  std::string why = head_.refusal(ctx);
  if (why.empty()) why = path_.refusal(ctx);
  for (auto& [k, t] : h2_headers_)
    if (why.empty()) why = t.refusal(ctx);
  return why;
}

std::vector<uint32_t> RequestTemplate::guarded_columns() const {
  std::vector<uint32_t> out = head_.guarded_columns();
  for (uint32_t c : path_.guarded_columns()) out.push_back(c);
  for (auto& [k, t] : h2_headers_)
    for (uint32_t c : t.guarded_columns()) out.push_back(c);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<uint32_t> RequestTemplate::uses() const {
  std::vector<uint32_t> out = head_.uses();
  for (uint32_t u : body_.uses()) out.push_back(u);
  for (auto& [k, t] : h2_headers_)
    for (uint32_t u : t.uses()) out.push_back(u);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace loadgate::http
