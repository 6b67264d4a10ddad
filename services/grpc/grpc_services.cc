// grpc_services.cc: kernel and AI services on gRPC's callback API. Latency is simulated with
// grpc::Alarm, so a slow call holds no thread.
#include "loadgate/services/grpc_services.h"
#include "loadgate/services/session_token.h"

#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/alarm.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>

#include "ai.grpc.pb.h"
#include "kernel.grpc.pb.h"
#include "reflection_service.h"

namespace loadgate::services {
namespace {

using Clock = std::chrono::steady_clock;
using Wall = std::chrono::system_clock;  // grpc::Alarm takes system_clock deadlines

// Execute's work: `op` over `args`, `rounds` times. Not OK for a bad op or rounds.
grpc::Status execute(const kernel::ExecuteRequest& req, kernel::ExecuteReply& reply) {
  const int rounds = req.rounds() <= 0 ? 1 : req.rounds();
  if (rounds > 10000) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "rounds: want 1..10000");
  const std::string& op = req.op().empty() ? std::string("sum") : req.op();
  if (op != "sum" && op != "product" && op != "hash")
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "op: want sum, product or hash");
  int64_t result = op == "product" ? 1 : 0;
  for (int i = 0; i < rounds; ++i) {
    for (int64_t a : req.args()) {
      if (op == "sum")
        result += a;
      else if (op == "product")
        result *= a;
      else
        result = (result ^ a) * 1099511628211LL;
    }
  }
  reply.set_result(result);
  reply.set_rounds(rounds);
  return grpc::Status::OK;
}

// Accumulate: executes each request read; answers once the client ends its stream.
class AccumulateReactor final : public grpc::ServerReadReactor<kernel::ExecuteRequest> {
 public:
  explicit AccumulateReactor(kernel::ExecuteReply* reply) : reply_(reply) { StartRead(&req_); }
  void OnReadDone(bool ok) override {
    if (!ok) {  // the client's stream ended
      reply_->set_result(sum_);
      reply_->set_rounds(rounds_);
      return Finish(grpc::Status::OK);
    }
    kernel::ExecuteReply one;
    if (grpc::Status s = execute(req_, one); !s.ok()) return Finish(s);
    sum_ += one.result();
    rounds_ += one.rounds();
    StartRead(&req_);
  }
  void OnDone() override { delete this; }

 private:
  kernel::ExecuteReply* reply_;
  kernel::ExecuteRequest req_;
  int64_t sum_ = 0;
  int32_t rounds_ = 0;
};

// Pipeline: one reply per request, in order; op "end" ends with OK, "abort" with ABORTED and
// "reset" tears the stream down (RST_STREAM; the client sees CANCELLED).
class PipelineReactor final : public grpc::ServerBidiReactor<kernel::ExecuteRequest, kernel::ExecuteReply> {
 public:
  explicit PipelineReactor(grpc::CallbackServerContext* ctx) : ctx_(ctx) { StartRead(&req_); }
  void OnReadDone(bool ok) override {
    if (!ok) return Finish(grpc::Status::OK);
    if (req_.op() == "end") return Finish(grpc::Status::OK);
    if (req_.op() == "abort") return Finish(grpc::Status(grpc::StatusCode::ABORTED, "op abort: stream ended by the server"));
    if (req_.op() == "reset") {
      ctx_->TryCancel();
      return Finish(grpc::Status::CANCELLED);
    }
    if (grpc::Status s = execute(req_, reply_); !s.ok()) return Finish(s);
    StartWrite(&reply_);
  }
  void OnWriteDone(bool ok) override {
    if (!ok) return Finish(grpc::Status::CANCELLED);
    StartRead(&req_);
  }
  void OnDone() override { delete this; }

 private:
  grpc::CallbackServerContext* ctx_;
  kernel::ExecuteRequest req_;
  kernel::ExecuteReply reply_;
};

// A call without "authorization" metadata is open to all (the suites' loads); one with it must
// carry the session token of its "x-user" (the API's /api/login gives it).
bool authorized(const grpc::CallbackServerContext& ctx) {
  const auto& md = ctx.client_metadata();
  const auto auth = md.find("authorization");
  if (auth == md.end()) return true;
  const auto user = md.find("x-user");
  if (user == md.end()) return false;
  return std::string(auth->second.data(), auth->second.size()) ==
         "Bearer " + services::session_token(std::string(user->second.data(), user->second.size()));
}

