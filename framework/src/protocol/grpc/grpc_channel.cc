// grpc_channel.cc: credentials and channel arguments from GrpcOptions.
#include "protocol/grpc/grpc_channel.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/tls_credentials_options.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <linux/tcp.h>  // tcp_info with tcpi_bytes_acked (glibc's netinet/tcp.h lacks it)
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "loadgate/file.h"

namespace loadgate::grpcx {
namespace {

std::string read_pem(const std::string& path, const char* flag) {
  return read_file_or_throw(path, flag, "cannot read PEM file");
}

std::shared_ptr<grpc::ChannelCredentials> credentials(const GrpcOptions& g) {
  if (!g.tls && g.cacert.empty() && !g.skip_verify && g.cert.empty()) return grpc::InsecureChannelCredentials();
  if (g.skip_verify) {
    grpc::experimental::TlsChannelCredentialsOptions o;
    o.set_verify_server_certs(false);
    o.set_check_call_host(false);
    o.set_certificate_verifier(std::make_shared<grpc::experimental::NoOpCertificateVerifier>());
    return grpc::experimental::TlsCredentials(o);
  }
  grpc::SslCredentialsOptions o;
  if (!g.cacert.empty()) o.pem_root_certs = read_pem(g.cacert, "-cacert");
  if (!g.cert.empty()) {
    o.pem_cert_chain = read_pem(g.cert, "-cert");
    o.pem_private_key = read_pem(g.key.empty() ? g.cert : g.key, "-key");
  }
  return grpc::SslCredentials(o);
}

}  // namespace

std::shared_ptr<grpc::Channel> make_channel(const GrpcOptions& g, int index) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // one TCP connection per channel
  args.SetInt("loadgate.channel", index);
  if (g.keepalive.count() > 0)
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS,
                static_cast<int>(std::min<int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(g.keepalive).count(),
                                                   INT32_MAX)));
  if (!g.authority.empty()) args.SetString(GRPC_ARG_DEFAULT_AUTHORITY, g.authority);
  if (!g.authority.empty() && (g.tls || !g.cacert.empty())) args.SetSslTargetNameOverride(g.authority);
  return grpc::CreateCustomChannel(g.addr, credentials(g), args);
}

WireBytes wire_bytes(const GrpcOptions& g) {
  WireBytes w;
  std::string host = g.addr;
  int port = 0;
  const auto colon = g.addr.rfind(':');
  if (colon == std::string::npos) return w;
  host = g.addr.substr(0, colon);
  port = std::atoi(g.addr.c_str() + colon + 1);
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  in_addr v4{};
  in6_addr v6{};
  const bool is_v4 = inet_pton(AF_INET, host.c_str(), &v4) == 1, is_v6 = inet_pton(AF_INET6, host.c_str(), &v6) == 1;
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return w;
  while (dirent* e = readdir(dir)) {
    const int fd = std::atoi(e->d_name);
    if (fd <= 2 || fd == dirfd(dir)) continue;
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) continue;
    bool match = false;
    if (peer.ss_family == AF_INET) {
      const auto* a = reinterpret_cast<const sockaddr_in*>(&peer);
      match = ntohs(a->sin_port) == port && (!is_v4 || a->sin_addr.s_addr == v4.s_addr) && !is_v6;
    } else if (peer.ss_family == AF_INET6) {
      const auto* a = reinterpret_cast<const sockaddr_in6*>(&peer);
      // gRPC opens dual-stack sockets: an IPv4 peer shows as ::ffff:a.b.c.d.
      const bool mapped_v4 = IN6_IS_ADDR_V4MAPPED(&a->sin6_addr);
      if (is_v4)
        match = mapped_v4 && std::memcmp(&a->sin6_addr.s6_addr[12], &v4.s_addr, 4) == 0;
      else
        match = !is_v6 || std::memcmp(&a->sin6_addr, &v6, sizeof v6) == 0;
      match = match && ntohs(a->sin6_port) == port;
    }
    if (!match) continue;
    tcp_info info{};
    socklen_t ilen = sizeof info;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &ilen) != 0) continue;
    w.sent += info.tcpi_bytes_acked;
    w.received += info.tcpi_bytes_received;
  }
  closedir(dir);
  return w;
}

}  // namespace loadgate::grpcx
