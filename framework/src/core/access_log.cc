// access_log.cc: reading access logs, JSON lines and HAR files into requests.
//
// Written by hand rather than with a regex per line: a log_format is literal text and variables,
// each variable's value running to the next literal, so one scan with find() reads a line (10
// million lines are read twice per replay: once for the schedule, once for the requests).
#include "loadgate/access_log.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>

#include "loadgate/duration.h"
#include "loadgate/error.h"
#include "loadgate/file.h"
#include "loadgate/url.h"

namespace loadgate {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxLine = 1u << 20;  // a longer line is not a request
constexpr size_t kExamples = 10;       // unparsed lines named

// nginx's combined format; fields after it (a $request_time, say) are ignored.
constexpr const char* kNginxCombined =
    "$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\"";
// Apache's combined format (%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-agent}i\"): %t is when
// the request arrived. Its common format ends after %b.
constexpr const char* kApacheCombined =
    "$remote_addr $ident $remote_user [$apache_time] \"$request\" $status $body_bytes_sent \"$http_referer\" "
    "\"$http_user_agent\"";

bool is_token_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// "-" is nginx's and Apache's "no value".
bool absent(std::string_view v) { return v.empty() || v == "-"; }

// nginx escapes bytes in values as \xHH (escape=default) or as JSON does (escape=json).
std::string unescape(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 3 < v.size() && v[i + 1] == 'x' && std::isxdigit(static_cast<unsigned char>(v[i + 2])) &&
        std::isxdigit(static_cast<unsigned char>(v[i + 3]))) {
      out += static_cast<char>(std::stoi(std::string(v.substr(i + 2, 2)), nullptr, 16));
      i += 3;
    } else if (v[i] == '\\' && i + 1 < v.size() && (v[i + 1] == '"' || v[i + 1] == '\\')) {
      out += v[++i];
    } else {
      out += v[i];
    }
  }
  return out;
}

// Seconds with a fraction ("1733280000.123", "0.004") as ns, digit by digit (a double would
// turn .001 into .000999...); nullopt when not a number.
std::optional<int64_t> seconds_ns(std::string_view v) {
  if (v.empty() || v.size() > 40) return std::nullopt;
  int64_t secs = 0, frac = 0, scale = 1'000'000'000;
  size_t i = 0;
  for (; i < v.size() && std::isdigit(static_cast<unsigned char>(v[i])); ++i) {
    if (secs > 9'000'000'000) return std::nullopt;
    secs = secs * 10 + (v[i] - '0');
  }
  if (i == 0) return std::nullopt;
  if (i < v.size()) {
    if (v[i] != '.' || i + 1 == v.size()) return std::nullopt;
    for (++i; i < v.size(); ++i) {
      if (!std::isdigit(static_cast<unsigned char>(v[i]))) return std::nullopt;
      if (scale > 1) {
        scale /= 10;
        frac += (v[i] - '0') * scale;
      }
    }
  }
  return secs * 1'000'000'000 + frac;
}

// "10/Oct/2000:13:55:36 -0700" (the Common Log Format's time) as Unix ns.
std::optional<int64_t> clf_time_ns(std::string_view v) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (v.size() != 26 || v[2] != '/' || v[6] != '/' || v[11] != ':' || v[14] != ':' || v[17] != ':' || v[20] != ' ')
    return std::nullopt;
  auto num = [&](size_t at, size_t n, int& out) {
    out = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(v[i]))) return false;
      out = out * 10 + (v[i] - '0');
    }
    return true;
  };
  std::tm tm{};
  int day, year, h, m, s, zone;
  if (!num(0, 2, day) || !num(7, 4, year) || !num(12, 2, h) || !num(15, 2, m) || !num(18, 2, s) || !num(22, 4, zone))
    return std::nullopt;
  int month = -1;
  for (int i = 0; i < 12; ++i)
    if (v.substr(3, 3) == kMonths[i]) month = i;
  if (month < 0 || (v[21] != '+' && v[21] != '-') || day < 1 || day > 31 || h > 23 || m > 59 || s > 60) return std::nullopt;
  tm.tm_year = year - 1900;
  tm.tm_mon = month;
  tm.tm_mday = day;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = s;
  int64_t secs = static_cast<int64_t>(timegm(&tm));
  const int64_t offset = (zone / 100) * 3600 + (zone % 100) * 60;
  secs -= v[21] == '+' ? offset : -offset;
  return secs * 1'000'000'000;
}

