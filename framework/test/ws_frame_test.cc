// ws_frame_test.cc: the RFC 6455 frame codec and opening handshake, byte for byte.
#include "loadgate/ws_frame.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "loadgate/ws_handshake.h"

namespace loadgate::ws {
namespace {

constexpr uint32_t kKey = 0x37FA213D;  // bytes 3D 21 FA 37 in memory order

// Everything one consume() call reported, copied out.
struct Seen {
  Event::Type type;
  Opcode opcode;
  std::string payload;
  uint16_t code;
};

std::vector<Seen> parse(MessageReader& r, std::string& bytes, size_t* used = nullptr) {
  std::vector<Seen> out;
  const size_t n = r.consume(bytes.data(), bytes.size(), [&](const Event& e) {
    out.push_back({e.type, e.opcode, std::string(e.payload), e.code});
  });
  if (used) *used = n;
  return out;
}

std::string frame(Opcode op, std::string_view payload, bool fin = true, bool masked = true) {
  std::string out;
  append_frame(out, op, payload, fin, masked, kKey);
  return out;
}

// ---- encoding --------------------------------------------------------------------------------

struct HeaderRow {
  uint64_t length;
  size_t header;       // header bytes, mask key included
  unsigned char len7;  // the 7-bit length field
};

TEST(WsFrame, HeaderLengthsAtEveryBoundary) {
  for (const HeaderRow& row : {
           HeaderRow{0, 6, 0},
           HeaderRow{125, 6, 125},      // the longest 7-bit length
           HeaderRow{126, 8, 126},      // the shortest 16-bit length
           HeaderRow{65535, 8, 126},    // the longest 16-bit length
           HeaderRow{65536, 14, 127},   // the shortest 64-bit length
       }) {
    std::string out;
    EXPECT_EQ(append_frame_header(out, Opcode::kBinary, row.length, true, true, kKey), row.header) << row.length;
    ASSERT_EQ(out.size(), row.header);
    EXPECT_EQ(static_cast<unsigned char>(out[0]), 0x82) << "FIN and binary";
    EXPECT_EQ(static_cast<unsigned char>(out[1]), 0x80 | row.len7) << row.length;
    uint64_t encoded = row.len7;
    if (row.len7 == 126) encoded = static_cast<unsigned char>(out[2]) << 8 | static_cast<unsigned char>(out[3]);
    if (row.len7 == 127) {
      encoded = 0;
      for (int k = 2; k < 10; ++k) encoded = encoded << 8 | static_cast<unsigned char>(out[k]);
    }
    EXPECT_EQ(encoded, row.length);
    EXPECT_EQ(out.substr(row.header - 4), std::string("\x3D\x21\xFA\x37", 4)) << "the key, in memory order";
  }
}

TEST(WsFrame, RfcExampleFrames) {
  // RFC 6455 5.7: a single-frame unmasked text "Hello", and the same masked with 37 fa 21 3d.
  EXPECT_EQ(frame(Opcode::kText, "Hello", true, false), std::string("\x81\x05Hello"));
  std::string masked;
  uint32_t key = 0;
  std::memcpy(&key, "\x37\xfa\x21\x3d", 4);
  append_frame(masked, Opcode::kText, "Hello", true, true, key);
  EXPECT_EQ(masked, std::string("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 11));
  // A fragmented "Hel" + "lo", and an unmasked ping with "Hello".
  EXPECT_EQ(frame(Opcode::kText, "Hel", false, false), std::string("\x01\x03Hel"));
  EXPECT_EQ(frame(Opcode::kContinuation, "lo", true, false), std::string("\x80\x02lo"));
  EXPECT_EQ(frame(Opcode::kPing, "Hello", true, false), std::string("\x89\x05Hello"));
}

TEST(WsFrame, MaskingInPiecesEqualsMaskingWhole) {
  std::string whole(1000, '\0');
  for (size_t i = 0; i < whole.size(); ++i) whole[i] = static_cast<char>(i * 7);
  std::string pieces = whole;
  apply_mask(whole.data(), whole.size(), kKey);
  size_t at = 0;
  for (size_t len : {1, 2, 3, 5, 8, 13, 21, 34, 55, 89}) {  // odd offsets and lengths
    apply_mask(pieces.data() + at, len, kKey, at);
    at += len;
  }
  apply_mask(pieces.data() + at, pieces.size() - at, kKey, at);
  EXPECT_TRUE(pieces == whole) << "masking in pieces differs from masking whole";
  apply_mask(whole.data(), whole.size(), kKey);
  for (size_t i = 0; i < whole.size(); ++i) ASSERT_EQ(whole[i], static_cast<char>(i * 7)) << "masking twice is identity";
}

// ---- parsing -------------------------------------------------------------------------------

TEST(WsFrame, RoundTripsAtEveryLengthBoundary) {
  for (size_t n : {0, 1, 125, 126, 127, 65535, 65536, 100000}) {
    for (Opcode op : {Opcode::kText, Opcode::kBinary}) {
      std::string payload(n, 'a');
      for (size_t i = 0; i < n; ++i) payload[i] = static_cast<char>('a' + i % 26);
      std::string bytes = frame(op, payload);
      MessageReader server(Role::kServer, 1 << 20);
      size_t used = 0;
      auto seen = parse(server, bytes, &used);
      ASSERT_EQ(seen.size(), 1u) << n;
      EXPECT_EQ(used, bytes.size());
      EXPECT_EQ(seen[0].type, Event::kMessage);
      EXPECT_EQ(seen[0].opcode, op);
      EXPECT_EQ(seen[0].payload, payload) << n;
      EXPECT_EQ(server.failed(), 0) << server.error();
    }
  }
}

TEST(WsFrame, PartialFramesWaitForTheirBytes) {
  std::string bytes = frame(Opcode::kBinary, std::string(300, 'z')) + frame(Opcode::kText, "next");
  MessageReader server(Role::kServer, 1 << 20);
  const size_t first = 2 + 2 + 4 + 300;
  // Every prefix shorter than the first frame yields nothing and consumes nothing.
  for (size_t k = 0; k < first; k += 7) {
    std::string part = bytes.substr(0, k);
    size_t used = 99;
    EXPECT_TRUE(parse(server, part, &used).empty()) << k;
    EXPECT_EQ(used, 0u) << k;
    if (k >= 4) EXPECT_EQ(server.frame_size(), first) << "the size is known once the header is";
  }
  std::string part = bytes.substr(0, first + 3);
  size_t used = 0;
  auto seen = parse(server, part, &used);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(used, first);
  std::string rest = bytes.substr(first);
  seen = parse(server, rest, &used);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].payload, "next");
}

TEST(WsFrame, ControlFramesBetweenFragments) {
  std::string bytes = frame(Opcode::kText, "frag", false) + frame(Opcode::kPing, "p1") +
                      frame(Opcode::kContinuation, "men", false) + frame(Opcode::kPong, "") +
                      frame(Opcode::kContinuation, "ted") + frame(Opcode::kBinary, "whole");
  MessageReader server(Role::kServer, 1 << 20);
  auto seen = parse(server, bytes);
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].type, Event::kPing);
  EXPECT_EQ(seen[0].payload, "p1");
  EXPECT_EQ(seen[1].type, Event::kPong);
  EXPECT_EQ(seen[2].type, Event::kMessage);
  EXPECT_EQ(seen[2].opcode, Opcode::kText);
  EXPECT_EQ(seen[2].payload, "fragmented");
  EXPECT_EQ(seen[3].opcode, Opcode::kBinary);
  EXPECT_EQ(seen[3].payload, "whole") << "the next message starts afresh";
}

