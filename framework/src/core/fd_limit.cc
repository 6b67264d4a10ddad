// fd_limit.cc: raising the open-files limit.
#include "loadgate/fd_limit.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

namespace loadgate {

uint64_t raise_fd_limit() {
  rlimit l{};
  if (getrlimit(RLIMIT_NOFILE, &l) != 0) return 0;
  if (l.rlim_cur < l.rlim_max) {
    l.rlim_cur = l.rlim_max;
    setrlimit(RLIMIT_NOFILE, &l);
    getrlimit(RLIMIT_NOFILE, &l);
  }
  return l.rlim_cur;
}

}  // namespace loadgate

namespace loadgate {

void reserve_fds(uint64_t count) {
  rlimit l{};
  if (getrlimit(RLIMIT_NOFILE, &l) != 0 || count == 0) return;
  const uint64_t top = std::min<uint64_t>(count, l.rlim_cur) - 1;
  // A descriptor at `top` makes the table that large; closing it keeps the table.
  const int base = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (base < 0) return;
  const int fd = fcntl(base, F_DUPFD_CLOEXEC, static_cast<int>(top));
  if (fd >= 0) close(fd);
  close(base);
}

}  // namespace loadgate