// "User-Agent" from nginx's "$http_user_agent".
std::string header_name(std::string_view var) {
  std::string out;
  bool up = true;
  for (char c : var) {
    if (c == '_') {
      out += '-';
      up = true;
    } else {
      out += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      up = false;
    }
  }
  return out;
}

bool is_method(std::string_view m) {
  if (m.empty() || m.size() > 20) return false;
  for (char c : m)
    if (!std::isupper(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  return true;
}

// What the parts of a request say, as a Target: false with `why` when they do not make one.
struct Parts {
  std::string_view method, uri, args, host, scheme, request_line, body;
  std::vector<Header> headers;
};

bool make_target(Parts& p, Target& t, std::string& why) {
  std::string method(p.method), uri(p.uri);
  if (!absent(p.request_line)) {
    const std::string_view r = p.request_line;
    const size_t a = r.find(' ');
    const size_t b = a == std::string_view::npos ? a : r.find(' ', a + 1);
    if (a == std::string_view::npos) {
      why = "the request line \"" + printable(r, 60) + "\" is not METHOD URI PROTOCOL";
      return false;
    }
    method = std::string(r.substr(0, a));
    uri = std::string(r.substr(a + 1, b == std::string_view::npos ? std::string_view::npos : b - a - 1));
  } else if (!absent(p.args) && uri.find('?') == std::string::npos) {
    uri += "?" + std::string(p.args);
  }
  if (!is_method(method)) {
    why = "no method (\"" + printable(method, 40) + "\" is not an HTTP method)";
    return false;
  }
  if (uri.rfind("http://", 0) == 0 || uri.rfind("https://", 0) == 0) {
    t.url = uri;
  } else if (!uri.empty() && uri[0] == '/') {
    t.url = absent(p.host) ? uri : (absent(p.scheme) ? std::string("http") : std::string(p.scheme)) + "://" + std::string(p.host) + uri;
  } else {
    why = "no request path (\"" + printable(uri, 60) + "\" does not start with /)";
    return false;
  }
  for (char c : t.url)
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      why = "the request path \"" + printable(uri, 60) + "\" holds a space or a control byte";
      return false;
    }
  t.method = std::move(method);
  t.headers = std::move(p.headers);
  if (!absent(p.body)) t.body = unescape(p.body);
  return true;
}

// Seconds ("0.004", 0.004) or a Go duration ("4ms") as ns.
std::optional<int64_t> took_ns(const json& v) {
  if (v.is_number()) {
    const double d = v.get<double>();
    if (!std::isfinite(d) || d < 0 || d > 1e7) return std::nullopt;
    return static_cast<int64_t>(std::llround(d * 1e6)) * 1000;  // to the microsecond
  }
  if (!v.is_string()) return std::nullopt;
  const std::string s = v.get<std::string>();
  if (auto n = seconds_ns(s)) return n;
  if (auto d = parse_duration(s)) return d->count();
  return std::nullopt;
}

// A JSON time: Unix seconds, ms, us or ns by magnitude; RFC 3339; or the Common Log Format's.
std::optional<int64_t> json_time(const json& v, int64_t& resolution) {
  if (v.is_number_integer()) {  // exact: seconds, ms, us or ns by magnitude
    const int64_t n = v.get<int64_t>();
    if (n <= 0) return std::nullopt;
    resolution = n < 100'000'000'000 ? 1'000'000'000 : 1'000'000;
    if (n > 100'000'000'000'000'000) return n;
    if (n > 100'000'000'000'000) return n * 1'000;
    if (n > 100'000'000'000) return n * 1'000'000;
    return n * 1'000'000'000;
  }
  if (v.is_number()) {  // a double: to the microsecond, what it holds of a Unix time
    const double d = v.get<double>();
    if (!std::isfinite(d) || d <= 0) return std::nullopt;
    const double us = d > 1e17 ? d / 1e3 : d > 1e14 ? d : d > 1e11 ? d * 1e3 : d * 1e6;
    resolution = 1'000'000;
    if (us > 9.2e15) return std::nullopt;
    return static_cast<int64_t>(std::llround(us)) * 1000;
  }
  if (!v.is_string()) return std::nullopt;
  const std::string s = v.get<std::string>();
  if (auto t = parse_rfc3339(s)) {
    resolution = s.find('.') == std::string::npos ? 1'000'000'000 : 1'000'000;
    return t;
  }
  if (auto t = clf_time_ns(s)) {
    resolution = 1'000'000'000;
    return t;
  }
  if (auto t = seconds_ns(s)) {
    resolution = s.find('.') == std::string::npos ? 1'000'000'000 : 1'000'000;
    return t;
  }
  return std::nullopt;
}

// The usual keys of each field in JSON logs, tried in order when the field is not mapped.
const std::map<std::string, std::vector<std::string>>& usual_keys() {
  static const std::map<std::string, std::vector<std::string>> keys = {
      {"time", {"time", "timestamp", "ts", "@timestamp", "time_iso8601", "time_local", "msec", "start_time"}},
      {"method", {"method", "request_method", "verb"}},
      {"url", {"url"}},
      {"path", {"uri", "path", "request_uri"}},
      {"host", {"host", "http_host", "server_name"}},
      {"scheme", {"scheme"}},
      {"request", {"request"}},
      {"request_time", {"request_time", "duration", "latency", "elapsed"}},
      {"status", {"status", "status_code"}},
      {"body", {"body", "request_body"}},
      {"headers", {"headers", "request_headers"}},
  };
  return keys;
}

// Header names a replay never sends as logged: the connection's own, and what loadgate frames.
bool hop_by_hop(std::string_view name) {
  static constexpr const char* kSkip[] = {"host", "content-length", "connection", "keep-alive", "transfer-encoding",
                                          "upgrade", "proxy-connection", "te", "trailer"};
  if (!name.empty() && name[0] == ':') return true;
  for (const char* s : kSkip)
    if (name.size() == std::strlen(s) && std::equal(name.begin(), name.end(), s, [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == b;
        }))
      return true;
  return false;
}

// A HAR postData as the body sent: its text, else its params (some recorders keep only those):
// a JSON object for a JSON type, else a form (name=value&...).
std::string har_body(const json& post) {
  if (post.contains("text") && post["text"].is_string()) return post["text"].get<std::string>();
  if (!post.contains("params") || !post["params"].is_array()) return "";
  const std::string type = post.value("mimeType", "");
  if (type.find("json") != std::string::npos) {
    json obj = json::object();
    for (const json& p : post["params"])
      if (p.is_object() && p.contains("name") && p["name"].is_string()) obj[p["name"].get<std::string>()] = p.value("value", json());
    return obj.dump();
  }
  std::string out;
  auto encode = [](const std::string& v) {
    std::string e;
    for (unsigned char c : v) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') e += static_cast<char>(c);
      else {
        char hex[4];
        std::snprintf(hex, sizeof hex, "%%%02X", c);
        e += hex;
      }
    }
    return e;
  };
  for (const json& p : post["params"]) {
    if (!p.is_object() || !p.contains("name") || !p["name"].is_string()) continue;
    const json& v = p.value("value", json(""));
    if (!out.empty()) out += '&';
    out += encode(p["name"].get<std::string>()) + "=" + encode(v.is_string() ? v.get<std::string>() : v.dump());
  }
  return out;
}

}  // namespace

// A log_format compiled: literal text and variables, each variable running to the next literal.
struct LogReader::Pattern {
  struct Piece {
    std::string literal;  // "" for a variable
    std::string var;      // "" for a literal
  };
  std::vector<Piece> pieces;
  size_t optional_from = SIZE_MAX;  // a line may end before this piece
  bool trailing_ok = false;         // text after the last piece is ignored
  bool apache = false;              // the time is the arrival, not the end

  static Pattern compile(const std::string& format, const std::string& field) {
    Pattern p;
    std::string lit;
    for (size_t i = 0; i < format.size();) {
      if (format[i] == '$' && i + 1 < format.size() && (is_token_char(format[i + 1]) || format[i + 1] == '{')) {
        const bool braced = format[i + 1] == '{';
        size_t j = i + (braced ? 2 : 1);
        while (j < format.size() && is_token_char(format[j])) ++j;
        std::string name = format.substr(i + (braced ? 2 : 1), j - i - (braced ? 2 : 1));
        if (braced) {
          if (j >= format.size() || format[j] != '}')
            throw InputError("", 0, field, "\"${\" without \"}\" in the log format");
          ++j;
        }
        if (!lit.empty()) p.pieces.push_back({lit, ""});
        lit.clear();
        if (!p.pieces.empty() && p.pieces.back().literal.empty())
          throw InputError("", 0, field,
                           "$" + p.pieces.back().var + " and $" + name + " with nothing between them: the log cannot be split");
        p.pieces.push_back({"", name});
        i = j;
      } else {
        lit += format[i++];
      }
    }
    if (!lit.empty()) p.pieces.push_back({lit, ""});
    bool time = false, request = false;
    for (const Piece& piece : p.pieces) {
      const std::string& v = piece.var;
      time |= v == "msec" || v == "time_local" || v == "time_iso8601" || v == "apache_time";
      request |= v == "request" || v == "request_uri" || v == "uri";
    }
    if (!time)
      throw InputError("", 0, field, "the log format has no time ($msec, $time_local or $time_iso8601): a replay needs one");
    if (!request) throw InputError("", 0, field, "the log format has no request ($request, $request_uri or $uri)");
    return p;
  }

  // Splits `line` into the variables' values; false with `why` when it does not fit.
  bool match(std::string_view line, std::vector<std::pair<std::string_view, std::string_view>>& vars,
             std::string& why) const {
    vars.clear();
    size_t pos = 0;
    for (size_t i = 0; i < pieces.size(); ++i) {
      if (pos >= line.size() && i >= optional_from) return true;
      const Piece& piece = pieces[i];
      if (!piece.literal.empty()) {
        if (line.compare(pos, piece.literal.size(), piece.literal) != 0) {
          why = "expected \"" + printable(piece.literal, 20) + "\" at column " + std::to_string(pos + 1);
          return false;
        }
        pos += piece.literal.size();
        continue;
      }
      size_t end = line.size();
      if (i + 1 < pieces.size()) {
        end = line.find(pieces[i + 1].literal, pos);
        if (end == std::string_view::npos) {
          if (i + 1 >= optional_from) end = line.size();
          else {
            why = "no value for $" + piece.var + " (no \"" + printable(pieces[i + 1].literal, 20) + "\" after column " +
                  std::to_string(pos + 1) + ")";
            return false;
          }
        }
      } else if (trailing_ok) {
        end = std::min(line.size(), line.find(' ', pos));
      }
      vars.emplace_back(piece.var, line.substr(pos, end - pos));
      pos = end;
    }
    if (pos < line.size() && !trailing_ok) {
      why = "text after the log format's last field, at column " + std::to_string(pos + 1);
      return false;
    }
    return true;
  }
};

LogFormat parse_log_format(std::string_view text, const std::string& field) {
  if (text == "auto" || text.empty()) return LogFormat::kAuto;
  if (text == "nginx" || text == "combined") return LogFormat::kNginx;
  if (text == "apache" || text == "common") return LogFormat::kApache;
  if (text == "jsonl" || text == "json") return LogFormat::kJsonl;
  if (text == "har") return LogFormat::kHar;
  throw InputError("", 0, field, "\"" + printable(text) + "\": want auto, nginx, apache, jsonl or har");
}

const std::vector<std::string>& log_field_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& [name, keys] : usual_keys()) out.push_back(name);
    return out;
  }();
  return names;
}

