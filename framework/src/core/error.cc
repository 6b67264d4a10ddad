// error.cc: formatting of InputError.
#include "loadgate/error.h"

namespace loadgate {
namespace {

std::string compose(const std::string& file, int line, const std::string& field, const std::string& message) {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  if (!out.empty()) out += ": ";
  if (!field.empty()) out += field + ": ";
  return out + message;
}

}  // namespace

InputError::InputError(std::string file, int line, std::string field, std::string message)
    : Error(compose(file, line, field, message)),
      file_(std::move(file)),
      line_(line),
      field_(std::move(field)),
      message_(std::move(message)) {}

}  // namespace loadgate
