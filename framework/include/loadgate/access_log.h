// access_log.h (core layer): requests as a server or a browser recorded them, read one at a time
// in the order they arrived: nginx and Apache access logs (combined, common, or any nginx
// log_format), JSON lines, and HAR 1.2 files.
//
//   loadgate::LogReader log("access.log", {});            // nginx combined, found by itself
//   loadgate::LoggedRequest r;
//   while (log.next(r)) use(r.at_ns, r.target);             // arrival order
//   log.unparsed();                                         // lines that were not requests
//
// When a request arrived: nginx writes its line when the request ends, so with $request_time in
// the format the arrival is $msec (or $time_local, $time_iso8601) minus $request_time; Apache's
// %t is the arrival; HAR has startedDateTime. A line that is not a request is counted and named
// (file:line and why), never silently dropped.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

#include "loadgate/targets.h"

namespace loadgate {

/// LogFormat is how a log is written.
enum class LogFormat {
  kAuto,    ///< HAR for *.har or a JSON document, JSON lines when lines are objects, else nginx
  kNginx,   ///< nginx's combined format, or LogOptions::log_format
  kApache,  ///< Apache's combined or common format (%t is the arrival)
  kJsonl,   ///< one JSON object per line, fields mapped by LogOptions::fields
  kHar,     ///< HAR 1.2 (a browser's or a proxy's recording)
};

/// Parses a -log-format flag value: auto, nginx (or combined), apache (or common), jsonl (or
/// json), har. Throws InputError naming `field` on anything else.
LogFormat parse_log_format(std::string_view text, const std::string& field = "-log-format");

/// LogOptions say how to read a log.
struct LogOptions {
  LogFormat format = LogFormat::kAuto;
  /// nginx's log_format string ('$remote_addr - [$msec] "$request" $request_time'); "" = the
  /// combined format, with any fields after it ignored.
  std::string nginx_format;
  /// JSON lines: where each field is, by our name (time, method, url, path, host, scheme,
  /// request, request_time, status, body, headers) -> the log's key, or a JSON pointer
  /// ("/request/uri"); "-" = not in the log. Unset names try the usual keys (time, timestamp,
  /// ts, @timestamp, msec; method, request_method; uri, path, request_uri, url; ...).
  std::map<std::string, std::string> fields;
};

/// The names LogOptions::fields accepts.
const std::vector<std::string>& log_field_names();

/// LoggedRequest is one request of a log.
struct LoggedRequest {
  int64_t at_ns = 0;               ///< Unix ns when it arrived
  int64_t resolution_ns = 0;       ///< how precise at_ns is: 1e9 for whole-second stamps, 1e6 for ms
  Target target;                   ///< method, URL (absolute when the log names a host, else the path), headers, body
  int status = 0;                  ///< the status the log recorded (0 = none)
  int64_t took_ns = -1;            ///< how long it took as recorded (-1 = not recorded)
  std::string page;                ///< HAR: the page it belongs to (pageref); "" otherwise
  uint64_t line = 0;               ///< line of the file (HAR: the entry's number from 1)
};

/// How many lines are held to put a log in arrival order (nginx writes lines as requests end,
/// so a slow request's line comes after those that arrived later). A line that arrived earlier
/// than one sent already, past this window, is sent at that one's time and counted reordered().
inline constexpr size_t kReorderWindow = 1024;

/// The largest HAR file read (bytes): HAR files are read whole.
inline constexpr size_t kMaxHarBytes = 512u << 20;

/// LogReader reads a log one request at a time, in arrival order: memory stays bounded whatever
/// the log's length (HAR files are read whole).
class LogReader {
 public:
  /// Opens `path`. Throws InputError when it cannot be opened, when `opts.nginx_format` is not a
  /// log_format it can read, or when a HAR file is not HAR.
  LogReader(const std::string& path, const LogOptions& opts);
  ~LogReader();
  LogReader(const LogReader&) = delete;
  LogReader& operator=(const LogReader&) = delete;

  /// The next request in arrival order; false at the end.
  bool next(LoggedRequest& out);
  /// The format read (never kAuto).
  LogFormat format() const { return format_; }
  /// Lines read so far (HAR: entries).
  uint64_t lines() const { return lines_; }
  /// Lines that were not a request (blank lines are not counted).
  uint64_t unparsed() const { return unparsed_; }
  /// The first few of them: "access.log:12: no \"$request\" (want ...)".
  const std::vector<std::string>& unparsed_examples() const { return examples_; }
  /// Requests that arrived before one already returned, further back than kReorderWindow lines:
  /// they are returned with that one's time.
  uint64_t reordered() const { return reordered_; }

 private:
  struct Pattern;
  struct Ordered {
    bool operator()(const LoggedRequest& a, const LoggedRequest& b) const {
      return a.at_ns != b.at_ns ? a.at_ns > b.at_ns : a.line > b.line;
    }
  };
  bool read_one(LoggedRequest& out);
  bool line(std::string& out);
  void bad(const std::string& why);
  bool parse_text(const std::string& text, LoggedRequest& out, std::string& why) const;
  bool parse_json(const std::string& text, LoggedRequest& out, std::string& why) const;
  void load_har(const std::string& text);

  std::string path_;
  LogOptions opts_;
  LogFormat format_ = LogFormat::kAuto;
  std::FILE* in_ = nullptr;
  std::unique_ptr<Pattern> pattern_;
  std::vector<LoggedRequest> har_;  // a HAR file's entries, by arrival
  size_t har_next_ = 0;
  std::priority_queue<LoggedRequest, std::vector<LoggedRequest>, Ordered> window_;
  int64_t last_at_ = INT64_MIN;
  std::string first_line_;  // read ahead to find the format
  bool has_first_ = false;
  bool eof_ = false;
  uint64_t lines_ = 0, unparsed_ = 0, reordered_ = 0;
  std::vector<std::string> examples_;
};

}  // namespace loadgate
