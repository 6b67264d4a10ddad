// ws_frame.h (protocol layer): the RFC 6455 frame codec, no I/O: frames appended to a buffer, and messages and
// control frames parsed out of a buffer in place (payloads unmasked where they lie, no copy for
// a message in one frame).
//
//   std::string out;
//   loadgate::ws::append_frame(out, loadgate::ws::Opcode::kText, "hello", true, mask_key);
//
//   loadgate::ws::MessageReader reader(loadgate::ws::Role::kServer, 1 << 20);
//   size_t used = reader.consume(buf, n, [](const loadgate::ws::Event& e) { ... });
//   // the bytes from `used` on are the start of a frame not yet whole: keep them
//
// Why written here and not taken from websocketpp or Boost.Beast: the cost per message is the
// whole question for a load generator (issue #23). Measured by ci/bench-ws on this kind of
// machine (2 cores, server on CPU 0, client on CPU 1, 1000 connections): the websocketpp client
// and server moved 190,000 round trips/s unpaced and held no paced rate of 20,000/s (its
// message objects are allocated and the payload copied per frame, its handlers are
// std::functions called per message, each frame is written on its own); with this codec the
// pair moves 393,000/s unpaced and holds 20,000/s with the client at 0.47 of a core, no more
// than a bare epoll loop of one send() and one recv() per message (bench/tcp_echo_floor, 0.56).
// With the floor that close, no other codec had anything left to win: Boost.Beast was not
// measured, and would have brought Boost.Asio's second io_context model beside the engine's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace loadgate::ws {

/// Opcode of a frame (RFC 6455 5.2).
enum class Opcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

/// Role says which side a MessageReader parses for: a server reads masked frames, a client
/// unmasked ones (RFC 6455 5.1: anything else fails the connection).
enum class Role : uint8_t { kClient, kServer };

/// Close codes this codec produces (RFC 6455 7.4.1).
enum CloseCode : uint16_t {
  kCloseNormal = 1000,
  kCloseGoingAway = 1001,
  kCloseProtocolError = 1002,
  kCloseUnsupported = 1003,
  kCloseNoStatus = 1005,     ///< never sent: a close frame without a code
  kCloseAbnormal = 1006,     ///< never sent: the connection ended without a close frame
  kCloseInvalidData = 1007,  ///< text that is not UTF-8
  kClosePolicy = 1008,
  kCloseTooBig = 1009,
};

/// The longest frame header: 2 bytes, 8 of extended length, 4 of masking key.
inline constexpr size_t kMaxFrameHeader = 14;

/// The payload of a Close frame: `code` (big-endian) and `reason` cut to the 123 bytes a control
/// frame leaves it; empty for code 0 (a close without a status).
std::string close_payload(uint16_t code, std::string_view reason);

/// Appends one frame to `out`: `op`, FIN when `fin`, and `payload`, masked with `mask_key`
/// (the key's 4 bytes in memory order) when `masked` (a client's frames must be).
/// `compressed`: the payload is a permessage-deflate message (RSV1 set; first frame only).
void append_frame(std::string& out, Opcode op, std::string_view payload, bool fin = true, bool masked = false,
                  uint32_t mask_key = 0, bool compressed = false);

/// Appends the header of a frame of `length` payload bytes; the caller appends the payload and,
/// when masked, masks it with apply_mask(). Returns the header's size.
size_t append_frame_header(std::string& out, Opcode op, uint64_t length, bool fin, bool masked, uint32_t mask_key,
                           bool compressed = false);

/// XORs `n` bytes at `data` with the masking key, as if they started `offset` bytes into a
/// payload (so a payload can be unmasked in pieces). Masking and unmasking are the same.
void apply_mask(char* data, size_t n, uint32_t mask_key, size_t offset = 0);

/// Whether `text` is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, at most U+10FFFF).
bool valid_utf8(std::string_view text);

/// Event is one thing a MessageReader found: a whole message, or a control frame.
struct Event {
  /// What was found.
  enum Type : uint8_t {
    kMessage,  ///< a whole text or binary message (`opcode`, `payload`)
    kPing,     ///< a ping (`payload`: answer it with a pong carrying the same bytes)
    kPong,     ///< a pong
    kClose,    ///< a close frame (`code`, `payload` = the reason; code kCloseNoStatus when empty)
  } type = kMessage;
  Opcode opcode = Opcode::kText;  ///< kText or kBinary for a message
  std::string_view payload;       ///< valid until the next consume() call
  uint16_t code = 0;              ///< close code
};

class Inflater;

/// MessageReader parses frames from a connection's bytes, in place, and assembles fragmented
/// messages (control frames may come between fragments). After a protocol error it reads
/// nothing more: failed() holds the close code to send and error() what was wrong.
class MessageReader {
 public:
  /// `max_message`: the largest message (bytes) accepted; larger fails with kCloseTooBig.
  MessageReader(Role role, uint64_t max_message);

  /// Parses every whole frame at the start of data[0, n), unmasking payloads in place, and
  /// calls `on(const Event&)` for each message and control frame, in order. Returns the bytes
  /// consumed: the rest is the start of a frame, to be passed again with more bytes after it.
  /// Stops early after an error or once a close frame was read.
  template <class On>
  size_t consume(char* data, size_t n, On&& on) {
    size_t used = 0;
    Event e;
    while (!failed() && !closed_) {
      const size_t step = next(data + used, n - used, e);
      if (step == 0) break;
      used += step;
      if (ready_) {
        ready_ = false;
        on(static_cast<const Event&>(e));
      }
    }
    return used;
  }

  /// Takes messages compressed by permessage-deflate (RSV1 on their first frame, ws_deflate.h):
  /// `in` (the caller's, outliving the reader) inflates them before they are delivered; the
  /// size limit and the UTF-8 check apply to the inflated message. nullptr: RSV1 is an error.
  void inflate_with(Inflater* in) { inflater_ = in; }

  /// Bytes the frame at the start of the unconsumed data needs in all, header included, once
  /// its header is known (0 before): a caller whose buffer is smaller grows it to this.
  uint64_t frame_size() const { return frame_size_; }
  /// The close code to send after a protocol error (kCloseProtocolError, kCloseTooBig,
  /// kCloseInvalidData); 0 while none happened.
  uint16_t failed() const { return failed_; }
  /// What the error was ("reserved bits set", ...), after failed().
  const std::string& error() const { return error_; }
  /// Whether a close frame was read (nothing after it is parsed).
  bool closed() const { return closed_; }

 private:
  size_t next(char* data, size_t n, Event& e);
  size_t fail(uint16_t code, const char* why);
  size_t fail(uint16_t code, const std::string& why) { return fail(code, why.c_str()); }
  bool deliver(Opcode op, std::string_view bytes, bool compressed, Event& e);
  Role role_;
  uint64_t max_message_;
  uint64_t frame_size_ = 0;
  std::string fragments_;  // the message assembled so far
  Opcode fragmented_ = Opcode::kContinuation;  // kText or kBinary while a message is fragmented
  bool ready_ = false;                          // next() filled an event
  bool delivered_fragments_ = false;            // fragments_ was handed out: clear it next
  bool closed_ = false;
  bool compressed_ = false;                     // the message being assembled came with RSV1
  Inflater* inflater_ = nullptr;                // permessage-deflate, when negotiated
  std::string inflated_;                        // the last compressed message, inflated
  uint16_t failed_ = 0;
  std::string error_;
};

}  // namespace loadgate::ws