LogReader::LogReader(const std::string& path, const LogOptions& opts) : path_(path), opts_(opts) {
  for (const auto& [name, key] : opts.fields)
    if (!usual_keys().count(name))
      throw InputError("", 0, "-field", "\"" + printable(name) + "\" is not a field (want one of time, method, url, path, "
                                        "host, scheme, request, request_time, status, body, headers)");
  format_ = opts.format;
  const bool har_name = path.size() > 4 && path.compare(path.size() - 4, 4, ".har") == 0;
  if (format_ == LogFormat::kAuto && har_name) format_ = LogFormat::kHar;
  if (format_ == LogFormat::kHar) {
    load_har(read_file_or_throw(path, "-log", "cannot read HAR file", kMaxHarBytes));
    return;
  }
  in_ = std::fopen(path.c_str(), "rb");
  if (!in_) throw InputError(path, 0, "", std::string("cannot open log: ") + std::strerror(errno));
  if (format_ == LogFormat::kAuto) {
    // The first line that is not blank says which.
    std::string l;
    while (line(l)) {
      if (l.find_first_not_of(" \t\r") == std::string::npos) continue;
      first_line_ = l;
      has_first_ = true;
      break;
    }
    const size_t at = first_line_.find_first_not_of(" \t");
    if (at != std::string::npos && first_line_[at] == '{') {
      const json j = json::parse(first_line_, nullptr, false);
      if (j.is_object() && !j.contains("log")) {
        format_ = LogFormat::kJsonl;
      } else {  // a JSON document over several lines: HAR
        std::fclose(in_);
        in_ = nullptr;
        has_first_ = false;
        lines_ = 0;
        format_ = LogFormat::kHar;
        load_har(read_file_or_throw(path, "-log", "cannot read HAR file", kMaxHarBytes));
        return;
      }
    } else {
      format_ = LogFormat::kNginx;
    }
  }
  if (format_ == LogFormat::kNginx || format_ == LogFormat::kApache) {
    const bool custom = format_ == LogFormat::kNginx && !opts.nginx_format.empty();
    pattern_ = std::make_unique<Pattern>(Pattern::compile(custom ? opts.nginx_format
                                                                 : format_ == LogFormat::kApache ? kApacheCombined
                                                                                                 : kNginxCombined,
                                                          "-nginx-format"));
    if (!custom) {
      for (size_t i = 0; i < pattern_->pieces.size(); ++i)  // the common format ends after $body_bytes_sent
        if (pattern_->pieces[i].var == "body_bytes_sent") pattern_->optional_from = i + 1;
      pattern_->trailing_ok = format_ == LogFormat::kNginx;
      pattern_->apache = format_ == LogFormat::kApache;
    }
  }
}

