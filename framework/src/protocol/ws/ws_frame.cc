// ws_frame.cc: RFC 6455 frames, appended and parsed.
#include "loadgate/ws_frame.h"

#include <cstring>

#include "loadgate/ws_deflate.h"

namespace loadgate::ws {
namespace {

bool is_control(uint8_t op) { return op >= 0x8; }
bool is_known(uint8_t op) { return op <= 0x2 || (op >= 0x8 && op <= 0xA); }

// Close codes a peer may send (RFC 6455 7.4.1-7.4.2): 1000-1003, 1007-1014 and 3000-4999.
bool valid_close_code(uint16_t c) {
  return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999);
}

}  // namespace

size_t append_frame_header(std::string& out, Opcode op, uint64_t length, bool fin, bool masked, uint32_t mask_key,
                           bool compressed) {
  unsigned char h[kMaxFrameHeader];
  size_t n = 0;
  h[n++] = static_cast<unsigned char>((fin ? 0x80 : 0) | (compressed ? 0x40 : 0) | static_cast<uint8_t>(op));
  const unsigned char mask_bit = masked ? 0x80 : 0;
  if (length < 126) {
    h[n++] = static_cast<unsigned char>(mask_bit | length);
  } else if (length <= 0xFFFF) {
    h[n++] = mask_bit | 126;
    h[n++] = static_cast<unsigned char>(length >> 8);
    h[n++] = static_cast<unsigned char>(length);
  } else {
    h[n++] = mask_bit | 127;
    for (int shift = 56; shift >= 0; shift -= 8) h[n++] = static_cast<unsigned char>(length >> shift);
  }
  if (masked) {
    std::memcpy(h + n, &mask_key, 4);
    n += 4;
  }
  out.append(reinterpret_cast<const char*>(h), n);
  return n;
}

std::string close_payload(uint16_t code, std::string_view reason) {
  std::string payload;
  if (code != 0) {
    payload.push_back(static_cast<char>(code >> 8));
    payload.push_back(static_cast<char>(code & 0xFF));
    payload.append(reason.substr(0, 123));
  }
  return payload;
}

void append_frame(std::string& out, Opcode op, std::string_view payload, bool fin, bool masked, uint32_t mask_key,
                  bool compressed) {
  append_frame_header(out, op, payload.size(), fin, masked, mask_key, compressed);
  const size_t at = out.size();
  out.append(payload.data(), payload.size());
  if (masked) apply_mask(out.data() + at, payload.size(), mask_key);
}

void apply_mask(char* data, size_t n, uint32_t mask_key, size_t offset) {
  unsigned char key[4];
  std::memcpy(key, &mask_key, 4);
  size_t i = 0;
  // Bring the key into phase with the payload, then eight bytes at a time.
  for (; i < n && (offset + i) % 4 != 0; ++i) data[i] = static_cast<char>(data[i] ^ key[(offset + i) % 4]);
  uint64_t wide;
  std::memcpy(&wide, key, 4);
  std::memcpy(reinterpret_cast<char*>(&wide) + 4, key, 4);
  for (; i + 8 <= n; i += 8) {
    uint64_t v;
    std::memcpy(&v, data + i, 8);
    v ^= wide;
    std::memcpy(data + i, &v, 8);
  }
  for (; i < n; ++i) data[i] = static_cast<char>(data[i] ^ key[(offset + i) % 4]);
}

