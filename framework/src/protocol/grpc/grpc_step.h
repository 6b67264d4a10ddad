// grpc_step.h (internal): the gRPC driver as a journey's step drives it (journey_driver.cc).
#pragma once

#include <memory>
#include <string>

#include "engine/driver.h"
#include "loadgate/grpc.h"

namespace loadgate::grpcx {

/// A driver of one call (g.call with g.data) whose results are labelled `label` (the step's
/// name) and whose slots keep every reply: Slot::kept_body() is the reply as JSON (a JSON array
/// of the replies for a server stream), Slot::kept_headers() its metadata, initial then
/// trailing ("key: value\r\n" each); Slot::set_variables() gives the values of g.variables.
/// Connects its channels before it returns (g.connect_timeout at most). Throws InputError as
/// describe_grpc_call().
std::unique_ptr<engine::Driver> make_step_driver(const GrpcOptions& g, const AttackOptions& options, const std::string& label);

}  // namespace loadgate::grpcx
