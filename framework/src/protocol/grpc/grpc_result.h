// grpc_result.h (internal): the Result of one finished gRPC call, for every way loadgate makes
// calls (generic stubs from a .proto, the caller's generated stubs).
#pragma once

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/status.h>

#include <string>

#include "engine/driver.h"

namespace loadgate::grpcx {

/// The Result of the call for `hit`, sent at `sent_steady` and ended now with `status`, of
/// `kind` (unary or stream). Status is the gRPC code; the error text is "CODE: message";
/// DEADLINE_EXCEEDED is a timeout, UNAVAILABLE a connect error, CANCELLED a cancellation when
/// `cancelled` (we cancelled it: the attack was interrupted) and an I/O error otherwise.
Result grpc_result(const engine::Hit& hit, int64_t sent_steady, const grpc::Status& status, Kind kind, bool cancelled);

/// The bytes of a message as received, its slices joined ("" for an invalid buffer).
std::string flatten(const grpc::ByteBuffer& b);

}  // namespace loadgate::grpcx
