// targets.cc: Vegeta's http and json targets formats.
#include "loadgate/targets.h"

#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "loadgate/error.h"
#include "loadgate/file.h"
#include "loadgate/template.h"
#include "loadgate/url.h"

namespace loadgate {
namespace {

// Why a placeholder of `t` (URL, header values, body) cannot be compiled whatever the feeder, or "".
std::string template_problem(const Target& t) {
  if (std::string why = Template::syntax_problem(t.url); !why.empty()) return why;
  for (const Header& h : t.headers)
    if (std::string why = Template::syntax_problem(h.second); !why.empty()) return "header " + h.first + ": " + why;
  return Template::syntax_problem(t.body);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool is_method(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < 'A' || c > 'Z') return false;
  return true;
}

// A line that starts a new target: "METHOD<space>...".
bool is_request_line(std::string_view line) {
  const auto sp = line.find_first_of(" \t");
  return sp != std::string_view::npos && sp > 0 && is_method(line.substr(0, sp));
}

std::string dir_of(std::string_view file) {
  const auto slash = file.rfind('/');
  return slash == std::string_view::npos ? "" : std::string(file.substr(0, slash + 1));
}

// Whether `c` may appear in an RFC 9110 token (a header name, a method).
bool token_char(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

class HttpParser {
 public:
  HttpParser(std::string_view text, std::string_view file) : text_(text), file_(file) {}

  std::vector<Target> parse() {
    std::vector<Target> out;
    std::string_view line;
    while (next(line)) {
      line = trim(line);
      if (line.empty() || line[0] == '#') continue;
      out.push_back(target(line));
    }
    if (out.empty()) fail(0, "", "no targets to attack");
    return out;
  }

 private:
  bool next(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    const auto nl = text_.find('\n', pos_);
    const size_t end = nl == std::string_view::npos ? text_.size() : nl;
    line = text_.substr(pos_, end - pos_);
    pos_ = end + 1;
    ++line_no_;
    return true;
  }
  std::string_view peek() const {
    if (pos_ >= text_.size()) return {};
    const auto nl = text_.find('\n', pos_);
    return trim(text_.substr(pos_, (nl == std::string_view::npos ? text_.size() : nl) - pos_));
  }
  [[noreturn]] void fail(int line, std::string field, std::string message) const {
    throw InputError(std::string(file_), line, std::move(field), std::move(message));
  }

  Target target(std::string_view line) {
    Target t;
    const int start = line_no_;
    const auto sp = line.find_first_of(" \t");
    if (sp == std::string_view::npos)
      fail(line_no_, "target", "bad target \"" + printable(line) + "\" (want METHOD URL)");
    t.method = std::string(line.substr(0, sp));
    t.url = std::string(trim(line.substr(sp + 1)));
    if (!is_method(t.method))
      fail(line_no_, "method", "bad method \"" + printable(t.method) + "\" (want upper-case, e.g. GET)");
    if (!parse_url(Template::shape(t.url)))
      fail(line_no_, "url",
           "bad URL \"" + printable(t.url) + "\" (want an absolute http:// or https:// URL, no spaces or control "
                                           "bytes)");
    while (true) {
      std::string_view nextl = peek();
      if (pos_ >= text_.size() || nextl.empty() || is_request_line(nextl)) break;
      std::string_view l;
      next(l);
      l = trim(l);
      if (l[0] == '#') continue;
      if (l[0] == '@') {
        body(t, l.substr(1));
        break;
      }
      const auto colon = l.find(':');
      const std::string_view name = colon == std::string_view::npos ? l : trim(l.substr(0, colon));
      const std::string_view value = colon == std::string_view::npos ? std::string_view{} : trim(l.substr(colon + 1));
      if (colon == std::string_view::npos || name.empty() || value.empty())
        fail(line_no_, "header", "bad header \"" + shown_header(l, "") + "\" (want Name: value)");
      Header h{std::string(name), std::string(value)};
      if (const std::string why = header_problem(h); !why.empty()) fail(line_no_, "header", why);
      t.headers.push_back(std::move(h));
    }
    if (const std::string why = framing_problem(t.headers, t.body); !why.empty()) fail(start, "header", why);
    if (const std::string why = template_problem(t); !why.empty()) fail(start, "template", why);
    return t;
  }

  // "@path": beside the targets file first, then in the working directory (as Vegeta).
  void body(Target& t, std::string_view path_text) {
    const std::string path(trim(path_text));
    if (path.empty()) fail(line_no_, "body", "empty body file name after '@'");
    const std::string beside = path[0] == '/' ? path : dir_of(file_) + path;
    try {
      t.body = read_file_or_throw(access(beside.c_str(), F_OK) == 0 ? beside : path, "", "", kMaxBodyBytes);
    } catch (const InputError& e) {
      fail(line_no_, "body", "cannot read body file \"" + printable(path) + "\"" + e.message());
    }
  }

  std::string_view text_;
  std::string_view file_;
  size_t pos_ = 0;
  int line_no_ = 0;
};

std::vector<Target> parse_json(std::string_view text, std::string_view file) {
  std::vector<Target> out;
  int line_no = 0;
  size_t pos = 0;
  const std::string f(file);
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string_view line = trim(text.substr(pos, nl - pos));
    pos = nl + 1;
    ++line_no;
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      throw InputError(f, line_no, "target", "not a JSON object: \"" + printable(line, 60) + "\"");
    Target t;
    for (auto& [key, value] : j.items()) {
      if (key == "method" && value.is_string()) {
        t.method = value.get<std::string>();
      } else if (key == "url" && value.is_string()) {
        t.url = value.get<std::string>();
      } else if (key == "body" && value.is_string()) {
        if (!base64_decode(value.get<std::string>(), t.body)) throw InputError(f, line_no, "body", "not valid base64");
      } else if (key == "header" && value.is_object()) {
        for (auto& [name, values] : value.items()) {
          if (!values.is_array()) throw InputError(f, line_no, "header." + name, "want an array of strings");
          for (auto& v : values) {
            if (!v.is_string())
              throw InputError(f, line_no, "header." + printable(name, 60), "want an array of strings");
            Header h{name, v.get<std::string>()};
            if (const std::string why = header_problem(h); !why.empty())
              throw InputError(f, line_no, "header." + printable(name, 60), why);
            t.headers.push_back(std::move(h));
          }
        }
      } else if (key == "method" || key == "url" || key == "body" || key == "header") {
        throw InputError(f, line_no, key, "wrong type");
      } else {
        throw InputError(f, line_no, printable(key, 60), "unknown key (want method, url, header, body)");
      }
    }
    if (t.method.empty()) throw InputError(f, line_no, "method", "required method is missing");
    if (t.url.empty()) throw InputError(f, line_no, "url", "required url is missing");
    if (!is_method(t.method)) throw InputError(f, line_no, "method", "bad method \"" + printable(t.method) + "\"");
    if (!parse_url(Template::shape(t.url)))
      throw InputError(f, line_no, "url",
                       "bad URL \"" + printable(t.url) + "\" (want an absolute http:// or https:// URL, no spaces or "
                                                        "control bytes)");
    if (const std::string why = framing_problem(t.headers, t.body); !why.empty())
      throw InputError(f, line_no, "header", why);
    if (const std::string why = template_problem(t); !why.empty()) throw InputError(f, line_no, "template", why);
    out.push_back(std::move(t));
  }
  if (out.empty()) throw InputError(f, 0, "", "no targets to attack");
  return out;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::vector<std::pair<std::string, std::string>> header_pairs(std::string_view lines) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!lines.empty()) {
    const size_t end = lines.find("\r\n");
    const std::string_view line = lines.substr(0, end);
    lines.remove_prefix(end == std::string_view::npos ? lines.size() : end + 2);
    const size_t colon = line.find(':');
    if (line.empty() || colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    out.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return out;
}

std::string header_problem(const Header& h) {
  if (h.first.empty()) return "empty header name";
  for (char c : h.first)
    if (!token_char(static_cast<unsigned char>(c)))
      return "header name \"" + printable(h.first, 60) + "\" holds a character a header name cannot (RFC 9110)";
  for (char c : h.second) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && u != '\t') || u == 0x7f)
      return "value of header " + h.first + " holds a control byte (CR, LF, NUL...): \"" +
             printable(secret_header(h.first) ? "<redacted>" : h.second, 60) + "\"";
  }
  return "";
}

