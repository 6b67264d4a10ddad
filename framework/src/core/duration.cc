// duration.cc: Go duration syntax and RFC 3339 timestamps.
#include "loadgate/duration.h"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace loadgate {
namespace {

// Unit multipliers in ns; longest suffixes first so "ms" wins over "m".
struct Unit {
  std::string_view name;
  int64_t ns;
};
constexpr Unit kUnits[] = {{"ns", 1},         {"us", 1000},         {"\xC2\xB5s", 1000},   {"\xCE\xBCs", 1000},
                           {"ms", 1'000'000}, {"s", 1'000'000'000}, {"m", 60'000'000'000}, {"h", 3'600'000'000'000}};

// Prints v / 10^decimals with trailing zeros (and a bare point) trimmed.
std::string fixed_trimmed(int64_t v, int decimals) {
  int64_t scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  std::string out = std::to_string(v / scale);
  int64_t frac = v % scale;
  if (frac == 0) return out;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*lld", decimals, static_cast<long long>(frac));
  std::string f(buf);
  while (!f.empty() && f.back() == '0') f.pop_back();
  return out + "." + f;
}

}  // namespace

std::optional<Nanos> parse_duration(std::string_view s) {
  if (s.empty()) return std::nullopt;
  bool negative = false;
  if (s[0] == '-' || s[0] == '+') {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return Nanos{0};
  if (s.empty()) return std::nullopt;
  long double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    long double number = 0;
    bool digits = false;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      number = number * 10 + (s[i++] - '0');
      digits = true;
    }
    if (i < s.size() && s[i] == '.') {
      ++i;
      long double place = 0.1L;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        number += (s[i++] - '0') * place;
        place /= 10;
        digits = true;
      }
    }
    if (!digits) return std::nullopt;
    s.remove_prefix(i);
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (s.substr(0, u.name.size()) == u.name && !(u.name == "m" && s.size() > 1 && s[1] == 's')) {
        if (!unit || u.name.size() > unit->name.size()) unit = &u;
      }
    }
    if (!unit) return std::nullopt;
    s.remove_prefix(unit->name.size());
    total += number * unit->ns;
    if (total > 9.2e18L) return std::nullopt;
  }
  auto ns = static_cast<int64_t>(std::llround(static_cast<double>(total)));
  return Nanos{negative ? -ns : ns};
}

std::string format_duration(Nanos d) {
  int64_t v = d.count();
  if (v == 0) return "0s";
  std::string sign;
  if (v < 0) {
    sign = "-";
    v = -v;
  }
  if (v < 1000) return sign + std::to_string(v) + "ns";
  if (v < 1'000'000) return sign + fixed_trimmed(v, 3) + "\xC2\xB5s";
  if (v < 1'000'000'000) return sign + fixed_trimmed(v, 6) + "ms";
  const int64_t hours = v / 3'600'000'000'000;
  const int64_t minutes = (v / 60'000'000'000) % 60;
  const int64_t secs_ns = v % 60'000'000'000;
  std::string out = sign;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0) out += std::to_string(minutes) + "m";
  return out + fixed_trimmed(secs_ns, 9) + "s";
}

std::string format_duration_short(Nanos d, int decimals) {
  const double v = static_cast<double>(d.count());
  const double a = std::fabs(v);
  char buf[64];
  if (a < 1e3)
    std::snprintf(buf, sizeof buf, "%.0fns", v);
  else if (a < 1e6)
    std::snprintf(buf, sizeof buf, "%.*f\xC2\xB5s", decimals, v / 1e3);
  else if (a < 1e9)
    std::snprintf(buf, sizeof buf, "%.*fms", decimals, v / 1e6);
  else
    std::snprintf(buf, sizeof buf, "%.*fs", decimals, v / 1e9);
  return buf;
}

std::string format_rfc3339(int64_t unix_ns) {
  int64_t secs = unix_ns / 1'000'000'000;
  int64_t frac = unix_ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf);
  if (frac) {
    std::snprintf(buf, sizeof buf, ".%09lld", static_cast<long long>(frac));
    std::string f(buf);
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + "Z";
}

std::optional<int64_t> parse_rfc3339(std::string_view s) {
  std::tm tm{};
  int consumed = 0;
  std::string str(s);
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &consumed) != 6)
    return std::nullopt;
  // Unix nanoseconds in 64 bits span 1677-09-21 .. 2262-04-11: keep to whole years inside.
  if (tm.tm_year < 1678 || tm.tm_year > 2261 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
      tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  int64_t secs = static_cast<int64_t>(timegm(&tm));
  int64_t frac = 0;
  size_t i = static_cast<size_t>(consumed);
  if (i < str.size() && str[i] == '.') {
    ++i;
    int64_t scale = 100'000'000;
    while (i < str.size() && str[i] >= '0' && str[i] <= '9') {
      frac += (str[i++] - '0') * scale;
      scale /= 10;
    }
  }
  if (i < str.size() && (str[i] == '+' || str[i] == '-')) {
    int hh = 0, mm = 0;
    if (std::sscanf(str.c_str() + i + 1, "%2d:%2d", &hh, &mm) != 2 || hh > 23 || mm > 59 || hh < 0 || mm < 0)
      return std::nullopt;
    const int64_t offset = (hh * 3600 + mm * 60) * (str[i] == '+' ? 1 : -1);
    secs -= offset;
  } else if (i >= str.size() || (str[i] != 'Z' && str[i] != 'z')) {
    return std::nullopt;
  }
  return secs * 1'000'000'000 + frac;
}

int64_t unix_now_ns() {
  return std::chrono::duration_cast<Nanos>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int64_t steady_now_ns() {
  return std::chrono::duration_cast<Nanos>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace loadgate
