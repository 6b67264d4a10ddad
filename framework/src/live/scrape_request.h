// scrape_request.h (internal): the head of one request to the live endpoint, read by
// http-parser from bytes a client sent. A pure function of its input, so that a fuzzer can
// drive it (fuzz/fuzz_scrape_request.cc).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace loadgate {

/// Longest request head the endpoint reads, in bytes; a longer one is refused (431).
inline constexpr size_t kMaxScrapeHead = 8 * 1024;

/// ScrapeRequest is what parse_scrape_request() found at the start of its input.
struct ScrapeRequest {
  enum class State {
    kIncomplete,  ///< a valid beginning: read more
    kComplete,    ///< a whole head (and no body): `size` bytes of the input are this request
    kBad,         ///< not HTTP/1.x, a body, or a head over kMaxScrapeHead: answer `status`, close
  };
  State state = State::kIncomplete;
  std::string method;       ///< "GET", "HEAD", ...
  std::string path;         ///< the request target without its query, "/metrics"
  bool keep_alive = false;  ///< whether the client may send another request on the connection
  std::string accept;       ///< its Accept header ("" when none): the formats the client reads
  size_t size = 0;          ///< bytes of the head (kComplete)
  int status = 400;         ///< the answer to a kBad request: 400, 413 (a body) or 431 (too long)
};

/// Reads the first request of `bytes`. Never reads past `bytes`; never throws.
ScrapeRequest parse_scrape_request(std::string_view bytes);

/// Page is what the endpoint serves at a path.
struct Page {
  std::string content_type;  ///< "text/plain; version=0.0.4; charset=utf-8"
  std::string body;
};

/// The whole response (head and body) to `request`, with `page` what its path serves (null:
/// nothing, 404). Only GET and HEAD are answered (405 otherwise). A kBad request gets its status
/// and "Connection: close".
std::string scrape_response(const ScrapeRequest& request, const Page* page);

}  // namespace loadgate
