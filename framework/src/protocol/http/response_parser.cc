// response_parser.cc: http-parser's callbacks into a ResponseParser.
#include "protocol/http/response_parser.h"

#include "loadgate/targets.h"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace loadgate::http1 {
namespace {

constexpr size_t kMaxReason = 256;    // a reason phrase longer than this is cut
constexpr size_t kMaxLocation = 8192;  // a Location longer than this is cut


void append_capped(std::string& s, const char* at, size_t n, size_t cap) {
  if (s.size() < cap) s.append(at, std::min(n, cap - s.size()));
}

}  // namespace

const http_parser_settings ResponseParser::kSettings = [] {
  http_parser_settings s;
  http_parser_settings_init(&s);
  s.on_status = &ResponseParser::on_status;
  s.on_header_field = &ResponseParser::on_header_field;
  s.on_header_value = &ResponseParser::on_header_value;
  s.on_headers_complete = &ResponseParser::on_headers_complete;
  s.on_body = &ResponseParser::on_body;
  s.on_message_complete = &ResponseParser::on_message_complete;
  return s;
}();

ResponseParser::ResponseParser() {
  reason_.reserve(64);
  field_.reserve(64);
  location_.reserve(256);
  reset(false);
}

void ResponseParser::reset(bool head, int64_t count_max, size_t keep, const std::vector<std::string>* capture,
                           size_t keep_headers) {
  capture_ = capture && !capture->empty() ? capture : nullptr;
  captured_.assign(capture_ ? capture_->size() : 0, std::string());
  capturing_ = -1;
  http_parser_init(&parser_, HTTP_RESPONSE);
  parser_.data = this;
  reason_.clear();
  field_.clear();
  location_.clear();
  body_.clear();
  headers_.clear();
  keep_headers_ = keep_headers;
  line_start_ = 0;
  kept_part_ = Part::kNone;
  headers_full_ = false;
  body_bytes_ = 0;
  count_max_ = count_max;
  keep_ = keep;
  in_location_ = last_was_value_ = false;
  head_ = head;
  complete_ = false;
}

ResponseParser::State ResponseParser::feed(const char* data, size_t n, size_t& consumed) {
  consumed = http_parser_execute(&parser_, &kSettings, data, n);
  if (complete_) return State::kComplete;
  if (HTTP_PARSER_ERRNO(&parser_) != HPE_OK || consumed != n) return State::kError;
  return State::kMore;
}

ResponseParser::State ResponseParser::eof() {
  if (complete_) return State::kComplete;
  http_parser_execute(&parser_, &kSettings, nullptr, 0);  // EOF ends a close-delimited body
  return complete_ ? State::kComplete : State::kError;
}

int ResponseParser::on_status(http_parser* p, const char* at, size_t n) {
  append_capped(static_cast<ResponseParser*>(p->data)->reason_, at, n, kMaxReason);
  return 0;
}

void ResponseParser::keep_header(Part part, const char* at, size_t n) {
  if (keep_headers_ == 0 || headers_full_) return;
  if (part == Part::kField && kept_part_ != Part::kField) {  // a new line
    if (kept_part_ == Part::kValue) headers_ += "\r\n";
    line_start_ = headers_.size();
  }
  if (part == Part::kValue && kept_part_ == Part::kField) headers_ += ": ";
  kept_part_ = part;
  headers_.append(at, n);
  if (headers_.size() + 2 > keep_headers_) {  // with its "\r\n", the line does not fit
    headers_.resize(line_start_);
    headers_full_ = true;
  }
}

int ResponseParser::on_header_field(http_parser* p, const char* at, size_t n) {
  auto* s = static_cast<ResponseParser*>(p->data);
  s->keep_header(Part::kField, at, n);
  if (s->last_was_value_) {
    s->field_.clear();
    s->last_was_value_ = false;
  }
  append_capped(s->field_, at, n, 256);  // "Location" and captured names
  return 0;
}

int ResponseParser::on_header_value(http_parser* p, const char* at, size_t n) {
  auto* s = static_cast<ResponseParser*>(p->data);
  s->keep_header(Part::kValue, at, n);
  if (!s->last_was_value_) {
    s->in_location_ = iequals(s->field_, "Location");
    s->capturing_ = -1;
    if (s->capture_)
      for (size_t i = 0; i < s->capture_->size(); ++i)
        if (iequals(s->field_, (*s->capture_)[i])) s->capturing_ = static_cast<int>(i);
    s->last_was_value_ = true;
  }
  if (s->in_location_) append_capped(s->location_, at, n, kMaxLocation);
  if (s->capturing_ >= 0) append_capped(s->captured_[static_cast<size_t>(s->capturing_)], at, n, kMaxLocation);
  return 0;
}

int ResponseParser::on_headers_complete(http_parser* p) {
  auto* s = static_cast<ResponseParser*>(p->data);
  if (s->kept_part_ == Part::kValue && !s->headers_full_) s->headers_ += "\r\n";  // room was left for it
  return s->head_ ? 1 : 0;  // 1: no body follows (HEAD)
}

int ResponseParser::on_body(http_parser* p, const char* at, size_t n) {
  auto* s = static_cast<ResponseParser*>(p->data);
  s->body_bytes_ = s->count_max_ < 0 ? s->body_bytes_ + n
                                     : std::min<uint64_t>(static_cast<uint64_t>(s->count_max_), s->body_bytes_ + n);
  append_capped(s->body_, at, n, s->keep_);
  return 0;
}

int ResponseParser::on_message_complete(http_parser* p) {
  auto* s = static_cast<ResponseParser*>(p->data);
  s->complete_ = true;
  http_parser_pause(p, 1);  // stop here: bytes after the response are not ours
  return 0;
}

}  // namespace loadgate::http1
