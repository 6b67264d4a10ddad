// json_input.cc: parse_json_input(): nlohmann's parser, its errors turned into InputErrors.
#include "json_input.h"

#include <algorithm>

#include "loadgate/error.h"

namespace loadgate {
namespace {

// nlohmann's message without its "[json.exception.parse_error.101] " prefix.
std::string plain(const char* what) {
  std::string s = what;
  if (s.rfind("[json.exception.", 0) == 0)
    if (const size_t end = s.find("] "); end != std::string::npos) s.erase(0, end + 2);
  return s;
}

// The deepest nesting of `text` (brackets outside strings), stopping once past `limit`.
size_t depth_of(std::string_view text, size_t limit) {
  size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') deepest = std::max(deepest, ++depth);
    else if ((c == '}' || c == ']') && depth > 0) --depth;
    if (deepest > limit) break;
  }
  return deepest;
}

template <class Json>
Json parse(std::string_view text, const std::string& path, int line) {
  if (depth_of(text, kMaxJsonDepth) > kMaxJsonDepth)
    throw InputError(path, line, "", "not valid JSON: nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  try {
    return Json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    int at = line;
    if (at == 0) {
      const size_t upto = std::min<size_t>(e.byte, text.size());
      at = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(upto), '\n'));
    }
    std::string why = plain(e.what());
    if (why.rfind("parse error at ", 0) == 0)
      if (const size_t colon = why.find(": "); colon != std::string::npos) why.erase(0, colon + 2);
    throw InputError(path, at, "", "not valid JSON: " + why);
  } catch (const nlohmann::json::exception& e) {  // a number out of range: 1e400
    throw InputError(path, line, "", "not valid JSON: " + plain(e.what()));
  }
}

}  // namespace

nlohmann::json parse_json_input(std::string_view text, const std::string& path, int line) {
  return parse<nlohmann::json>(text, path, line);
}

nlohmann::ordered_json parse_ordered_json_input(std::string_view text, const std::string& path, int line) {
  return parse<nlohmann::ordered_json>(text, path, line);
}

}  // namespace loadgate