TEST(WsFrame, CloseFramesCarryCodeAndReason) {
  std::string with_code = frame(Opcode::kClose, std::string("\x03\xE9", 2) + "going away");  // 1001
  MessageReader a(Role::kServer, 1024);
  auto seen = parse(a, with_code);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].type, Event::kClose);
  EXPECT_EQ(seen[0].code, 1001);
  EXPECT_EQ(seen[0].payload, "going away");
  EXPECT_TRUE(a.closed());
  std::string empty = frame(Opcode::kClose, "") + frame(Opcode::kText, "after");
  MessageReader b(Role::kServer, 1024);
  seen = parse(b, empty);
  ASSERT_EQ(seen.size(), 1u) << "nothing is read after a close";
  EXPECT_EQ(seen[0].code, kCloseNoStatus);
}

struct BadRow {
  const char* what;
  Role role;
  std::string bytes;
  uint16_t code;
};

TEST(WsFrame, ProtocolErrorsFailWithTheirCloseCode) {
  std::string huge_len("\x82\x7F\x80\x00\x00\x00\x00\x00\x00\x00", 10);
  std::string long_ping = frame(Opcode::kPing, std::string(126, 'p'));
  std::string frag_ping = frame(Opcode::kPing, "p", false);
  for (const BadRow& row : {
           BadRow{"reserved bits", Role::kServer, std::string("\xC1\x80\0\0\0\0", 6), kCloseProtocolError},
           BadRow{"opcode 3", Role::kServer, std::string("\x83\x80\0\0\0\0", 6), kCloseProtocolError},
           BadRow{"opcode 0xB", Role::kClient, std::string("\x8B\x00", 2), kCloseProtocolError},
           BadRow{"unmasked to a server", Role::kServer, frame(Opcode::kText, "x", true, false), kCloseProtocolError},
           BadRow{"masked to a client", Role::kClient, frame(Opcode::kText, "x", true, true), kCloseProtocolError},
           BadRow{"ping of 126 bytes", Role::kServer, long_ping, kCloseProtocolError},
           BadRow{"fragmented ping", Role::kServer, frag_ping, kCloseProtocolError},
           BadRow{"continuation first", Role::kServer, frame(Opcode::kContinuation, "x"), kCloseProtocolError},
           BadRow{"message inside a fragmented one", Role::kServer,
                  frame(Opcode::kText, "a", false) + frame(Opcode::kText, "b"), kCloseProtocolError},
           BadRow{"64-bit length with the top bit", Role::kClient, huge_len, kCloseProtocolError},
           BadRow{"larger than the limit", Role::kServer, frame(Opcode::kBinary, std::string(2000, 'b')), kCloseTooBig},
           BadRow{"fragments larger than the limit", Role::kServer,
                  frame(Opcode::kBinary, std::string(600, 'b'), false) +
                      frame(Opcode::kContinuation, std::string(600, 'b')),
                  kCloseTooBig},
           BadRow{"text not UTF-8", Role::kServer, frame(Opcode::kText, "\xC3\x28"), kCloseInvalidData},
           BadRow{"fragmented text not UTF-8", Role::kServer,
                  frame(Opcode::kText, "\xE2\x82", false) + frame(Opcode::kContinuation, "\x28"), kCloseInvalidData},
           BadRow{"close of one byte", Role::kServer, frame(Opcode::kClose, "\x03"), kCloseProtocolError},
           BadRow{"close code 1005", Role::kServer, frame(Opcode::kClose, std::string("\x03\xED", 2)),
                  kCloseProtocolError},
           BadRow{"close code 999", Role::kServer, frame(Opcode::kClose, std::string("\x03\xE7", 2)),
                  kCloseProtocolError},
           BadRow{"close reason not UTF-8", Role::kServer, frame(Opcode::kClose, std::string("\x03\xE8\xFF", 3)),
                  kCloseInvalidData},
       }) {
    MessageReader r(row.role, 1024);
    std::string bytes = row.bytes;
    parse(r, bytes);
    EXPECT_EQ(r.failed(), row.code) << row.what;
    EXPECT_FALSE(r.error().empty()) << row.what;
    std::string more = frame(Opcode::kText, "x", true, row.role == Role::kServer);
    EXPECT_TRUE(parse(r, more).empty()) << row.what << ": nothing is read after an error";
  }
}

