// duration.h (core layer): Go-style durations ("1m30s", "250ms", "1.5us") as used by Vegeta's flags.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace loadgate {

/// Nanos is the duration type of the framework: signed 64-bit nanoseconds.
using Nanos = std::chrono::nanoseconds;

/// Parses a Go duration: a sequence of decimal numbers, each with an optional fraction and a
/// unit among ns, us, µs, ms, s, m, h ("300ms", "1.5h", "2h45m"); "0" alone is allowed.
/// Returns nullopt on any other input (no unit, unknown unit, overflow, empty).
std::optional<Nanos> parse_duration(std::string_view text);

/// Formats like Go's time.Duration.String(): "1.5s", "2m0.5s", "999.5µs", "0s".
std::string format_duration(Nanos d);

/// Formats a duration in the largest unit that keeps it >= 1, rounded to `decimals`:
/// "1.24ms", "3.5s" (report tables).
std::string format_duration_short(Nanos d, int decimals = 2);

/// Formats Unix nanoseconds as RFC 3339 with nanoseconds and the local UTC offset, as Go's
/// time.Time JSON encoding does ("2026-11-27T09:07:31.123456789Z").
std::string format_rfc3339(int64_t unix_ns);

/// Parses RFC 3339 (with optional fraction and Z or +hh:mm offset) into Unix ns; nullopt for
/// anything else and for years outside 1678..2261 (what 64-bit Unix nanoseconds can hold).
std::optional<int64_t> parse_rfc3339(std::string_view text);

/// Current Unix time in ns (system clock).
int64_t unix_now_ns();
/// Current monotonic time in ns (steady clock).
int64_t steady_now_ns();

}  // namespace loadgate