LogReader::~LogReader() {
  if (in_) std::fclose(in_);
}

bool LogReader::line(std::string& out) {
  out.clear();
  char chunk[8192];
  bool any = false;
  while (std::fgets(chunk, sizeof chunk, in_)) {
    any = true;
    if (out.size() < kMaxLine) out += chunk;
    if (!out.empty() && out.back() == '\n') {
      out.pop_back();
      break;
    }
  }
  if (!out.empty() && out.back() == '\r') out.pop_back();
  if (any) ++lines_;
  return any;
}

void LogReader::bad(const std::string& why) {
  ++unparsed_;
  if (examples_.size() < kExamples) examples_.push_back(path_ + ":" + std::to_string(lines_) + ": " + why);
}

bool LogReader::parse_text(const std::string& text, LoggedRequest& out, std::string& why) const {
  thread_local std::vector<std::pair<std::string_view, std::string_view>> vars;
  if (text.size() >= kMaxLine) {
    why = "a line longer than 1 MB";
    return false;
  }
  if (!pattern_->match(text, vars, why)) return false;
  Parts p;
  std::optional<int64_t> at, took;
  int64_t resolution = 1'000'000'000;
  for (const auto& [var, value] : vars) {
    if (var == "msec") {
      at = seconds_ns(value);
      resolution = 1'000'000;
      if (!at) why = "$msec \"" + printable(value, 30) + "\" is not seconds since 1970";
    } else if (var == "time_local" || var == "apache_time") {
      if (!at) at = clf_time_ns(value);
      if (!at) why = "$time_local \"" + printable(value, 40) + "\" is not dd/Mon/yyyy:hh:mm:ss +zzzz";
    } else if (var == "time_iso8601") {
      if (!at) at = parse_rfc3339(value);
      if (!at) why = "$time_iso8601 \"" + printable(value, 40) + "\" is not an RFC 3339 time";
    } else if (var == "request") {
      p.request_line = value;
    } else if (var == "request_method") {
      p.method = value;
    } else if (var == "request_uri" || (var == "uri" && p.uri.empty())) {
      p.uri = value;
    } else if (var == "args" || var == "query_string") {
      p.args = value;
    } else if (var == "host" || var == "http_host" || (var == "server_name" && p.host.empty())) {
      p.host = value;
    } else if (var == "scheme") {
      p.scheme = value;
    } else if (var == "request_body") {
      p.body = value;
    } else if (var == "request_time") {
      took = seconds_ns(value);
    } else if (var == "status") {
      out.status = std::atoi(std::string(value).c_str());
    } else if (var.rfind("http_", 0) == 0 && !absent(value)) {
      p.headers.emplace_back(header_name(var.substr(5)), unescape(value));
    }
    if (!why.empty()) return false;
  }
  if (!at) {
    why = "no time";
    return false;
  }
  Target t;
  if (!make_target(p, t, why)) return false;
  out.took_ns = took.value_or(-1);
  // nginx writes a line as its request ends: it arrived $request_time earlier.
  if (took && !pattern_->apache) {
    *at -= *took;
    resolution = std::min<int64_t>(resolution, 1'000'000);
  }
  out.at_ns = *at;
  out.resolution_ns = resolution;
  out.target = std::move(t);
  out.page.clear();
  return true;
}

