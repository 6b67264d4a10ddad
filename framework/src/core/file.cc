// file.cc: reading whole files, bounded.
#include "loadgate/file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "loadgate/error.h"

namespace loadgate {
namespace {

// Reads `path` into `out`; "" on success, else why not.
std::string read_bounded(const std::string& path, size_t max, std::string& out) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return std::strerror(errno);
  struct stat st {};
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    std::fclose(f);
    return "is a directory";
  }
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    if (out.size() + n > max) {
      std::fclose(f);
      out.clear();
      return "larger than " + std::to_string(max) + " bytes";
    }
    out.append(buf, n);
  }
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  return failed ? "read error" : "";
}

}  // namespace

std::optional<std::string> read_file(const std::string& path, size_t max) {
  std::string out;
  if (!read_bounded(path, max, out).empty()) return std::nullopt;
  return out;
}

std::string read_file_or_throw(const std::string& path, const std::string& field, const std::string& message,
                               size_t max) {
  std::string out;
  const std::string why = read_bounded(path, max, out);
  if (!why.empty()) throw InputError(path, 0, field, message + " (" + why + ")");
  return out;
}

}  // namespace loadgate

namespace loadgate {

bool make_dirs(const std::string& path) {
  if (path.empty()) return true;
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i < path.size() && path[i] != '/') continue;
    mkdir(path.substr(0, i).c_str(), 0755);  // exists already: fine
  }
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace loadgate
