// grpc_reflection.cc: one short stream per request (write, close, read one answer) on the
// schema version the server has; the generated v1 and v1alpha stubs are the project's own
// (services/proto/grpc/reflection).
#include "protocol/grpc/grpc_reflection.h"

#include <grpcpp/grpcpp.h>

#include <chrono>

#include "loadgate/result.h"
#include "proto/grpc/reflection/v1/reflection.grpc.pb.h"
#include "proto/grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "protocol/grpc/grpc_channel.h"

namespace loadgate::grpcx {
namespace {

/// How long one reflection request may take (connecting included).
constexpr auto kReflectionDeadline = std::chrono::seconds(5);

using Outcome = ReflectionAnswer::Outcome;

std::string status_text(const grpc::Status& s) {
  const std::string_view name = grpc_code_name(static_cast<uint16_t>(s.error_code()));
  return std::string(name.empty() ? "CODE(" + std::to_string(s.error_code()) + ")" : std::string(name)) +
         (s.error_message().empty() ? "" : ": " + s.error_message());
}

// One request on one version's stub (Service is the generated ServerReflection class).
template <class Service, class Request, class Response, class Fill>
ReflectionAnswer ask_version(const std::shared_ptr<grpc::Channel>& channel, const GrpcOptions& g, const Fill& fill) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + kReflectionDeadline);
  for (const auto& [k, v] : g.reflect_metadata) ctx.AddMetadata(k, v);
  auto stub = Service::NewStub(channel);
  auto stream = stub->ServerReflectionInfo(&ctx);
  Request req;
  fill(req);
  Response resp, extra;
  const bool got = stream->Write(req) && stream->WritesDone() && stream->Read(&resp);
  while (got && stream->Read(&extra)) {
  }
  const grpc::Status status = stream->Finish();
  ReflectionAnswer a;
  if (!got) {
    a.message = status_text(status);
    switch (status.error_code()) {
      case grpc::StatusCode::UNIMPLEMENTED:
        a.outcome = Outcome::kNotOffered;
        break;
      case grpc::StatusCode::UNAVAILABLE:
      case grpc::StatusCode::DEADLINE_EXCEEDED:
        a.outcome = Outcome::kUnreachable;
        break;
      default:
        a.outcome = Outcome::kFailed;
    }
    return a;
  }
  if (resp.has_error_response()) {
    const auto& e = resp.error_response();
    a.outcome = e.error_code() == grpc::StatusCode::NOT_FOUND ? Outcome::kNotFound : Outcome::kFailed;
    a.message = status_text(grpc::Status(static_cast<grpc::StatusCode>(e.error_code()), e.error_message()));
    return a;
  }
  a.outcome = Outcome::kOk;
  for (const std::string& f : resp.file_descriptor_response().file_descriptor_proto()) a.files.push_back(f);
  for (const auto& s : resp.list_services_response().service()) a.services.push_back(s.name());
  return a;
}

}  // namespace

Reflector::Reflector(const GrpcOptions& g) : g_(g), channel_(make_channel(g, -1)) {}
Reflector::~Reflector() = default;

template <class Fill>
ReflectionAnswer Reflector::ask(const Fill& fill) {
  namespace v1 = grpc::reflection::v1;
  namespace v1alpha = grpc::reflection::v1alpha;
  if (!v1_missing_) {
    ReflectionAnswer a =
        ask_version<v1::ServerReflection, v1::ServerReflectionRequest, v1::ServerReflectionResponse>(channel_, g_, fill);
    if (a.outcome != Outcome::kNotOffered) {
      if (a.outcome == Outcome::kOk || a.outcome == Outcome::kNotFound) version_ = "grpc.reflection.v1";
      return a;
    }
    v1_missing_ = true;
  }
  ReflectionAnswer a =
      ask_version<v1alpha::ServerReflection, v1alpha::ServerReflectionRequest, v1alpha::ServerReflectionResponse>(
          channel_, g_, fill);
  if (a.outcome == Outcome::kOk || a.outcome == Outcome::kNotFound) version_ = "grpc.reflection.v1alpha";
  return a;
}

ReflectionAnswer Reflector::list_services() {
  return ask([](auto& req) { req.set_list_services("*"); });
}

ReflectionAnswer Reflector::file_containing_symbol(const std::string& symbol) {
  return ask([&](auto& req) { req.set_file_containing_symbol(symbol); });
}

ReflectionAnswer Reflector::file_by_filename(const std::string& name) {
  return ask([&](auto& req) { req.set_file_by_filename(name); });
}

}  // namespace loadgate::grpcx