bool LogReader::parse_json(const std::string& text, LoggedRequest& out, std::string& why) const {
  const json j = json::parse(text, nullptr, false);
  if (!j.is_object()) {
    why = "not a JSON object";
    return false;
  }
  auto field = [&](const std::string& name) -> const json* {
    auto mapped = opts_.fields.find(name);
    if (mapped != opts_.fields.end()) {
      if (mapped->second == "-") return nullptr;
      if (!mapped->second.empty() && mapped->second[0] == '/') {
        json::json_pointer ptr;
        try {
          ptr = json::json_pointer(mapped->second);
        } catch (const json::exception&) {
          return nullptr;
        }
        return j.contains(ptr) ? &j.at(ptr) : nullptr;
      }
      auto it = j.find(mapped->second);
      return it == j.end() ? nullptr : &*it;
    }
    for (const std::string& key : usual_keys().at(name)) {
      auto it = j.find(key);
      if (it != j.end() && !it->is_null()) return &*it;
    }
    return nullptr;
  };
  auto str = [&](const std::string& name) -> std::string {
    const json* v = field(name);
    return v && v->is_string() ? v->get<std::string>() : std::string();
  };
  const json* time = field("time");
  int64_t resolution = 1'000'000'000;
  std::optional<int64_t> at = time ? json_time(*time, resolution) : std::nullopt;
  if (!at) {
    why = time ? "its time " + printable(time->dump(), 40) + " is not a time" : "no time (map it with -field time=KEY)";
    return false;
  }
  Parts p;
  const std::string method = str("method"), url = str("url"), path = str("path"), host = str("host"),
                    scheme = str("scheme"), request = str("request"), body = str("body");
  p.method = method;
  p.uri = !url.empty() ? url : path;
  p.host = host;
  p.scheme = scheme;
  p.request_line = request;
  if (const json* h = field("headers"); h && h->is_object()) {
    for (const auto& [name, value] : h->items()) {
      if (value.is_string()) p.headers.emplace_back(name, value.get<std::string>());
      if (value.is_array())
        for (const json& v : value)
          if (v.is_string()) p.headers.emplace_back(name, v.get<std::string>());
    }
  }
  Target t;
  if (!make_target(p, t, why)) return false;
  t.body = body;
  std::optional<int64_t> took;
  if (const json* rt = field("request_time")) took = took_ns(*rt);
  if (const json* st = field("status")) out.status = st->is_number_integer() ? st->get<int>() : std::atoi(st->is_string() ? st->get<std::string>().c_str() : "0");
  out.took_ns = took.value_or(-1);
  if (took) {
    *at -= *took;
    resolution = std::min<int64_t>(resolution, 1'000'000);
  }
  out.at_ns = *at;
  out.resolution_ns = resolution;
  out.target = std::move(t);
  out.page.clear();
  return true;
}

