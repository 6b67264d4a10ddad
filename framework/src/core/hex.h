// hex.h (internal): lower-case hexadecimal, written and read, for the ids loadgate puts on the
// wire (trace ids, WebSocket message headers, uuids): one table, one reader.
#pragma once

#include <cstdint>

namespace loadgate {

/// The lower-case digit of `v`'s low 4 bits.
inline char hex_digit(uint64_t v) { return "0123456789abcdef"[v & 15]; }

/// The value of a lower-case hexadecimal digit, or -1 for any other character.
inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/// Writes `v` as 16 digits at `out` (no terminator).
inline void put_hex64(char* out, uint64_t v) {
  for (int k = 15; k >= 0; --k, v >>= 4) out[k] = hex_digit(v);
}

/// Reads 16 digits at `in` into `v`; false when one of them is not a lower-case digit.
inline bool get_hex64(const char* in, uint64_t& v) {
  v = 0;
  for (int k = 0; k < 16; ++k) {
    const int d = hex_value(in[k]);
    if (d < 0) return false;
    v = v << 4 | static_cast<uint64_t>(d);
  }
  return true;
}

}  // namespace loadgate
