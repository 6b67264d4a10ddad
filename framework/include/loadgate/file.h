// file.h (core layer): whole files into strings, for inputs read at the edges (targets, bodies, baselines),
// with a size cap: /dev/zero or a huge file is an error, not a process that eats the memory.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace loadgate {

/// The largest input file read unless told otherwise (bytes).
inline constexpr size_t kMaxInputBytes = 256u << 20;

/// The bytes of the file at `path`; nullopt when it cannot be opened, is a directory, or holds
/// more than `max` bytes.
std::optional<std::string> read_file(const std::string& path, size_t max = kMaxInputBytes);

/// The bytes of the file at `path`. Throws InputError(path, 0, field, message + the reason)
/// when it cannot be opened, is a directory, or holds more than `max` bytes.
std::string read_file_or_throw(const std::string& path, const std::string& field, const std::string& message,
                               size_t max = kMaxInputBytes);

/// Creates directory `path` and its parents, as `mkdir -p` does; true when it exists after.
bool make_dirs(const std::string& path);

}  // namespace loadgate
