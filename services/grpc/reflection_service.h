// reflection_service.h (internal): gRPC server reflection (grpc.reflection.v1 and v1alpha) over
// the protos linked into the process (protobuf's generated pool).
//
// Written here rather than taken from libgrpc++_reflection: Debian 12's library (gRPC 1.51)
// serves v1alpha only, and it is switched on for every server of the process at once, while the
// tests need servers with v1 only, v1alpha only, or none.
#pragma once

#include <grpcpp/impl/service_type.h>

#include <memory>
#include <string>
#include <vector>

namespace loadgate::services {

/// grpc.reflection.v1.ServerReflection listing `services` (fully-qualified names). With a
/// `token`, requests without metadata "x-reflection-token: <token>" get PERMISSION_DENIED.
std::unique_ptr<grpc::Service> reflection_v1(std::vector<std::string> services, std::string token = "");
/// grpc.reflection.v1alpha.ServerReflection, as reflection_v1().
std::unique_ptr<grpc::Service> reflection_v1alpha(std::vector<std::string> services, std::string token = "");

}  // namespace loadgate::services
