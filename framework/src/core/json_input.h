// json_input.h: JSON read from a user's file (baselines, journeys, feeder rows) into nlohmann's
// json, with errors that say where and what: a truncated file, a number out of range (1e400),
// nesting past a depth no input of ours needs.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace loadgate {

/// Nesting deeper than this is refused before parsing: no loadgate input nests past a handful of
/// levels, and a deep one only costs stack and time.
inline constexpr size_t kMaxJsonDepth = 64;

/// Parses `text`, all of the file `path` (line = 0: the error's line is found from its byte
/// offset) or its line `line`. Throws InputError(path, line, "", why): "not valid JSON: syntax
/// error while parsing value - unexpected end of input (line 3, column 1)", "not valid JSON:
/// number overflow parsing '1e400'", "not valid JSON: nested deeper than 64 levels".
nlohmann::json parse_json_input(std::string_view text, const std::string& path, int line = 0);

/// The same, keeping the order of keys.
nlohmann::ordered_json parse_ordered_json_input(std::string_view text, const std::string& path, int line = 0);

}  // namespace loadgate