struct Utf8Row {
  const char* what;
  std::string text;
  bool valid;
};

TEST(WsFrame, Utf8Validation) {
  for (const Utf8Row& row : {
           Utf8Row{"empty", "", true},
           Utf8Row{"ASCII past eight bytes", "abcdefghijklmnop", true},
           Utf8Row{"two bytes", "caf\xC3\xA9", true},
           Utf8Row{"three bytes", "\xE2\x82\xAC", true},
           Utf8Row{"four bytes", "\xF0\x9F\x98\x80", true},
           Utf8Row{"U+10FFFF", "\xF4\x8F\xBF\xBF", true},
           Utf8Row{"overlong two", "\xC0\x80", false},
           Utf8Row{"overlong three", "\xE0\x80\x80", false},
           Utf8Row{"surrogate", "\xED\xA0\x80", false},
           Utf8Row{"past U+10FFFF", "\xF4\x90\x80\x80", false},
           Utf8Row{"lone continuation", "\x80", false},
           Utf8Row{"truncated", "abcdefgh\xE2\x82", false},
       })
    EXPECT_EQ(valid_utf8(row.text), row.valid) << row.what;
}

// ---- handshake -------------------------------------------------------------------------------

TEST(WsHandshake, AcceptKeyOfTheRfcExample) {
  EXPECT_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");  // RFC 6455 1.3
  const unsigned char random[16] = {'t', 'h', 'e', ' ', 's', 'a', 'm', 'p', 'l', 'e', ' ', 'n', 'o', 'n', 'c', 'e'};
  EXPECT_EQ(make_key(random), "dGhlIHNhbXBsZSBub25jZQ==");
}

