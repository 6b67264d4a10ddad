// error.h: the one exception type loadgate throws, at the edges only (parsing, setup).
#pragma once

#include <stdexcept>
#include <string>

namespace loadgate {

/// InputError reports bad input: a file, the line in it (0 = not line-based), the field or key,
/// and what is wrong. what() reads "file:line: field: message".
class InputError : public std::runtime_error {
 public:
  /// Builds an error; empty parts are left out of what().
  InputError(std::string file, int line, std::string field, std::string message);
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  const std::string& field() const { return field_; }
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  int line_;
  std::string field_;
  std::string message_;
};

}  // namespace loadgate
