// socket_bytes.cc: a NETLINK_SOCK_DIAG dump of TCP sockets with INET_DIAG_INFO (struct tcp_info).
#include "socket_bytes.h"

#include <dirent.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>

namespace loadgate {
namespace {

// Adds the TCP sockets of `family` to `out`; false when the kernel refused the dump.
bool dump(int family, std::unordered_map<uint64_t, SocketBytes>& out) {
  const int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return false;
  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } ask{};
  ask.header.nlmsg_len = sizeof ask;
  ask.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  ask.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  ask.request.sdiag_family = static_cast<uint8_t>(family);
  ask.request.sdiag_protocol = IPPROTO_TCP;
  ask.request.idiag_states = ~0u;  // every state: a closing socket still has its bytes
  ask.request.idiag_ext = 1 << (INET_DIAG_INFO - 1);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (sendto(fd, &ask, sizeof ask, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
    close(fd);
    return false;
  }
  alignas(nlmsghdr) static thread_local char buffer[64 * 1024];
  bool ok = true, done = false;
  while (!done) {
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) {
      ok = false;
      break;
    }
    int left = static_cast<int>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buffer); NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_type == NLMSG_DONE) {
        done = true;
        break;
      }
      if (h->nlmsg_type == NLMSG_ERROR) {
        ok = false;
        done = true;
        break;
      }
      const auto* msg = static_cast<const inet_diag_msg*>(NLMSG_DATA(h));
      int attrs = static_cast<int>(h->nlmsg_len - NLMSG_LENGTH(sizeof *msg));
      for (auto* a = reinterpret_cast<const rtattr*>(msg + 1); RTA_OK(a, attrs); a = RTA_NEXT(a, attrs)) {
        if (a->rta_type != INET_DIAG_INFO) continue;
        tcp_info info{};
        const size_t have = std::min<size_t>(sizeof info, RTA_PAYLOAD(a));
        std::memcpy(&info, RTA_DATA(a), have);
        SocketBytes& b = out[msg->idiag_inode];
        // Data bytes sent, retransmissions apart (kernels since 4.19); before that, the bytes
        // acknowledged, which count a connecting socket's SYN as one.
        const bool has_sent = have >= offsetof(tcp_info, tcpi_bytes_retrans) + sizeof info.tcpi_bytes_retrans;
        b.sent = has_sent ? info.tcpi_bytes_sent - std::min(info.tcpi_bytes_sent, info.tcpi_bytes_retrans)
                          : info.tcpi_bytes_acked;
        b.received = info.tcpi_bytes_received;
      }
    }
  }
  close(fd);
  return ok;
}

}  // namespace

std::shared_ptr<const std::unordered_map<uint64_t, SocketBytes>> tcp_socket_table() {
  static std::mutex mu;
  static std::shared_ptr<const std::unordered_map<uint64_t, SocketBytes>> table;
  static std::chrono::steady_clock::time_point dumped;
  std::lock_guard lock(mu);
  const auto now = std::chrono::steady_clock::now();
  if (!table || now - dumped > std::chrono::milliseconds(100)) {
    auto fresh = std::make_shared<std::unordered_map<uint64_t, SocketBytes>>();
    dump(AF_INET, *fresh);
    dump(AF_INET6, *fresh);
    table = std::move(fresh);
    dumped = now;
  }
  return table;
}

std::vector<uint64_t> socket_inodes(int pid) {
  std::vector<uint64_t> out;
  const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  char link[64];
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    const ssize_t n = readlinkat(dirfd(d), e->d_name, link, sizeof link - 1);
    if (n <= 8) continue;
    link[n] = '\0';
    if (std::strncmp(link, "socket:[", 8) == 0) out.push_back(std::strtoull(link + 8, nullptr, 10));
  }
  closedir(d);
  return out;
}

}  // namespace loadgate