class KernelImpl final : public kernel::Kernel::CallbackService {
 public:
  grpc::ServerUnaryReactor* Status(grpc::CallbackServerContext* ctx, const kernel::StatusRequest*,
                                   kernel::StatusReply* reply) override {
    reply->set_state("ok");
    reply->set_uptime_ms(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_).count());
    reply->set_calls(++calls_);
    auto echo = ctx->client_metadata().find("x-echo");
    if (echo != ctx->client_metadata().end()) reply->set_echo(std::string(echo->second.data(), echo->second.size()));
    auto* r = ctx->DefaultReactor();
    r->Finish(grpc::Status::OK);
    return r;
  }

  grpc::ServerUnaryReactor* Execute(grpc::CallbackServerContext* ctx, const kernel::ExecuteRequest* req,
                                    kernel::ExecuteReply* reply) override {
    ++calls_;
    const auto rid = ctx->client_metadata().find("x-request-id");
    if (rid != ctx->client_metadata().end())
      ctx->AddInitialMetadata("x-request-id", std::string(rid->second.data(), rid->second.size()));
    auto* r = ctx->DefaultReactor();
    r->Finish(authorized(*ctx) ? execute(*req, *reply)
                               : grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                                              "authorization: want \"Bearer <token from the API's /api/login>\" "
                                              "with x-user: <the user who logged in>"));
    return r;
  }

  grpc::ServerReadReactor<kernel::ExecuteRequest>* Accumulate(grpc::CallbackServerContext*,
                                                              kernel::ExecuteReply* reply) override {
    ++calls_;
    return new AccumulateReactor(reply);
  }

  grpc::ServerBidiReactor<kernel::ExecuteRequest, kernel::ExecuteReply>* Pipeline(
      grpc::CallbackServerContext* ctx) override {
    ++calls_;
    return new PipelineReactor(ctx);
  }

 private:
  Clock::time_point started_ = Clock::now();
  std::atomic<int64_t> calls_{0};
};

// Seeded log-normal delays, shared by the AI handlers.
class Latency {
 public:
  explicit Latency(const GrpcServiceOptions& o) : o_(o), rng_(o.seed) {}
  std::chrono::milliseconds sample(std::chrono::milliseconds median) {
    std::lock_guard lock(mu_);
    const double v = static_cast<double>(median.count()) * std::exp(o_.sigma * normal_(rng_));
    return std::chrono::milliseconds(static_cast<int64_t>(std::min(v, static_cast<double>(o_.max_latency.count()))));
  }

 private:
  const GrpcServiceOptions& o_;
  std::mutex mu_;
  std::mt19937_64 rng_;
  std::normal_distribution<double> normal_{0.0, 1.0};
};

std::string word(int i) {
  static const char* kWords[] = {"load", "gate", "tests", "latency", "under", "pressure", "tail", "budget"};
  return kWords[i % 8];
}

// Generate: finishes when its alarm fires.
class GenerateReactor final : public grpc::ServerUnaryReactor {
 public:
  GenerateReactor(std::chrono::milliseconds delay, int tokens, ai::GenerateReply* reply) : reply_(reply) {
    std::string text;
    for (int i = 0; i < tokens; ++i) text += (i ? " " : "") + word(i);
    reply_->set_text(text);
    reply_->set_tokens(tokens);
    alarm_.Set(Wall::now() + delay, [this](bool ok) { Finish(ok ? grpc::Status::OK : grpc::Status::CANCELLED); });
  }
  void OnDone() override { delete this; }
  void OnCancel() override { alarm_.Cancel(); }

 private:
  ai::GenerateReply* reply_;
  grpc::Alarm alarm_;
};

// GenerateStream: a first-token delay, then one token per 1/token_rate.
class StreamReactor final : public grpc::ServerWriteReactor<ai::Token> {
 public:
  StreamReactor(grpc::CallbackServerContext* ctx, std::chrono::milliseconds first, std::chrono::microseconds gap,
                int tokens, bool reset)
      : ctx_(ctx), gap_(gap), tokens_(tokens), reset_at_(reset ? tokens / 2 : -1) {
    wait(first);
  }
  void OnWriteDone(bool ok) override {
    if (!ok) return Finish(grpc::Status::CANCELLED);
    wait(gap_);
  }
  void OnCancel() override { alarm_.Cancel(); }
  void OnDone() override { delete this; }

 private:
  void wait(std::chrono::microseconds d) {
    alarm_.Set(Wall::now() + d, [this](bool ok) {
      if (!ok) return Finish(grpc::Status::CANCELLED);
      next();
    });
  }
  void next() {
    if (sent_ == reset_at_) {
      ctx_->TryCancel();  // RST_STREAM: the client sees the stream torn down mid-way
      return Finish(grpc::Status::CANCELLED);
    }
    if (sent_ == tokens_) return Finish(grpc::Status::OK);
    token_.set_text(word(sent_));
    token_.set_index(sent_);
    ++sent_;
    StartWrite(&token_);
  }
  grpc::CallbackServerContext* ctx_;
  std::chrono::microseconds gap_;
  int tokens_;
  int reset_at_;
  int sent_ = 0;
  ai::Token token_;
  grpc::Alarm alarm_;
};

