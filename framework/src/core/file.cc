// file.cc: reading whole files.
#include "loadgate/file.h"

#include <fstream>
#include <sstream>

#include "loadgate/error.h"

namespace loadgate {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string read_file_or_throw(const std::string& path, const std::string& field, const std::string& message) {
  auto text = read_file(path);
  if (!text) throw InputError(path, 0, field, message);
  return *text;
}

}  // namespace loadgate
