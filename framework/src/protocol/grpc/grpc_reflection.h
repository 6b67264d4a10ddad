// grpc_reflection.h (internal): the client side of gRPC server reflection. Asks
// grpc.reflection.v1 first and falls back to v1alpha, as servers offer either; answers are
// serialized FileDescriptorProtos, which grpc_call.cc turns into descriptors.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "loadgate/grpc.h"

namespace grpc {
class Channel;
}  // namespace grpc

namespace loadgate::grpcx {

/// What one reflection request came back with.
struct ReflectionAnswer {
  /// How it went: kOk, kNotOffered (neither version is implemented), kUnreachable (no
  /// connection or no answer in time), kNotFound (the server does not know the name), kFailed.
  enum class Outcome { kOk, kNotOffered, kUnreachable, kNotFound, kFailed } outcome = Outcome::kFailed;
  std::string message;              ///< why, when not kOk ("UNAVAILABLE: ...")
  std::vector<std::string> files;   ///< serialized FileDescriptorProtos (file requests)
  std::vector<std::string> services;  ///< fully-qualified names (list request)
};

/// Reflector asks one server, over one channel, with GrpcOptions::reflect_metadata.
class Reflector {
 public:
  explicit Reflector(const GrpcOptions& g);
  ~Reflector();
  /// Every service the server lists.
  ReflectionAnswer list_services();
  /// The file defining `symbol` (a service or message name), with the files the server sends along.
  ReflectionAnswer file_containing_symbol(const std::string& symbol);
  /// The file named `name`.
  ReflectionAnswer file_by_filename(const std::string& name);
  /// "grpc.reflection.v1" or "grpc.reflection.v1alpha" once a request succeeded, else "".
  const std::string& version() const { return version_; }

 private:
  template <class Ask>
  ReflectionAnswer ask(const Ask& fill);
  GrpcOptions g_;
  std::shared_ptr<grpc::Channel> channel_;
  std::string version_;
  bool v1_missing_ = false;  // the server answered UNIMPLEMENTED to v1: go straight to v1alpha
};

}  // namespace loadgate::grpcx
