// file.cc: reading whole files, bounded.
#include "loadgate/file.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "loadgate/error.h"

namespace loadgate {
namespace {

// How long a pipe may stay silent, or without a writer, before its read is given up.
constexpr int kPipeIdleMs = 5'000;

// Reads `path` into `out`; "" on success, else why not. A regular file is measured before it is
// read; a pipe (a FIFO, process substitution, /dev/stdin on a pipe) is read until its end, at
// most kPipeIdleMs apart, up to `max`; a device (/dev/zero, a terminal) is refused unread.
std::string read_bounded(const std::string& path, size_t max, std::string& out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return std::strerror(errno);
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    return why;
  }
  auto fail = [&](std::string why) {
    ::close(fd);
    out.clear();
    return why;
  };
  const bool pipe = S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
  if (S_ISDIR(st.st_mode)) return fail("is a directory");
  if (!S_ISREG(st.st_mode) && !pipe) return fail("is a device, not a file");
  const std::string too_large = "larger than " + std::to_string(max) + " bytes";
  if (S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) > max) return fail(too_large);
  char buf[65536];
  const auto opened = std::chrono::steady_clock::now();
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      if (out.size() + static_cast<size_t>(n) > max) return fail(too_large);
      out.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0 && pipe && out.empty() &&
        std::chrono::steady_clock::now() - opened < std::chrono::milliseconds(kPipeIdleMs)) {
      // A FIFO with no writer yet reads as its end: give a writer the same time as a silent one.
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    if (n == 0) break;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return fail(std::strerror(errno));
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, kPipeIdleMs);
    if (ready == 0) return fail("a pipe that sent nothing for " + std::to_string(kPipeIdleMs / 1000) + " s");
    if (ready < 0 && errno != EINTR) return fail(std::strerror(errno));
  }
  ::close(fd);
  if (pipe && out.empty())
    return "a pipe with no writer for " + std::to_string(kPipeIdleMs / 1000) + " s, or one that wrote nothing";
  return "";
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
