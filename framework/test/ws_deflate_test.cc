// ws_deflate_test.cc: permessage-deflate (RFC 7692): the negotiation's header values, the RFC's
// example messages byte for byte, and compressed messages through the frame reader.
#include "loadgate/ws_deflate.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "loadgate/ws_frame.h"

namespace loadgate::ws {
namespace {

std::string bytes(std::initializer_list<unsigned char> b) { return std::string(b.begin(), b.end()); }

// ---- negotiation ----------------------------------------------------------------------------

struct TermsRow {
  const char* header;
  bool from_server;
  bool found;              // a permessage-deflate element that parses
  bool error;              // ... or one that does not
  int server_bits, client_bits;
  bool server_fresh, client_fresh;
};

TEST(WsDeflate, ParsesOffersAndAnswers) {
  for (const TermsRow& row : {
           TermsRow{"permessage-deflate", true, true, false, 15, 15, false, false},
           TermsRow{"permessage-deflate; client_max_window_bits", false, true, false, 15, 15, false, false},
           TermsRow{"x-webkit-deflate-frame, permessage-deflate; server_max_window_bits=10", false, true, false, 10, 15, false, false},
           TermsRow{"PerMessage-Deflate ; Server_No_Context_Takeover ; client_no_context_takeover", true, true, false, 15, 15, true, true},
           TermsRow{"permessage-deflate; client_max_window_bits=\"12\"", true, true, false, 15, 12, false, false},
           TermsRow{"x-webkit-deflate-frame", true, false, false, 15, 15, false, false},
           TermsRow{"", true, false, false, 15, 15, false, false},
           TermsRow{"permessage-deflate; client_max_window_bits", true, false, true, 0, 0, false, false},
           TermsRow{"permessage-deflate; server_max_window_bits=16", true, false, true, 0, 0, false, false},
           TermsRow{"permessage-deflate; server_max_window_bits=7", false, false, true, 0, 0, false, false},
           TermsRow{"permessage-deflate; server_no_context_takeover; server_no_context_takeover", true, false, true, 0, 0, false, false},
           TermsRow{"permessage-deflate; server_no_context_takeover=1", true, false, true, 0, 0, false, false},
           TermsRow{"permessage-deflate; mystery", true, false, true, 0, 0, false, false},
       }) {
    std::string error;
    const auto t = parse_deflate(row.header, row.from_server, error);
    EXPECT_EQ(t.has_value(), row.found) << row.header;
    EXPECT_EQ(!error.empty(), row.error) << row.header << ": " << error;
    if (!t) continue;
    EXPECT_EQ(t->server_max_window_bits, row.server_bits) << row.header;
    EXPECT_EQ(t->client_max_window_bits, row.client_bits) << row.header;
    EXPECT_EQ(t->server_no_context_takeover, row.server_fresh) << row.header;
    EXPECT_EQ(t->client_no_context_takeover, row.client_fresh) << row.header;
  }
}

TEST(WsDeflate, TheAnswerRepeatsWhatTheOfferAskedOfTheServer) {
  std::string error;
  EXPECT_EQ(deflate_answer(*parse_deflate(kDeflateOffer, false, error)), "permessage-deflate");
  EXPECT_EQ(deflate_answer(*parse_deflate("permessage-deflate; server_no_context_takeover; server_max_window_bits=10", false, error)),
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=10");
  EXPECT_EQ(deflate_answer(*parse_deflate("permessage-deflate; server_max_window_bits=8", false, error)), "")
      << "zlib cannot compress with a window of 8 bits: declined";
  // Our answer is one our client reads back.
  const auto back = parse_deflate(deflate_answer(*parse_deflate("permessage-deflate; client_no_context_takeover", false, error)),
                                  true, error);
  ASSERT_TRUE(back.has_value()) << error;
  EXPECT_TRUE(back->client_no_context_takeover);
}

// ---- messages --------------------------------------------------------------------------------

TEST(WsDeflate, InflatesTheRfcExamples) {
  // RFC 7692 7.2.3.1 and 7.2.3.2: "Hello" alone, then again referring to the first.
  Inflater in;
  std::string out, error;
  ASSERT_TRUE(in.inflate(bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}), out, 1024, error)) << error;
  EXPECT_EQ(out, "Hello");
  ASSERT_TRUE(in.inflate(bytes({0xf2, 0x00, 0x11, 0x00, 0x00}), out, 1024, error)) << error;
  EXPECT_EQ(out, "Hello") << "the second message uses the first one's window";
  // 7.2.3.4: "Hello" in a stored (uncompressed) block; 7.2.3.5: two DEFLATE blocks, one message.
  Inflater stored;
  ASSERT_TRUE(stored.inflate(bytes({0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00}), out, 1024, error)) << error;
  EXPECT_EQ(out, "Hello");
  Inflater two;
  ASSERT_TRUE(two.inflate(bytes({0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00}), out, 1024, error))
      << error;
  EXPECT_EQ(out, "Hello");
}

TEST(WsDeflate, CompressesTheRfcExample) {
  Deflater d(15, false);
  std::string out;
  d.compress("Hello", out);
  EXPECT_EQ(out, bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}));
}

struct RoundTripRow {
  int window;
  bool fresh;  // no context takeover
};

