// grpc_call.h (internal): a method resolved from a .proto (or the built-in protos) and its
// request messages serialized once, before the attack. Knows protobuf, not gRPC.
#pragma once

#include <string>
#include <vector>

#include "loadgate/grpc.h"

namespace loadgate::grpcx {

/// Call is what the driver sends: a method path and ready request bytes.
struct Call {
  GrpcCallInfo info;
  std::vector<std::string> requests;  ///< serialized request messages, cycled through
};

/// Resolves g.call in g.proto (or the built-in protos) and serializes g.data.
/// Throws InputError (see describe_grpc_call()).
Call resolve_call(const GrpcOptions& g);

}  // namespace loadgate::grpcx
