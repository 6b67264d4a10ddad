// fuzz_http_response.cc: bytes from a server into the HTTP driver's response parser, cut into
// reads of the sizes the input asks for, with a pipelined second response after the first.
#include <cstdint>
#include <string>

#include "protocol/http/response_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const bool head = data[0] & 1;
  const size_t chunk = 1 + data[1] % 64;
  loadgate::http1::ResponseParser p;
  p.reset(head, data[0] & 2 ? 100 : -1, data[0] & 4 ? 64 : 0);
  size_t at = 2;
  for (int responses = 0; at < size && responses < 4;) {
    const size_t n = std::min(chunk, size - at);
    size_t used = 0;
    const auto s = p.feed(reinterpret_cast<const char*>(data + at), n, used);
    if (used > n) __builtin_trap();
    if (s == loadgate::http1::ResponseParser::State::kError) return 0;
    at += used;
    if (s == loadgate::http1::ResponseParser::State::kComplete) {
      if (p.body().size() > 64 || p.reason().size() > 256) __builtin_trap();  // caps hold
      p.reset(head);
      ++responses;
    } else if (used < n) {
      return 0;
    }
  }
  p.eof();
  return 0;
}