std::string framing_problem(const std::vector<Header>& headers, std::string_view body) {
  for (const auto& [name, value] : headers) {
    if (iequals(name, "Transfer-Encoding"))
      return "Transfer-Encoding: loadgate frames request bodies itself (a user's chunked header beside a plain body "
             "desyncs the connection)";
    if (iequals(name, "Content-Length") && value != std::to_string(body.size()))
      return "Content-Length: " + printable(value, 20) + " disagrees with the body's " + std::to_string(body.size()) +
             " bytes";
  }
  return "";
}

bool secret_header(std::string_view name) {
  return iequals(name, "Authorization") || iequals(name, "Proxy-Authorization") || iequals(name, "Cookie");
}

std::string shown_header(std::string_view name, std::string_view value) {
  // A line without a colon may still start with a secret's name ("Authorization Bearer x").
  const auto end = name.find_first_of(" \t:");
  if (secret_header(name.substr(0, end))) return printable(name.substr(0, end), 60) + ": <redacted>";
  return printable(name, 60) + (value.empty() ? "" : ": " + printable(value, 60));
}

std::vector<Target> parse_targets(std::string_view text, std::string_view file, TargetsFormat format) {
  if (format == TargetsFormat::kJson) return parse_json(text, file);
  return HttpParser(text, file).parse();
}