bool valid_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    // ASCII eight bytes at a time.
    if (i + 8 <= n) {
      uint64_t v;
      std::memcpy(&v, s + i, 8);
      if ((v & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;  // a continuation byte first, an overlong lead (C0, C1) or past U+10FFFF
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = cp << 6 | (s[i + k] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

MessageReader::MessageReader(Role role, uint64_t max_message) : role_(role), max_message_(max_message) {}

size_t MessageReader::fail(uint16_t code, const char* why) {
  failed_ = code;
  error_ = why;
  return 0;
}

// Reads one frame at `data` if it is whole. Returns its size (0 = not whole, or an error); sets
// ready_ and fills `e` when the frame completes a message or is a control frame.
size_t MessageReader::next(char* data, size_t n, Event& e) {
  frame_size_ = 0;
  if (delivered_fragments_) {  // the caller has seen the message assembled there
    fragments_.clear();
    delivered_fragments_ = false;
  }
  if (n < 2) return 0;
  const auto b0 = static_cast<uint8_t>(data[0]), b1 = static_cast<uint8_t>(data[1]);
  const bool fin = b0 & 0x80;
  const uint8_t op = b0 & 0x0F;
  const bool masked = b1 & 0x80;
  const bool rsv1 = b0 & 0x40;
  if (!is_known(op)) return fail(kCloseProtocolError, "unknown opcode");
  if ((b0 & 0x30) || (rsv1 && !inflater_)) return fail(kCloseProtocolError, "reserved bits set without an extension");
  if (rsv1 && (is_control(op) || op == 0))
    return fail(kCloseProtocolError, "RSV1 on a control frame or a continuation (permessage-deflate)");
  if (masked != (role_ == Role::kServer))
    return fail(kCloseProtocolError, role_ == Role::kServer ? "a client frame not masked" : "a server frame masked");
  size_t header = 2;
  uint64_t length = b1 & 0x7F;
  if (length == 126) {
    if (n < 4) return 0;
    length = static_cast<uint64_t>(static_cast<uint8_t>(data[2])) << 8 | static_cast<uint8_t>(data[3]);
    header = 4;
  } else if (length == 127) {
    if (n < 10) return 0;
    length = 0;
    for (int k = 2; k < 10; ++k) length = length << 8 | static_cast<uint8_t>(data[k]);
    if (length >> 63) return fail(kCloseProtocolError, "a 64-bit length with its top bit set");
    header = 10;
  }
  if (is_control(op) && (!fin || length > 125))
    return fail(kCloseProtocolError, fin ? "a control frame longer than 125 bytes" : "a fragmented control frame");
  if (!is_control(op)) {
    if (op == 0 && fragmented_ == Opcode::kContinuation) return fail(kCloseProtocolError, "a continuation with no message");
    if (op != 0 && fragmented_ != Opcode::kContinuation)
      return fail(kCloseProtocolError, "a new message inside a fragmented one");
    if (length > max_message_ || fragments_.size() + length > max_message_)
      return fail(kCloseTooBig, "a message larger than the limit");
  }
  frame_size_ = header + (masked ? 4 : 0) + length;
  uint32_t key = 0;
  if (masked) {
    if (n < header + 4) return 0;
    std::memcpy(&key, data + header, 4);
    header += 4;
  }
  if (n - header < length) return 0;
  char* payload = data + header;
  if (masked) apply_mask(payload, length, key);
  const std::string_view bytes(payload, length);

  if (is_control(op)) {
    e.opcode = static_cast<Opcode>(op);
    e.payload = bytes;
    e.code = 0;
    if (op == 0x9) e.type = Event::kPing;
    if (op == 0xA) e.type = Event::kPong;
    if (op == 0x8) {
      e.type = Event::kClose;
      if (length == 1) return fail(kCloseProtocolError, "a close frame of one byte");
      e.code = kCloseNoStatus;
      if (length >= 2) {
        e.code = static_cast<uint16_t>(static_cast<uint8_t>(payload[0]) << 8 | static_cast<uint8_t>(payload[1]));
        e.payload = bytes.substr(2);
        if (!valid_close_code(e.code)) return fail(kCloseProtocolError, "an invalid close code");
        if (!valid_utf8(e.payload)) return fail(kCloseInvalidData, "a close reason that is not UTF-8");
      }
      closed_ = true;
    }
    ready_ = true;
    return header + length;
  }
  if (op != 0 && fin) {  // a whole message in one frame: no copy unless compressed
    if (!deliver(static_cast<Opcode>(op), bytes, rsv1, e)) return 0;
    return header + length;
  }
  if (op != 0) {
    fragmented_ = static_cast<Opcode>(op);
    compressed_ = rsv1;
  }
  fragments_.append(bytes.data(), bytes.size());
  if (fin) {
    const Opcode whole = fragmented_;
    fragmented_ = Opcode::kContinuation;
    delivered_fragments_ = true;
    if (!deliver(whole, fragments_, compressed_, e)) return 0;
  }
  return header + length;
}

// Fills `e` with the message `bytes` (inflated first when `compressed`), checked; false after
// an error.
bool MessageReader::deliver(Opcode op, std::string_view bytes, bool compressed, Event& e) {
  if (compressed) {
    std::string why;
    if (!inflater_->inflate(bytes, inflated_, max_message_, why)) {
      fail(inflated_.size() > max_message_ ? kCloseTooBig : kCloseInvalidData, why);
      return false;
    }
    bytes = inflated_;
  }
  if (op == Opcode::kText && !valid_utf8(bytes)) {
    fail(kCloseInvalidData, "a text message that is not UTF-8");
    return false;
  }
  e.type = Event::kMessage;
  e.opcode = op;
  e.payload = bytes;
  ready_ = true;
  return true;
}

}  // namespace loadgate::ws
