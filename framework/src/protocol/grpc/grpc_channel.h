// grpc_channel.h (internal): channels to the server of a GrpcOptions: credentials (plaintext,
// TLS, mutual TLS, unverified TLS) and the authority override, for calls and reflection alike.
#pragma once

#include <grpcpp/channel.h>

#include <memory>

#include "loadgate/grpc.h"

namespace loadgate::grpcx {

/// A channel of its own TCP connection (no subchannel sharing) to g.addr; `index` keeps
/// channels apart. Throws InputError for a PEM file that cannot be read.
std::shared_ptr<grpc::Channel> make_channel(const GrpcOptions& g, int index);

/// Bytes carried by this process's TCP connections to g.addr's port (kernel counts: TLS,
/// HTTP/2 framing, headers and compression all included).
struct WireBytes {
  uint64_t sent = 0;      ///< acknowledged by the peer (tcpi_bytes_acked)
  uint64_t received = 0;  ///< tcpi_bytes_received
};
/// Sums WireBytes over the open sockets whose peer has g.addr's port (and address, when it
/// is numeric). Zero when nothing matches.
WireBytes wire_bytes(const GrpcOptions& g);

}  // namespace loadgate::grpcx
