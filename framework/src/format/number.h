// number.h (internal): printf-formatting of one number.
#pragma once

#include <cstdio>
#include <string>

namespace loadgate::format {

/// `v` formatted by the printf `format` ("%.2f", "%.1f%%"); at most 63 characters.
inline std::string format_number(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

}  // namespace loadgate::format
