// reflection_service.cc: one implementation of server reflection for both schema versions (the
// two differ only in package). Answers from protobuf's generated pool: a file is sent with
// every file it imports, so one answer is enough for the client to build the descriptors.
#include "reflection_service.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <grpcpp/grpcpp.h>

#include <set>

#include "proto/grpc/reflection/v1/reflection.grpc.pb.h"
#include "proto/grpc/reflection/v1alpha/reflection.grpc.pb.h"

namespace loadgate::services {
namespace {

namespace pb = google::protobuf;

// The generated types of one schema version.
template <class S, class Req, class Resp>
struct Api {
  using Service = S;
  using Request = Req;
  using Response = Resp;
};
namespace v1 = grpc::reflection::v1;
namespace v1alpha = grpc::reflection::v1alpha;
using V1 = Api<v1::ServerReflection::Service, v1::ServerReflectionRequest, v1::ServerReflectionResponse>;
using V1alpha =
    Api<v1alpha::ServerReflection::Service, v1alpha::ServerReflectionRequest, v1alpha::ServerReflectionResponse>;

template <class A>
class Reflection final : public A::Service {
 public:
  using Request = typename A::Request;
  using Response = typename A::Response;

  Reflection(std::vector<std::string> services, std::string token)
      : services_(std::move(services)), token_(std::move(token)) {}

  grpc::Status ServerReflectionInfo(grpc::ServerContext* ctx,
                                    grpc::ServerReaderWriter<Response, Request>* stream) override {
    if (!token_.empty()) {
      auto it = ctx->client_metadata().find("x-reflection-token");
      if (it == ctx->client_metadata().end() || std::string(it->second.data(), it->second.size()) != token_)
        return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "reflection needs x-reflection-token");
    }
    Request req;
    while (stream->Read(&req)) {
      Response resp;
      resp.set_valid_host(req.host());
      *resp.mutable_original_request() = req;
      answer(req, resp);
      if (!stream->Write(resp)) break;
    }
    return grpc::Status::OK;
  }

 private:
  void answer(const Request& req, Response& resp) const {
    const pb::DescriptorPool& pool = *pb::DescriptorPool::generated_pool();
    switch (req.message_request_case()) {
      case Request::kListServices:
        for (const std::string& s : services_) resp.mutable_list_services_response()->add_service()->set_name(s);
        return;
      case Request::kFileByFilename:
        return file(pool.FindFileByName(req.file_by_filename()), "file " + req.file_by_filename(), resp);
      case Request::kFileContainingSymbol:
        return file(pool.FindFileContainingSymbol(req.file_containing_symbol()),
                    "symbol " + req.file_containing_symbol(), resp);
      case Request::kFileContainingExtension: {
        const auto& e = req.file_containing_extension();
        const pb::Descriptor* type = pool.FindMessageTypeByName(e.containing_type());
        const pb::FieldDescriptor* f = type ? pool.FindExtensionByNumber(type, e.extension_number()) : nullptr;
        return file(f ? f->file() : nullptr, "extension " + std::to_string(e.extension_number()), resp);
      }
      case Request::kAllExtensionNumbersOfType: {
        const pb::Descriptor* type = pool.FindMessageTypeByName(req.all_extension_numbers_of_type());
        if (!type) return error(grpc::StatusCode::NOT_FOUND, "type " + req.all_extension_numbers_of_type(), resp);
        std::vector<const pb::FieldDescriptor*> found;
        pool.FindAllExtensions(type, &found);
        auto* out = resp.mutable_all_extension_numbers_response();
        out->set_base_type_name(type->full_name());
        for (const auto* f : found) out->add_extension_number(f->number());
        return;
      }
      default:
        return error(grpc::StatusCode::INVALID_ARGUMENT, "empty request", resp);
    }
  }

  static void error(grpc::StatusCode code, const std::string& what, Response& resp) {
    resp.mutable_error_response()->set_error_code(code);
    resp.mutable_error_response()->set_error_message(what + (code == grpc::StatusCode::NOT_FOUND ? " not found" : ""));
  }

  // `f` and every file it imports, transitively, each once.
  static void file(const pb::FileDescriptor* f, const std::string& what, Response& resp) {
    if (!f) return error(grpc::StatusCode::NOT_FOUND, what, resp);
    std::set<std::string> seen;
    std::vector<const pb::FileDescriptor*> todo = {f};
    while (!todo.empty()) {
      const pb::FileDescriptor* next = todo.back();
      todo.pop_back();
      if (!seen.insert(next->name()).second) continue;
      pb::FileDescriptorProto proto;
      next->CopyTo(&proto);
      proto.SerializeToString(resp.mutable_file_descriptor_response()->add_file_descriptor_proto());
      for (int i = 0; i < next->dependency_count(); ++i) todo.push_back(next->dependency(i));
    }
  }

  std::vector<std::string> services_;
  std::string token_;
};

}  // namespace

std::unique_ptr<grpc::Service> reflection_v1(std::vector<std::string> services, std::string token) {
  return std::make_unique<Reflection<V1>>(std::move(services), std::move(token));
}

std::unique_ptr<grpc::Service> reflection_v1alpha(std::vector<std::string> services, std::string token) {
  return std::make_unique<Reflection<V1alpha>>(std::move(services), std::move(token));
}

}  // namespace loadgate::services
