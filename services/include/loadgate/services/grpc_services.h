// grpc_services.h: the embedded gRPC services (kernel and AI) the suites attack by default.
// No gRPC header here: the servers live in services/grpc/*.cc.
//
//   loadgate.kernel.Kernel/Status    fast unary call
//   loadgate.kernel.Kernel/Execute   unary call with a small amount of work (rounds of hashing);
//                                    with "authorization: Bearer T" metadata, T must be the API's
//                                    token of the call's "x-user" (else UNAUTHENTICATED); an
//                                    "x-request-id" comes back in the reply's metadata
//   loadgate.kernel.Kernel/Accumulate  client-streaming: Execute per message, one answer at the end
//   loadgate.kernel.Kernel/Pipeline  bidirectional: one answer per message, as it arrives
//   loadgate.ai.Ai/Generate          unary, latency drawn from a seeded log-normal distribution
//   loadgate.ai.Ai/GenerateStream    server-streaming tokens: a first-token delay, then a steady rate
// Both serve grpc.health.v1 and server reflection (grpc.reflection.v1 and v1alpha).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace loadgate::services {

/// GrpcOptions configure an embedded gRPC service.
struct GrpcServiceOptions {
  std::string host = "127.0.0.1";  ///< address to bind
  int port = 50051;                ///< 0 = any free port
  int threads = 0;                 ///< completion threads; 0 = gRPC's default
  // AI service: generation time ~ median * exp(sigma * N(0,1)), capped at max_latency.
  std::chrono::milliseconds median_latency{300};  ///< median of Generate's latency
  double sigma = 0.6;                             ///< log-normal shape (tail length)
  std::chrono::milliseconds max_latency{10000};   ///< cap of the distribution
  std::chrono::milliseconds first_token{150};     ///< median delay before the first token
  double token_rate = 50;                         ///< tokens per second after the first
  uint64_t seed = 42;                             ///< seed of the latency distribution
  int reset_every = 0;                            ///< GenerateStream: cancel every Nth stream halfway (0 = never)
  std::string cert_file;                          ///< PEM certificate: serve TLS instead of plaintext
  std::string key_file;                           ///< PEM private key of cert_file
  bool reflection_v1 = true;                      ///< serve grpc.reflection.v1.ServerReflection
  bool reflection_v1alpha = true;                 ///< serve grpc.reflection.v1alpha.ServerReflection
  std::string reflection_token;                   ///< reflection requires metadata x-reflection-token
                                                  ///< with this value ("" = open to all)
};

/// GrpcService runs the kernel or the AI service until stop() or destruction.
class GrpcService {
 public:
  /// Which service to run.
  enum class Kind { kKernel, kAi };
  GrpcService(Kind kind, GrpcServiceOptions options = {});
  ~GrpcService();
  GrpcService(const GrpcService&) = delete;
  GrpcService& operator=(const GrpcService&) = delete;

  /// Binds and starts; returns the bound port. Throws std::runtime_error when it cannot bind.
  int start();
  /// Stops serving (in-flight calls are cancelled). Idempotent.
  void stop();
  /// "127.0.0.1:50051".
  std::string addr() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace loadgate::services