class AiImpl final : public ai::Ai::CallbackService {
 public:
  explicit AiImpl(const GrpcServiceOptions& o) : o_(o), latency_(o) {}

  grpc::ServerUnaryReactor* Generate(grpc::CallbackServerContext*, const ai::GenerateRequest* req,
                                     ai::GenerateReply* reply) override {
    return new GenerateReactor(latency_.sample(o_.median_latency), tokens(*req), reply);
  }

  grpc::ServerWriteReactor<ai::Token>* GenerateStream(grpc::CallbackServerContext* ctx,
                                                      const ai::GenerateRequest* req) override {
    const bool reset = o_.reset_every > 0 && ++streams_ % o_.reset_every == 0;
    const auto gap = std::chrono::microseconds(static_cast<int64_t>(1e6 / std::max(0.001, o_.token_rate)));
    return new StreamReactor(ctx, latency_.sample(o_.first_token), gap, tokens(*req), reset);
  }

 private:
  static int tokens(const ai::GenerateRequest& req) {
    return req.max_tokens() <= 0 ? 20 : std::min(req.max_tokens(), 1000);
  }
  const GrpcServiceOptions& o_;
  Latency latency_;
  std::atomic<int64_t> streams_{0};
};

}  // namespace

struct GrpcService::Impl {
  Kind kind;
  GrpcServiceOptions o;
  std::unique_ptr<grpc::Service> service;
  std::vector<std::unique_ptr<grpc::Service>> reflection;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
};

GrpcService::GrpcService(Kind kind, GrpcServiceOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->kind = kind;
  impl_->o = std::move(options);
}

GrpcService::~GrpcService() { stop(); }

int GrpcService::start() {
  Impl& s = *impl_;
  if (s.kind == Kind::kKernel)
    s.service = std::make_unique<KernelImpl>();
  else
    s.service = std::make_unique<AiImpl>(s.o);
  // grpc.health.v1.Health: the readiness probe of the built-in declarations ("ready": "grpc").
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder b;
  std::shared_ptr<grpc::ServerCredentials> creds = grpc::InsecureServerCredentials();
  if (!s.o.cert_file.empty()) {
    auto read = [](const std::string& path) {
      std::ifstream in(path);
      if (!in) throw std::runtime_error("grpc service: cannot read " + path);
      std::stringstream ss;
      ss << in.rdbuf();
      return ss.str();
    };
    grpc::SslServerCredentialsOptions tls;
    tls.pem_key_cert_pairs.push_back({read(s.o.key_file), read(s.o.cert_file)});
    creds = grpc::SslServerCredentials(tls);
  }
  b.AddListeningPort(s.o.host + ":" + std::to_string(s.o.port), creds, &s.port);
  b.RegisterService(s.service.get());
  // Server reflection over the generated protos: the services this server offers.
  const std::string name = s.kind == Kind::kKernel ? "loadgate.kernel.Kernel" : "loadgate.ai.Ai";
  std::vector<std::string> offered = {name, "grpc.health.v1.Health"};
  if (s.o.reflection_v1) offered.push_back("grpc.reflection.v1.ServerReflection");
  if (s.o.reflection_v1alpha) offered.push_back("grpc.reflection.v1alpha.ServerReflection");
  if (s.o.reflection_v1) s.reflection.push_back(reflection_v1(offered, s.o.reflection_token));
  if (s.o.reflection_v1alpha) s.reflection.push_back(reflection_v1alpha(offered, s.o.reflection_token));
  for (auto& r : s.reflection) b.RegisterService(r.get());
  b.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, 10000);
  if (s.o.threads > 0) b.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::NUM_CQS, s.o.threads);
  s.server = b.BuildAndStart();
  if (!s.server || s.port == 0)
    throw std::runtime_error("grpc service: cannot bind " + s.o.host + ":" + std::to_string(s.o.port));
  return s.port;
}

void GrpcService::stop() {
  if (!impl_ || !impl_->server) return;
  impl_->server->Shutdown(std::chrono::system_clock::now());  // cancel in-flight calls now
  impl_->server->Wait();
  impl_->server.reset();
}

std::string GrpcService::addr() const { return impl_->o.host + ":" + std::to_string(impl_->port); }

}  // namespace loadgate::services