TEST(WsHandshake, ClientRequestIsReadByTheServerSide) {
  const std::string req = client_request("h:8000", "/echo?room=a", "dGhlIHNhbXBsZSBub25jZQ==",
                                         {{"Authorization", "Bearer t"}}, "chat");
  RequestReader r;
  size_t used = 0;
  // Fed in two pieces, as a socket may deliver it.
  ASSERT_EQ(r.feed(req.data(), 10, used), ParseState::kMore);
  EXPECT_EQ(used, 10u);
  ASSERT_EQ(r.feed(req.data() + 10, req.size() - 10, used), ParseState::kDone);
  EXPECT_EQ(used, req.size() - 10);
  EXPECT_EQ(r.refusal(), 0) << r.error();
  EXPECT_EQ(r.resource(), "/echo?room=a");
  EXPECT_EQ(r.key(), "dGhlIHNhbXBsZSBub25jZQ==");
  EXPECT_EQ(r.header("authorization"), "Bearer t");
  EXPECT_EQ(r.header("sec-websocket-protocol"), "chat");
}

struct RefusalRow {
  const char* what;
  std::string request;
  int status;
};

TEST(WsHandshake, BadRequestsAreRefused) {
  const std::string ok_key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
  for (const RefusalRow& row : {
           RefusalRow{"no upgrade", "GET / HTTP/1.1\r\nHost: h\r\n\r\n", 426},
           RefusalRow{"POST", "POST / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Version: 13\r\n" + ok_key + "Content-Length: 0\r\n\r\n", 400},
           RefusalRow{"version 8", "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                   "Sec-WebSocket-Version: 8\r\n" + ok_key + "\r\n", 426},
           RefusalRow{"short key", "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                   "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: abc\r\n\r\n", 400},
           RefusalRow{"HTTP/1.0", "GET / HTTP/1.0\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                  "Sec-WebSocket-Version: 13\r\n" + ok_key + "\r\n", 400},
       }) {
    RequestReader r;
    size_t used = 0;
    ASSERT_EQ(r.feed(row.request.data(), row.request.size(), used), ParseState::kDone) << row.what;
    EXPECT_EQ(r.refusal(), row.status) << row.what;
    EXPECT_FALSE(r.error().empty()) << row.what;
  }
  RequestReader garbage;
  size_t used = 0;
  EXPECT_EQ(garbage.feed("\x16\x03\x01 tls hello", 14, used), ParseState::kError);
}

TEST(WsHandshake, ResponseIsCheckedAndFramesAfterItAreLeft) {
  const std::string key = "dGhlIHNhbXBsZSBub25jZQ==";
  const std::string accept = accept_response(key);
  const std::string bytes = accept + frame(Opcode::kText, "hi", true, false);
  ResponseReader r;
  size_t used = 0;
  ASSERT_EQ(r.feed(bytes.data(), bytes.size(), used), ParseState::kDone);
  EXPECT_EQ(used, accept.size()) << "the frame after the head is not consumed";
  EXPECT_EQ(r.check(key, ""), "");
  EXPECT_EQ(r.check("AAAAAAAAAAAAAAAAAAAAAA==", ""), "handshake: wrong Sec-WebSocket-Accept");

  const std::string refused = refuse_response(403, "Forbidden");
  ResponseReader f;
  ASSERT_EQ(f.feed(refused.data(), refused.size(), used), ParseState::kDone);
  EXPECT_EQ(f.status(), 403);
  EXPECT_EQ(f.check(key, ""), "handshake: 403 Forbidden");

  const std::string chat = accept_response(key, "chat");
  ResponseReader c;
  ASSERT_EQ(c.feed(chat.data(), chat.size(), used), ParseState::kDone);
  EXPECT_EQ(c.check(key, "chat"), "");
  EXPECT_EQ(c.check(key, ""), "handshake: subprotocol \"chat\" was not asked for");
}

}  // namespace
}  // namespace loadgate::ws
