// grpc_health.h (internal): one call of the gRPC health checking protocol
// (grpc.health.v1.Health/Check), the readiness probe of gRPC services.
#pragma once

#include <string>

#include "loadgate/duration.h"

namespace loadgate::grpcx {

/// Asks the server at `addr` (plaintext) whether `service` ("" = the server as a whole) is
/// SERVING, waiting at most `timeout`. Returns "" when it is, else why not: "UNAVAILABLE:
/// failed to connect...", "NOT_SERVING", "UNIMPLEMENTED: the server has no health service".
std::string health_check(const std::string& addr, const std::string& service, Nanos timeout);

}  // namespace loadgate::grpcx
