// size.h (core layer): byte sizes as people write them ("512MB", "10 KB", "1024").
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace loadgate {

/// Parses a size: a non-negative decimal number with an optional unit B, KB/K, MB/M, GB/G
/// (powers of 1024, case-insensitive, spaces allowed before the unit): "1024", "10KB", "1.5 mb".
/// Returns nullopt on anything else, a negative number, or a size above 2^62 bytes.
std::optional<uint64_t> parse_size(std::string_view text);

}  // namespace loadgate
