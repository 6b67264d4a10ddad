// size.cc: parsing byte sizes.
#include "loadgate/size.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>

namespace loadgate {

std::optional<uint64_t> parse_size(std::string_view text) {
  const std::string s(text);
  const char* begin = s.c_str();
  char* end = nullptr;
  const double v = std::strtod(begin, &end);
  if (end == begin || !std::isfinite(v) || v < 0 || !std::isdigit(static_cast<unsigned char>(*begin)))
    return std::nullopt;
  std::string unit;
  for (const char* p = end; *p; ++p)
    if (*p != ' ') unit += static_cast<char>(std::toupper(static_cast<unsigned char>(*p)));
  double mul = 0;
  if (unit.empty() || unit == "B")
    mul = 1;
  else if (unit == "KB" || unit == "K")
    mul = 1024;
  else if (unit == "MB" || unit == "M")
    mul = 1024.0 * 1024;
  else if (unit == "GB" || unit == "G")
    mul = 1024.0 * 1024 * 1024;
  if (mul == 0 || v * mul > 4.6e18) return std::nullopt;
  return static_cast<uint64_t>(std::llround(v * mul));
}

}  // namespace loadgate
