// response_parser_test.cc: HTTP/1.x responses fed whole and byte by byte, as tables.
#include "protocol/http/response_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace loadgate::http1 {
namespace {

struct Row {
  const char* name;
  std::string bytes;   // what the server sent
  bool head;           // the request was HEAD
  bool closed;         // the server closed after the bytes
  bool complete;       // a whole response
  int status;          // its status
  uint64_t body;       // body bytes
  std::string location;
  size_t rest;         // bytes after the response, left unconsumed
};

// Feeds `r.bytes` in pieces of `chunk` bytes, as reads would deliver them.
ResponseParser::State feed(ResponseParser& p, const Row& r, size_t chunk, size_t& consumed_total) {
  consumed_total = 0;
  for (size_t at = 0; at < r.bytes.size();) {
    const size_t n = std::min(chunk, r.bytes.size() - at);
    size_t used = 0;
    const auto s = p.feed(r.bytes.data() + at, n, used);
    consumed_total += used;
    if (s != ResponseParser::State::kMore) return s;
    at += n;
  }
  return r.closed ? p.eof() : ResponseParser::State::kMore;
}

class Parse : public ::testing::TestWithParam<Row> {};

TEST_P(Parse, WholeAndByteByByteAgree) {
  const Row& r = GetParam();
  for (size_t chunk : {r.bytes.size() + 1, size_t{1}, size_t{7}}) {
    ResponseParser p;
    p.reset(r.head);
    size_t consumed = 0;
    const auto s = feed(p, r, chunk, consumed);
    if (!r.complete) {
      EXPECT_NE(s, ResponseParser::State::kComplete) << r.name << " chunk " << chunk;
      continue;
    }
    ASSERT_EQ(s, ResponseParser::State::kComplete) << r.name << " chunk " << chunk << ": " << p.error();
    EXPECT_EQ(p.status(), r.status) << r.name;
    EXPECT_EQ(p.body_bytes(), r.body) << r.name;
    EXPECT_EQ(p.location(), r.location) << r.name;
    EXPECT_EQ(r.bytes.size() - consumed, r.rest) << r.name << " chunk " << chunk;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, Parse,
    ::testing::Values(
        Row{"length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", false, false, true, 200, 5, "", 0},
        Row{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", false,
            false, true, 200, 5, "", 0},
        Row{"head has no body", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", true, false, true, 200, 0, "", 0},
        Row{"close-delimited", "HTTP/1.0 200 OK\r\n\r\nuntil the end", false, true, true, 200, 13, "", 0},
        Row{"redirect", "HTTP/1.1 302 Found\r\nlocation: /next\r\nContent-Length: 0\r\n\r\n", false, false, true, 302,
            0, "/next", 0},
        Row{"pipelined bytes stay", "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200", false, false, true, 204, 0, "", 12},
        Row{"truncated body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", false, true, false, 0, 0, "", 0},
        Row{"garbage", "SSH-2.0-OpenSSH\r\n", false, false, false, 0, 0, "", 0},
        Row{"conflicting framing", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", false,
            false, false, 0, 0, "", 0}));

TEST(ResponseParser, KeepsAndCountsTheBodyWithinCaps) {
  ResponseParser p;
  p.reset(false, /*count_max=*/4, /*keep=*/3);
  const std::string bytes = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";
  size_t used = 0;
  ASSERT_EQ(p.feed(bytes.data(), bytes.size(), used), ResponseParser::State::kComplete);
  EXPECT_EQ(p.body_bytes(), 4u);
  EXPECT_EQ(p.body(), "012");
}

TEST(ResponseParser, HugeHeadersAreAnErrorNotMemory) {
  ResponseParser p;
  p.reset(false);
  const std::string head = "HTTP/1.1 200 OK\r\nX-Big: ";
  size_t used = 0;
  ASSERT_EQ(p.feed(head.data(), head.size(), used), ResponseParser::State::kMore);
  const std::string chunk(64 * 1024, 'x');
  ResponseParser::State s = ResponseParser::State::kMore;
  for (int i = 0; i < 160 && s == ResponseParser::State::kMore; ++i) s = p.feed(chunk.data(), chunk.size(), used);
  EXPECT_EQ(s, ResponseParser::State::kError) << "10 MB of header is refused";
  EXPECT_LE(p.reason().size(), 256u);
}

}  // namespace
}  // namespace loadgate::http1