std::vector<Target> load_targets(const std::string& path, TargetsFormat format) {
  if (path == "-" || path == "stdin" || path.empty()) {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    return parse_targets(ss.str(), "stdin", format);
  }
  return parse_targets(read_file_or_throw(path, "", "cannot read targets file"), path, format);
}

TargetReader::TargetReader(std::FILE* in, std::string name, TargetsFormat format)
    : in_(in), name_(std::move(name)), format_(format) {}

// One line without its newline; false at the end. A line longer than a body is an error.
bool TargetReader::line(std::string& out) {
  out.clear();
  char chunk[4096];
  bool any = false;
  while (std::fgets(chunk, sizeof chunk, in_)) {
    any = true;
    out += chunk;
    if (out.back() == '\n') {
      out.pop_back();
      break;
    }
    if (out.size() > kMaxBodyBytes) throw InputError(name_, line_no_ + 1, "target", "a line longer than 64 MB");
  }
  if (any) ++line_no_;
  return any;
}

bool TargetReader::next(Target& t) {
  std::string l;
  // Parses `block` (lines from `first`) as targets, with errors naming the stream's lines.
  auto parse = [&](const std::string& block, int first) {
    try {
      std::vector<Target> one = parse_targets(block, name_, format_);
      t = std::move(one.front());
    } catch (const InputError& e) {
      throw InputError(name_, e.line() > 0 ? e.line() + first - 1 : first, e.field(), e.message());
    }
  };
  if (format_ == TargetsFormat::kJson) {
    while (line(l)) {
      if (trim(l).empty()) continue;
      parse(l, line_no_);
      return true;
    }
    return false;
  }
  // http format: a request line, then headers, then an optional @body, up to a blank line or
  // the next request line (read ahead and kept).
  std::string block;
  int first = 0;
  for (;;) {
    if (has_pushed_) {
      l = std::move(pushed_);
      has_pushed_ = false;
    } else if (!line(l)) {
      break;
    }
    const std::string_view s = trim(l);
    if (block.empty()) {
      if (s.empty() || s[0] == '#') continue;
      first = line_no_;
      block = l;
      continue;
    }
    if (s.empty()) break;
    if (is_request_line(s)) {
      pushed_ = std::move(l);
      has_pushed_ = true;
      break;
    }
    block += "\n" + l;
    if (s[0] == '@') break;
  }
  if (block.empty()) return false;
  parse(block, first);
  return true;
}

TargetsFormat parse_targets_format(std::string_view text) {
  if (text == "http") return TargetsFormat::kHttp;
  if (text == "json") return TargetsFormat::kJson;
  throw InputError("", 0, "-format", "unknown targets format \"" + std::string(text) + "\" (want http or json)");
}

void rebase_targets(std::vector<Target>& targets, std::string_view origin) {
  auto base = parse_url(origin);
  if (!base || (base->scheme != "http" && base->scheme != "https"))
    throw InputError("", 0, "origin", "\"" + std::string(origin) + "\" is not an http(s) URL");
  std::string prefix = base->scheme + "://" + base->authority();
  for (Target& t : targets) {
    if (!parse_url(Template::shape(t.url))) continue;
    // The path as written, placeholders kept.
    const size_t scheme_end = t.url.find("://");
    const size_t path = scheme_end == std::string::npos ? std::string::npos : t.url.find_first_of("/?", scheme_end + 3);
    if (t.written_url.empty()) t.written_url = t.url;
    t.url = prefix + (path == std::string::npos ? "/" : (t.url[path] == '?' ? "/" : "") + t.url.substr(path));
  }
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

bool base64_decode(std::string_view text, std::string& out) {
  std::string clean;
  for (char c : text)
    if (c != '\n' && c != '\r' && c != ' ') clean.push_back(c);
  if (clean.size() % 4 != 0) return false;
  out.assign(3 * clean.size() / 4, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
  if (n < 0) return false;
  size_t pad = 0;
  if (!clean.empty() && clean.back() == '=') ++pad;
  if (clean.size() > 1 && clean[clean.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return true;
}

}  // namespace loadgate
