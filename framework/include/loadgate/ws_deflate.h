// ws_deflate.h (protocol layer): permessage-deflate (RFC 7692) for the WebSocket codec, both
// sides, no I/O: the negotiation's header values, and a message compressor and decompressor over
// zlib (raw DEFLATE, each message ended by a sync flush whose 00 00 FF FF tail is not sent).
//
//   client: offer kDeflateOffer; answer = parse_deflate(header, true, error) -> terms
//   server: offer = parse_deflate(header, false, error); answer = deflate_answer(*offer)
//   both:   Deflater out(terms.window_bits(we_are_server), terms.no_takeover(we_are_server));
//           Inflater in;  out.compress(message, frame_payload);  in.inflate(payload, message, max)
//
// Why zlib by hand and not websocketpp's extension: the frames are loadgate's own codec
// (ws_frame.h says why), and the extension is the same thirty lines of deflate()/inflate()
// around it either way.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace loadgate::ws {

/// The offer a client sends (Sec-WebSocket-Extensions): the extension with the server's
/// choice of the client's window.
inline constexpr std::string_view kDeflateOffer = "permessage-deflate; client_max_window_bits";

/// DeflateTerms are permessage-deflate's parameters (RFC 7692 7.1): an offer's, or what an
/// answer settled.
struct DeflateTerms {
  bool server_no_context_takeover = false;  ///< the server starts each message afresh
  bool client_no_context_takeover = false;  ///< the client starts each message afresh
  int server_max_window_bits = 15;          ///< LZ77 window of the server's compressor (8..15)
  int client_max_window_bits = 15;          ///< LZ77 window of the client's compressor (8..15)

  /// The window (bits) of `server`'s side's compressor.
  int window_bits(bool server) const { return server ? server_max_window_bits : client_max_window_bits; }
  /// Whether `server`'s side's compressor starts each message afresh.
  bool no_takeover(bool server) const { return server ? server_no_context_takeover : client_no_context_takeover; }
};

/// Reads the first permessage-deflate element of a Sec-WebSocket-Extensions value: a server's
/// answer (`from_server`) or a client's offer. nullopt when there is none, or when it is
/// malformed (unknown or repeated parameter, window outside 8..15, a client window in an answer
/// to an offer without one): then `error` says what, else it is left empty.
std::optional<DeflateTerms> parse_deflate(std::string_view header, bool from_server, std::string& error);

/// The server's answer accepting `offer`: the Sec-WebSocket-Extensions value, or "" when the
/// offer asks for a window of 8 bits for the server (zlib cannot compress with one).
std::string deflate_answer(const DeflateTerms& offer);

/// Deflater compresses one side's messages.
class Deflater {
 public:
  /// `window_bits` 9..15 (8 is refused by the negotiation); `no_takeover`: each message afresh.
  Deflater(int window_bits, bool no_takeover);
  ~Deflater();
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;
  /// Replaces `out` with `message` compressed: the payload of a frame sent with RSV1.
  void compress(std::string_view message, std::string& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  bool no_takeover_;
};

/// Inflater decompresses the messages of the other side (any window up to 15 bits).
class Inflater {
 public:
  Inflater();
  ~Inflater();
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  /// Replaces `out` with the message whose compressed payload is `payload`. False (and `error`
  /// set) when the data are not DEFLATE or the message would pass `max` bytes.
  bool inflate(std::string_view payload, std::string& out, uint64_t max, std::string& error);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace loadgate::ws