void LogReader::load_har(const std::string& text) {
  const json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("log") || !j["log"].is_object() || !j["log"].contains("entries") ||
      !j["log"]["entries"].is_array())
    throw InputError(path_, 0, "log.entries", "not a HAR file (want {\"log\": {\"entries\": [...]}})");
  uint64_t n = 0;
  for (const json& e : j["log"]["entries"]) {
    ++n;
    lines_ = n;
    std::string why;
    LoggedRequest r;
    r.line = n;
    auto fail = [&](const std::string& w) { bad("entries[" + std::to_string(n - 1) + "]: " + w); };
    if (!e.is_object() || !e.contains("request") || !e["request"].is_object()) {
      fail("no request");
      continue;
    }
    const json& req = e["request"];
    const std::string started = e.value("startedDateTime", "");
    std::optional<int64_t> at = parse_rfc3339(started);
    if (!at) {
      fail("startedDateTime \"" + printable(started, 40) + "\" is not an ISO 8601 time");
      continue;
    }
    const std::string method = req.value("method", ""), url = req.value("url", "");
    if (!is_method(method)) {
      fail("request.method \"" + printable(method, 20) + "\" is not an HTTP method");
      continue;
    }
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      fail("request.url \"" + printable(url, 60) + "\" is not http(s)");
      continue;
    }
    r.target.method = method;
    r.target.url = url;
    if (req.contains("headers") && req["headers"].is_array())
      for (const json& h : req["headers"])
        if (h.is_object() && h.contains("name") && h["name"].is_string() && h.contains("value") && h["value"].is_string() &&
            !hop_by_hop(h["name"].get<std::string>()))
          r.target.headers.emplace_back(h["name"].get<std::string>(), h["value"].get<std::string>());
    if (req.contains("postData") && req["postData"].is_object()) r.target.body = har_body(req["postData"]);
    if (e.contains("time") && e["time"].is_number() && e["time"].get<double>() >= 0)
      r.took_ns = static_cast<int64_t>(std::llround(e["time"].get<double>() * 1e6));
    if (e.contains("response") && e["response"].is_object() && e["response"].contains("status") &&
        e["response"]["status"].is_number_integer())
      r.status = e["response"]["status"].get<int>();
    if (e.contains("pageref") && e["pageref"].is_string()) r.page = e["pageref"].get<std::string>();
    r.at_ns = *at;
    r.resolution_ns = 1'000'000;
    har_.push_back(std::move(r));
  }
  std::stable_sort(har_.begin(), har_.end(), [](const LoggedRequest& a, const LoggedRequest& b) { return a.at_ns < b.at_ns; });
}

bool LogReader::read_one(LoggedRequest& out) {
  if (format_ == LogFormat::kHar) {
    if (har_next_ >= har_.size()) return false;
    out = har_[har_next_++];
    return true;
  }
  std::string l;
  for (;;) {
    if (has_first_) {
      l = std::move(first_line_);
      has_first_ = false;
    } else if (eof_ || !line(l)) {
      eof_ = true;
      return false;
    }
    if (l.find_first_not_of(" \t") == std::string::npos) continue;
    std::string why;
    const bool ok = format_ == LogFormat::kJsonl ? parse_json(l, out, why) : parse_text(l, out, why);
    if (ok) {
      out.line = lines_;
      return true;
    }
    bad(why);
  }
}

bool LogReader::next(LoggedRequest& out) {
  while (window_.size() < kReorderWindow) {
    LoggedRequest r;
    if (!read_one(r)) break;
    window_.push(std::move(r));
  }
  if (window_.empty()) return false;
  out = window_.top();
  window_.pop();
  if (out.at_ns < last_at_) {
    out.at_ns = last_at_;
    ++reordered_;
  }
  last_at_ = out.at_ns;
  return true;
}

}  // namespace loadgate