TEST(WsDeflate, MessagesRoundTripWithAndWithoutContextTakeover) {
  const std::vector<std::string> messages = {"", "a", std::string(100000, 'x'), "Hello", "Hello", std::string(70000, '\xff'),
                                             std::string("\0\1\2\3", 4)};
  for (const RoundTripRow& row : {RoundTripRow{15, false}, RoundTripRow{15, true}, RoundTripRow{9, false}, RoundTripRow{9, true}}) {
    Deflater d(row.window, row.fresh);
    Inflater in;
    size_t wire = 0;
    for (const std::string& m : messages) {
      std::string packed, back, error;
      d.compress(m, packed);
      wire += packed.size();
      ASSERT_TRUE(in.inflate(packed, back, 1 << 20, error)) << row.window << ": " << error;
      EXPECT_EQ(back, m) << "window " << row.window << (row.fresh ? ", fresh" : "");
    }
    EXPECT_LT(wire, 2000u) << "repetitive messages compress";
  }
  // Without context takeover, a message inflates on its own (a fresh inflater).
  Deflater d(15, true);
  std::string first, second, back, error;
  d.compress("Hello", first);
  d.compress("Hello", second);
  EXPECT_EQ(first, second);
  Inflater fresh;
  ASSERT_TRUE(fresh.inflate(second, back, 1024, error)) << error;
  EXPECT_EQ(back, "Hello");
}

TEST(WsDeflate, BadDataAndBombsAreRefused) {
  Inflater in;
  std::string out, error;
  EXPECT_FALSE(in.inflate(bytes({0xff, 0xff, 0xff, 0xff}), out, 1024, error));
  EXPECT_NE(error.find("permessage-deflate"), std::string::npos) << error;
  Deflater d(15, false);
  std::string packed;
  d.compress(std::string(1 << 20, 'z'), packed);  // a megabyte in about a kilobyte
  Inflater small;
  EXPECT_FALSE(small.inflate(packed, out, 64 * 1024, error));
  EXPECT_EQ(error, "permessage-deflate: a message larger than the limit");
}

// ---- through the frame reader ----------------------------------------------------------------

std::vector<std::string> messages(MessageReader& r, std::string data) {
  std::vector<std::string> out;
  r.consume(data.data(), data.size(), [&](const Event& e) {
    if (e.type == Event::kMessage) out.emplace_back(e.payload);
  });
  return out;
}

TEST(WsDeflate, TheReaderInflatesWholeAndFragmentedMessages) {
  Inflater in;
  MessageReader r(Role::kClient, 1 << 20);
  r.inflate_with(&in);
  // RFC 7692 7.2.3.1 (one frame, RSV1) and 7.2.3.3 (two fragments, RSV1 on the first), and an
  // uncompressed message between them (RSV1 clear).
  const std::string whole = bytes({0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00});
  const std::string plain = bytes({0x81, 0x02, 'h', 'i'});
  const std::string fragments = bytes({0x41, 0x03, 0xf2, 0x48, 0xcd, 0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00});
  Inflater fresh;  // the fragments are a stream of their own in the RFC
  MessageReader r2(Role::kClient, 1 << 20);
  r2.inflate_with(&fresh);
  EXPECT_EQ(messages(r, whole + plain), (std::vector<std::string>{"Hello", "hi"}));
  EXPECT_EQ(messages(r2, fragments), (std::vector<std::string>{"Hello"}));
  EXPECT_EQ(r.failed(), 0);
  EXPECT_EQ(r2.failed(), 0);
}

struct RsvRow {
  const char* what;
  bool negotiated;
  std::string frames;
  uint16_t code;
};

TEST(WsDeflate, TheReaderRefusesRsv1WhereItCannotBe) {
  const std::string hello = bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00});
  for (const RsvRow& row : {
           RsvRow{"RSV1 not negotiated", false, bytes({0xc1, 0x07}) + hello, kCloseProtocolError},
           RsvRow{"RSV1 on a ping", true, bytes({0xc9, 0x00}), kCloseProtocolError},
           RsvRow{"RSV1 on a continuation", true, bytes({0x41, 0x03, 0xf2, 0x48, 0xcd, 0xc0, 0x04, 0xc9, 0xc9, 0x07, 0x00}),
                  kCloseProtocolError},
           RsvRow{"RSV2", true, bytes({0xa1, 0x00}), kCloseProtocolError},
           RsvRow{"not DEFLATE", true, bytes({0xc1, 0x02, 0xff, 0xff}), kCloseInvalidData},
           RsvRow{"an empty compressed message is fine", true, bytes({0xc2, 0x00}), 0},
       }) {
    Inflater in;
    MessageReader r(Role::kClient, 1 << 20);
    if (row.negotiated) r.inflate_with(&in);
    messages(r, row.frames);
    EXPECT_EQ(r.failed(), row.code) << row.what << ": " << r.error();
  }
  // Text that inflates to bytes that are not UTF-8 fails with 1007.
  Deflater d(15, false);
  std::string packed;
  d.compress("\xC3\x28", packed);
  std::string frame;
  append_frame(frame, Opcode::kText, packed, true, false, 0, true);
  Inflater in;
  MessageReader r(Role::kClient, 1 << 20);
  r.inflate_with(&in);
  messages(r, frame);
  EXPECT_EQ(r.failed(), kCloseInvalidData) << r.error();
}

}  // namespace
}  // namespace loadgate::ws
