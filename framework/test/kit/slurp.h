// slurp.h: a whole file as a string, for tests that compare what a command wrote.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace loadgate::testing {

/// The bytes of `path`, or "" when it cannot be read (the test's own assertions then fail).
inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace loadgate::testing
