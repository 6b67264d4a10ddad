// grpc_typed.cc: slots that run a caller-provided call starter (generated stubs).
#include "loadgate/grpc_typed.h"

#include <asio/post.hpp>

#include "engine/attacker.h"
#include "loadgate/interner.h"
#include "protocol/grpc/grpc_result.h"

namespace loadgate {
namespace {

class TypedDriver;

class TypedSlot final : public engine::Slot {
 public:
  TypedSlot(asio::io_context& io, engine::SlotOwner& owner, TypedDriver& d) : io_(io), owner_(owner), d_(d) {}
  void start(const engine::Hit& hit) override;
  void cancel() override {
    std::lock_guard lock(mu_);
    if (ctx_) {
      cancelled_ = true;
      ctx_->TryCancel();
    }
  }

 private:
  asio::io_context& io_;
  engine::SlotOwner& owner_;
  TypedDriver& d_;
  std::mutex mu_;
  std::unique_ptr<grpc::ClientContext> ctx_;
  std::atomic<bool> cancelled_{false};  // cancel() was called for the call in flight
};

class TypedDriver final : public engine::Driver {
 public:
  TypedDriver(const GrpcCallStarter& start, const AttackOptions& options, const std::string& label,
              const std::vector<Header>& metadata)
      : start_(start), options_(options), label_(intern(label)), metadata_(metadata) {}
  std::unique_ptr<engine::Slot> make_slot(asio::io_context& io, engine::SlotOwner& owner) override {
    return std::make_unique<TypedSlot>(io, owner, *this);
  }
  uint32_t target_count() const override { return 1; }
  uint32_t target_label(uint32_t) const override { return label_; }
  Kind kind() const override { return Kind::kGrpcUnary; }
  std::string protocol() const override { return "grpc"; }

  const GrpcCallStarter& start_;
  const AttackOptions& options_;
  uint32_t label_;
  std::vector<Header> metadata_;
};

void TypedSlot::start(const engine::Hit& hit) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (d_.options_.load.timeout.count() > 0) ctx->set_deadline(std::chrono::system_clock::now() + d_.options_.load.timeout);
  for (const auto& [k, v] : d_.metadata_) ctx->AddMetadata(k, v);
  grpc::ClientContext* raw = ctx.get();
  cancelled_ = false;
  {
    std::lock_guard lock(mu_);
    ctx_ = std::move(ctx);
  }
  const int64_t sent = steady_now_ns();
  d_.start_(raw, [this, hit, sent](const grpc::Status& s) {
    Result r = grpcx::grpc_result(hit, sent, s, Kind::kGrpcUnary, cancelled_.load());
    r.target = d_.label_;
    asio::post(io_, [this, r] {
      {
        std::lock_guard lock(mu_);
        ctx_.reset();
      }
      owner_.done(*this, r);
    });
  });
}

}  // namespace

AttackRun attack_grpc_typed(const GrpcCallStarter& start, const AttackOptions& options, const std::string& label,
                            const std::vector<Header>& metadata) {
  TypedDriver driver(start, options, label, metadata);
  return engine::attack(driver, options);
}

}  // namespace loadgate
