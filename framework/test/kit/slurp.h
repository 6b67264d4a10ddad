// slurp.h: a whole file as a string, for tests that compare what a command wrote.
#pragma once

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace loadgate::testing {

/// The bytes of `path`, or "" when it cannot be read (the test's own assertions then fail).
inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// The text of the log at `path` once it has `lines` lines, or as it is after 2 s: a server writes
/// a request's line when the request ends, which may trail the client's last result.
inline std::string slurp_lines(const std::string& path, size_t lines) {
  std::string text;
  for (int i = 0; i < 100; ++i) {
    text = slurp(path);
    if (static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) >= lines) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return text;
}

}  // namespace loadgate::testing
