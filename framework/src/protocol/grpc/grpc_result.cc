// grpc_result.cc: gRPC status to Result.
#include "protocol/grpc/grpc_result.h"

#include "loadgate/duration.h"
#include "loadgate/interner.h"

namespace loadgate::grpcx {
namespace {

ErrorKind kind_of(const grpc::Status& s, bool cancelled) {
  switch (s.error_code()) {
    case grpc::StatusCode::OK:
      return ErrorKind::kNone;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return ErrorKind::kTimeout;
    case grpc::StatusCode::UNAVAILABLE:
      return ErrorKind::kConnect;
    case grpc::StatusCode::CANCELLED:
      return cancelled ? ErrorKind::kCancelled : ErrorKind::kIo;
    default:
      return ErrorKind::kStatus;
  }
}

}  // namespace

Result grpc_result(const engine::Hit& hit, int64_t sent_steady, const grpc::Status& s, Kind kind, bool cancelled) {
  Result r = engine::make_result(hit, sent_steady, steady_now_ns(), kind);
  r.status = static_cast<uint16_t>(s.error_code());
  r.error_kind = kind_of(s, cancelled);
  if (!s.ok()) {
    std::string text(grpc_code_name(r.status));
    if (!s.error_message().empty()) text += ": " + s.error_message();
    r.error = intern(text);
  }
  return r;
}

std::string flatten(const grpc::ByteBuffer& b) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!b.Valid() || !b.Dump(&slices).ok()) return out;
  for (const grpc::Slice& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

}  // namespace loadgate::grpcx
