// socket_bytes.h (internal): the bytes that went through each TCP socket, by the kernel's own
// counters (tcp_info's bytes_sent less bytes_retrans, and bytes_received, read with one
// sock_diag dump), and the
// sockets a process holds (the inodes of its /proc/<pid>/fd links). A process's network bytes
// are its sockets' bytes: /proc/<pid>/net/dev counts the whole interface, the same for every
// process on it.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

namespace loadgate {

/// Bytes of one TCP socket since it opened.
struct SocketBytes {
  uint64_t sent = 0;      ///< data bytes sent, retransmissions apart
  uint64_t received = 0;  ///< tcpi_bytes_received
};

/// Every TCP socket (IPv4 and IPv6) of this network namespace, by inode; empty when the kernel
/// does not answer. Dumped at most once per 100 ms; later calls within that get the same table.
std::shared_ptr<const std::unordered_map<uint64_t, SocketBytes>> tcp_socket_table();

/// The inodes of the sockets `pid` holds open (none when it is gone or not ours to read).
std::vector<uint64_t> socket_inodes(int pid);

}  // namespace loadgate
