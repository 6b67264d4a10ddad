// fd_limit.h (core layer): the open-files limit, which bounds how many connections an attack can hold.
#pragma once

#include <cstdint>

namespace loadgate {

/// Raises RLIMIT_NOFILE's soft limit to its hard limit; returns the resulting soft limit.
uint64_t raise_fd_limit();

/// Grows the process's table of descriptors to hold `count` of them now, before an attack opens
/// them. The kernel doubles the table as descriptors are opened, and in a process with threads
/// each doubling waits for an RCU grace period: a socket() that crossed 256 took 8.4 ms here
/// and held every WebSocket message due meanwhile (issue #23, found with strace -T). Bounded by
/// the open-files limit; a no-op when the table is that large already.
void reserve_fds(uint64_t count);

}  // namespace loadgate
