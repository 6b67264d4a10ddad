// grpc_health.cc: grpc.health.v1.Health/Check over the generic stub. The two messages are one
// string and one enum field, encoded here by hand rather than generating their code.
#include "grpc_health.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <mutex>

#include "loadgate/result.h"
#include "protocol/grpc/grpc_result.h"

namespace loadgate::grpcx {
namespace {

// HealthCheckRequest{service = 1}: tag 0x0a, length, bytes.
std::string request_bytes(const std::string& service) {
  if (service.empty()) return "";
  std::string out(1, '\x0a');
  for (size_t n = service.size(); ; n >>= 7) {
    out += static_cast<char>((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
    if (n < 0x80) break;
  }
  return out + service;
}

// HealthCheckResponse.status (field 1, varint): 0 UNKNOWN, 1 SERVING, 2 NOT_SERVING,
// 3 SERVICE_UNKNOWN. An empty message is UNKNOWN.
int response_status(const std::string& bytes) {
  if (bytes.size() >= 2 && bytes[0] == '\x08') return static_cast<unsigned char>(bytes[1]) & 0x7f;
  return 0;
}

}  // namespace

std::string health_check(const std::string& addr, const std::string& service, Nanos timeout) {
  auto channel = grpc::CreateChannel(addr, grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + timeout);
  const std::string body = request_bytes(service);
  grpc::Slice slice(body);
  grpc::ByteBuffer request(&slice, 1), response;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   std::lock_guard lock(mu);
                   status = std::move(s);
                   done = true;
                   cv.notify_all();
                 });
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return done; });  // the deadline bounds the call
  if (status.error_code() == grpc::StatusCode::UNIMPLEMENTED)
    return "UNIMPLEMENTED: the server has no grpc.health.v1.Health service (register one, or probe with READY tcp)";
  if (!status.ok())
    return "Health/Check: " + std::string(grpc_code_name(static_cast<uint16_t>(status.error_code()))) + ": " +
           status.error_message();
  static const char* const kNames[] = {"UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"};
  const int s = response_status(flatten(response));
  if (s == 1) return "";
  return "Health/Check" + (service.empty() ? std::string() : " of " + service) + " answered " +
         (s >= 0 && s < 4 ? kNames[s] : std::to_string(s));
}

}  // namespace loadgate::grpcx
