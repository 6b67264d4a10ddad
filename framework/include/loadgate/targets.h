// targets.h (core layer): what to attack, in Vegeta's two targets formats.
//
// http format (blank lines separate targets, '#' starts a comment):
//   GET http://127.0.0.1:8000/api/items
//   X-Account-ID: 8675309
//
//   POST http://127.0.0.1:8000/api/items
//   Content-Type: application/json
//   @bodies/item.json
// json format: one object per line,
//   {"method":"GET","url":"http://...","header":{"Accept":["application/json"]},"body":"<base64>"}
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loadgate {

/// Header is one request header line.
using Header = std::pair<std::string, std::string>;

/// The largest body file read for a request (bytes): a larger one (or /dev/zero) is an error.
inline constexpr size_t kMaxBodyBytes = 64u << 20;

/// Target is one request to send: method, absolute URL, headers and body.
struct Target {
  std::string method;           ///< upper-case HTTP method
  std::string url;              ///< absolute http(s) URL
  std::vector<Header> headers;  ///< in file order, names as written
  std::string body;             ///< raw bytes
  /// The URL as written, when rebase_targets() sent it elsewhere ("" = url): labels stay the
  /// same from run to run though the service's port changes, so that per-target gates and
  /// history can follow them.
  std::string written_url;
  /// Label used in reports and breakdowns: "METHOD URL", with the URL as written.
  std::string label() const { return method + " " + (written_url.empty() ? url : written_url); }
};

/// Why header `h` cannot go on the wire, or "" when it can: its name must be an RFC 9110 token
/// and its value field content (visible characters, spaces and tabs: no CR, LF, NUL or other
/// control byte, which would end the header or inject another).
std::string header_problem(const Header& h);

/// Whether `a` and `b` are the same ignoring ASCII case (header names).
bool iequals(std::string_view a, std::string_view b);

/// Header lines ("Name: value\r\n" each, as responses are kept) as (name, value) pairs, in
/// order; the value without its leading blanks.
std::vector<std::pair<std::string, std::string>> header_pairs(std::string_view lines);

/// Why the framing headers of a request disagree with its body, or "" when they do not: a
/// Content-Length other than the body's length, or a Transfer-Encoding (loadgate frames the
/// body itself: a chunked header beside a plain body desyncs the connection).
std::string framing_problem(const std::vector<Header>& headers, std::string_view body);

/// Whether a header's value is a secret (Authorization, Proxy-Authorization, Cookie): shown as
/// "<redacted>" in results, reports and error messages.
bool secret_header(std::string_view name);

/// A header line as messages may show it: "Name: value", the value of a secret as
/// "<redacted>", control bytes escaped, cut to a readable length.
std::string shown_header(std::string_view name, std::string_view value);

/// TargetsFormat selects the parser.
enum class TargetsFormat { kHttp, kJson };

/// Parses targets from `text`. `file` names the source in errors; relative "@body" paths are
/// looked up beside `file` first, then in the working directory (Vegeta's rule); a body file
/// is read up to kMaxBodyBytes. Throws InputError naming the file, line and field on any
/// malformed target (a bad method, URL, header, or framing headers that disagree with the
/// body), and when there is no target at all. Never returns a partial list.
std::vector<Target> parse_targets(std::string_view text, std::string_view file,
                                  TargetsFormat format = TargetsFormat::kHttp);

/// Reads and parses a targets file ("-" or "stdin" = standard input). Throws InputError.
std::vector<Target> load_targets(const std::string& path, TargetsFormat format = TargetsFormat::kHttp);

/// TargetReader reads targets one at a time from a stream (-lazy), in either format: memory stays
/// constant whatever the stream's length. Errors name the stream's line, as parse_targets().
class TargetReader {
 public:
  /// Reads from `in` (not owned); `name` names it in errors and is where "@body" paths are
  /// looked up first.
  TargetReader(std::FILE* in, std::string name, TargetsFormat format);
  /// The next target; false at the end of the stream. Throws InputError for a malformed target.
  bool next(Target& t);

 private:
  bool line(std::string& out);
  std::FILE* in_;
  std::string name_;
  TargetsFormat format_;
  int line_no_ = 0;
  std::string pushed_;  // a request line read ahead (http format)
  bool has_pushed_ = false;
};

/// Parses a -format flag value ("http", "json"). Throws InputError on anything else.
TargetsFormat parse_targets_format(std::string_view text);

/// Replaces scheme://host:port of every target with `origin` (e.g. "http://127.0.0.1:39211"),
/// keeping paths: how suites point one targets file at another deployment. Throws InputError
/// when `origin` is not an absolute http(s) URL.
void rebase_targets(std::vector<Target>& targets, std::string_view origin);

/// Encodes bytes as standard base64 (with padding).
std::string base64_encode(std::string_view bytes);
/// Decodes standard base64; returns false on invalid input.
bool base64_decode(std::string_view text, std::string& out);

}  // namespace loadgate
