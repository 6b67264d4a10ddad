// scrape_request.cc: http-parser over the bytes a scraper sent; the answer it gets.
#include "scrape_request.h"

#include <http_parser.h>

#include <climits>

namespace loadgate {
namespace {

// What http-parser's callbacks collect, and whether the head ended.
struct Reading {
  ScrapeRequest* request;
  std::string url;
  bool head_done = false;
  bool body = false;
  std::string field;          // the header name being read, lower-cased
  bool in_value = false;      // the last piece was of a value (the next name starts afresh)
};

int on_header_field(http_parser* p, const char* at, size_t n) {
  auto* r = static_cast<Reading*>(p->data);
  if (r->in_value) r->field.clear();
  r->in_value = false;
  for (size_t i = 0; i < n && r->field.size() < 64; ++i)
    r->field += static_cast<char>(at[i] >= 'A' && at[i] <= 'Z' ? at[i] - 'A' + 'a' : at[i]);
  return 0;
}

int on_header_value(http_parser* p, const char* at, size_t n) {
  auto* r = static_cast<Reading*>(p->data);
  r->in_value = true;
  if (r->field == "accept" && r->request->accept.size() + n <= kMaxScrapeHead) r->request->accept.append(at, n);
  return 0;
}

int on_url(http_parser* p, const char* at, size_t n) {
  auto* r = static_cast<Reading*>(p->data);
  if (r->url.size() + n > kMaxScrapeHead) return 1;
  r->url.append(at, n);
  return 0;
}

int on_headers_complete(http_parser* p) {
  auto* r = static_cast<Reading*>(p->data);
  r->head_done = true;
  // A scrape has no body: one announced (a length or chunks) is refused rather than read.
  const bool chunked = (p->flags & F_CHUNKED) != 0;
  r->body = chunked || (p->content_length != ULLONG_MAX && p->content_length > 0);
  return 0;
}

int on_message_complete(http_parser* p) {
  http_parser_pause(p, 1);  // one request at a time: what follows is the next one
  return 0;
}

}  // namespace

ScrapeRequest parse_scrape_request(std::string_view bytes) {
  ScrapeRequest out;
  Reading reading{&out, {}, false, false, {}, false};
  http_parser parser;
  http_parser_init(&parser, HTTP_REQUEST);
  parser.data = &reading;
  http_parser_settings settings;
  http_parser_settings_init(&settings);
  settings.on_url = on_url;
  settings.on_header_field = on_header_field;
  settings.on_header_value = on_header_value;
  settings.on_headers_complete = on_headers_complete;
  settings.on_message_complete = on_message_complete;
  const std::string_view window = bytes.substr(0, kMaxScrapeHead);
  const size_t used = http_parser_execute(&parser, &settings, window.data(), window.size());
  const auto err = HTTP_PARSER_ERRNO(&parser);
  if (reading.head_done && reading.body) {
    out.state = ScrapeRequest::State::kBad;
    out.status = 413;
    return out;
  }
  if (reading.head_done && (err == HPE_OK || err == HPE_PAUSED)) {
    out.state = ScrapeRequest::State::kComplete;
    out.method = http_method_str(static_cast<http_method>(parser.method));
    out.path = reading.url.substr(0, reading.url.find('?'));
    out.keep_alive = http_should_keep_alive(&parser) != 0;
    out.size = used;
    return out;
  }
  if (err != HPE_OK || parser.upgrade) {
    out.state = ScrapeRequest::State::kBad;
    return out;
  }
  if (window.size() == kMaxScrapeHead) {  // no end of the head in the bytes it may use
    out.state = ScrapeRequest::State::kBad;
    out.status = 431;
  }
  return out;
}

std::string scrape_response(const ScrapeRequest& request, const Page* page) {
  int status = 200;
  const char* reason = "OK";
  std::string body;
  const bool head_only = request.method == "HEAD";
  if (request.state != ScrapeRequest::State::kComplete) {
    status = request.status;
    reason = status == 413 ? "Content Too Large" : status == 431 ? "Request Header Fields Too Large" : "Bad Request";
  } else if (!page) {
    status = 404;
    reason = "Not Found";
    body = "nothing is served at this path\n";
  } else if (request.method != "GET" && !head_only) {
    status = 405;
    reason = "Method Not Allowed";
  } else {
    body = page->body;
  }
  const bool keep = request.state == ScrapeRequest::State::kComplete && request.keep_alive;
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n";
  if (status == 200) out += "Content-Type: " + page->content_type + "\r\n";
  if (status == 405) out += "Allow: GET, HEAD\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += keep ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  if (!head_only) out += body;
  return out;
}

}  // namespace loadgate
