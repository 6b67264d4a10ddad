// error.h (core layer): how loadgate reports errors.
//
// One style: at the library's edges (parsing input, setting up a run) errors are exceptions
// derived from loadgate::Error, with messages that name the file, line and field. InputError
// is bad input (a flag, a targets, results or baseline file): the CLI exits 2. RunError is an
// environment that cannot provide what a run needs (a service that does not start). Value
// parsers below the edges (parse_duration, parse_url, parse_size) return std::optional, and
// their callers turn nullopt into an InputError naming the field. On the hot path errors are
// never exceptions: they are data in the Result (error_kind and an interned text).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace loadgate {

/// Error is the base of every exception loadgate throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// InputError reports bad input: a file, the line in it (0 = not line-based), the field or key,
/// and what is wrong. what() reads "file:line: field: message".
class InputError : public Error {
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

/// `text` made safe to show in a message: control bytes escaped ("\r", "\n", "\x01"), bytes
/// that are not UTF-8 as "\xNN", and cut to `max` characters with "..." (a 1 MB line of garbage
/// must not flood a terminal).
std::string printable(std::string_view text, size_t max = 120);

/// RunError reports an environment that cannot provide what a run needs, e.g. a service that
/// does not start or report its address.
class RunError : public Error {
 public:
  using Error::Error;
};

}  // namespace loadgate
