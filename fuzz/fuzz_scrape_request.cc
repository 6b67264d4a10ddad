// fuzz_scrape_request.cc: the bytes a client sends to the Prometheus endpoint (-prometheus-addr),
// read as the endpoint reads them: request after request on one connection, each answered.
#include <cstddef>
#include <cstdint>
#include <string>

#include "live/scrape_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using loadgate::ScrapeRequest;
  std::string in(reinterpret_cast<const char*>(data), size);
  for (int served = 0; served < 64; ++served) {
    const ScrapeRequest r = loadgate::parse_scrape_request(in);
    if (r.state == ScrapeRequest::State::kIncomplete) {
      if (in.size() >= loadgate::kMaxScrapeHead) __builtin_trap();  // the head is bounded
      break;
    }
    const loadgate::Page page{"text/plain", "up 1\n"};
    const std::string answer = loadgate::scrape_response(r, &page);
    if (answer.rfind("HTTP/1.1 ", 0) != 0) __builtin_trap();
    if (r.state == ScrapeRequest::State::kBad) break;
    // A whole head: its size is within the input, and the same bytes alone read the same.
    if (r.size == 0 || r.size > in.size()) __builtin_trap();
    const ScrapeRequest alone = loadgate::parse_scrape_request(std::string_view(in).substr(0, r.size));
    if (alone.state != ScrapeRequest::State::kComplete || alone.size != r.size || alone.path != r.path) __builtin_trap();
    if (!r.keep_alive) break;
    in.erase(0, r.size);
  }
  return 0;
}
