// response_parser.h (internal): one HTTP/1.x response at a time, from bytes as they arrive,
// over http-parser: the status, the reason, the Location header, the body's length and, when
// asked, its first bytes. Memory is bounded: http-parser refuses headers past 80 KB, and the
// kept body is capped.
#pragma once

#include <http_parser.h>

#include <cstdint>
#include <string>
#include <vector>

namespace loadgate::http1 {

/// ResponseParser parses the responses of one connection, one after the other.
class ResponseParser {
 public:
  /// What feed() and eof() found.
  enum class State {
    kMore,      ///< the response is not complete yet
    kComplete,  ///< a whole response ended; bytes after it were not consumed
    kError,     ///< the bytes are not a valid response (see error())
  };

  ResponseParser();
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;

  /// Prepares for the next response. `head`: the request was HEAD (no body follows).
  /// `count_max`: body bytes counted at most (-1 = all). `keep`: body bytes kept (0 = none).
  /// `capture`: header names whose values to keep (captured()), case-insensitive; may be null.
  /// `keep_headers`: bytes of header lines kept (headers(); 0 = none).
  void reset(bool head, int64_t count_max = -1, size_t keep = 0, const std::vector<std::string>* capture = nullptr,
             size_t keep_headers = 0);
  /// The values of the captured headers, as reset()'s `capture` names them ("" when absent).
  const std::vector<std::string>& captured() const { return captured_; }
  /// Feeds `n` bytes; `consumed` is set to how many belong to this response.
  State feed(const char* data, size_t n, size_t& consumed);
  /// The peer closed the stream: completes a response whose body runs to the close.
  State eof();

  /// Status code of the response (valid once headers were read).
  int status() const { return parser_.status_code; }
  /// Reason phrase, as sent.
  const std::string& reason() const { return reason_; }
  /// Value of the Location header; "" when absent.
  const std::string& location() const { return location_; }
  /// Body bytes received, up to the count cap.
  uint64_t body_bytes() const { return body_bytes_; }
  /// The first body bytes, up to the keep cap.
  const std::string& body() const { return body_; }
  /// The header lines as received ("Name: value\r\n" each), the whole lines that fit in the
  /// keep_headers cap; "" when none were asked for.
  const std::string& headers() const { return headers_; }
  /// Whether the connection may carry another request (keep-alive).
  bool keep_alive() const { return http_should_keep_alive(&parser_) != 0; }
  /// What was wrong, after kError.
  const char* error() const { return http_errno_description(HTTP_PARSER_ERRNO(&parser_)); }

 private:
  static int on_status(http_parser* p, const char* at, size_t n);
  static int on_header_field(http_parser* p, const char* at, size_t n);
  static int on_header_value(http_parser* p, const char* at, size_t n);
  static int on_headers_complete(http_parser* p);
  static int on_body(http_parser* p, const char* at, size_t n);
  static int on_message_complete(http_parser* p);
  static const http_parser_settings kSettings;
  enum class Part { kNone, kField, kValue };
  // Appends a piece of a header's name or value to headers_, within keep_headers_.
  void keep_header(Part part, const char* at, size_t n);

  http_parser parser_{};
  std::string reason_;
  std::string field_;
  std::string location_;
  std::string body_;
  std::string headers_;
  size_t keep_headers_ = 0;
  size_t line_start_ = 0;      // where the header line being kept starts in headers_
  Part kept_part_ = Part::kNone;
  bool headers_full_ = false;  // a line did not fit: the rest are not kept
  const std::vector<std::string>* capture_ = nullptr;
  std::vector<std::string> captured_;
  int capturing_ = -1;  // index in capture_ of the header whose value is being read
  uint64_t body_bytes_ = 0;
  int64_t count_max_ = -1;
  size_t keep_ = 0;
  bool in_location_ = false;
  bool last_was_value_ = false;
  bool head_ = false;
  bool complete_ = false;
};

}  // namespace loadgate::http1
