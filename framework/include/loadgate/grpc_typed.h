// grpc_typed.h (protocol layer): gRPC load through the caller's generated stubs (includes grpcpp).
//
//   auto stub = loadgate::kernel::Kernel::NewStub(channel);
//   auto run = loadgate::attack_grpc_typed(
//       [&](grpc::ClientContext* ctx, loadgate::GrpcDone done) {
//         auto call = std::make_shared<std::pair<ExecuteRequest, ExecuteReply>>();
//         call->first.set_op("sum");
//         stub->async()->Execute(ctx, &call->first, &call->second,
//                                [call, done](grpc::Status s) { done(s); });
//       },
//       load);
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <string>

#include "loadgate/attack.h"
#include "loadgate/targets.h"

namespace loadgate {

/// Reports the end of one call; call it exactly once, from any thread.
using GrpcDone = std::function<void(const grpc::Status&)>;

/// Starts one call on `context` (a fresh ClientContext whose deadline and metadata are set;
/// it stays valid until `done` is called).
using GrpcCallStarter = std::function<void(grpc::ClientContext* context, GrpcDone done)>;

/// Runs `start` for every hit of `options` (open or closed model) and measures each call from its
/// scheduled time to `done`. Results have Kind kGrpcUnary, the gRPC code as status and `label`
/// as target. `metadata` is added to every call.
AttackRun attack_grpc_typed(const GrpcCallStarter& start, const AttackOptions& options,
                            const std::string& label = "grpc typed call", const std::vector<Header>& metadata = {});

}  // namespace loadgate
