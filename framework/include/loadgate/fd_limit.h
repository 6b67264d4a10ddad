// fd_limit.h: the open-files limit, which bounds how many connections an attack can hold.
#pragma once

#include <cstdint>

namespace loadgate {

/// Raises RLIMIT_NOFILE's soft limit to its hard limit; returns the resulting soft limit.
uint64_t raise_fd_limit();

}  // namespace loadgate
