// file.h: whole files into strings, for inputs read at the edges (targets, bodies, baselines).
#pragma once

#include <optional>
#include <string>

namespace loadgate {

/// The bytes of the file at `path`; nullopt when it cannot be opened.
std::optional<std::string> read_file(const std::string& path);

/// The bytes of the file at `path`. Throws InputError(path, 0, field, message) when it cannot
/// be opened.
std::string read_file_or_throw(const std::string& path, const std::string& field, const std::string& message);

}  // namespace loadgate
