// grpc_driver.cc: slots that carry one gRPC call each, over the generic callback API.
//
// gRPC completes calls on its own threads; a slot measures the end there and posts the result
// into its worker's io_context, so the attacker sees every completion on its own thread as with
// HTTP. Channels are separate TCP connections (a local subchannel pool each); slots are spread
// over them round-robin.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <random>
#include <fstream>
#include <sstream>
#include <thread>

#include "engine/attacker.h"
#include "loadgate/error.h"
#include "loadgate/fd_limit.h"
#include "loadgate/file.h"
#include "loadgate/grpc.h"
#include "loadgate/interner.h"
#include "protocol/grpc/grpc_call.h"
#include "protocol/grpc/grpc_channel.h"
#include "protocol/grpc/grpc_result.h"

namespace loadgate {
namespace {

using engine::Hit;

class GrpcDriver;

// One call at a time; the stream reactor doubles as the per-call state of streaming calls. A
// client stream's writes form one chain (write, done, pause on the worker's timer, write), held
// open with AddHold() until the last message, so that gRPC ends the call only after it.
class GrpcSlot final : public engine::Slot, public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  GrpcSlot(asio::io_context& io, engine::SlotOwner& owner, GrpcDriver& d, size_t channel)
      : io_(io), owner_(owner), d_(d), channel_(channel), timer_(io) {}
  void start(const Hit& hit) override;
  void cancel() override {
    std::lock_guard lock(mu_);
    if (ctx_) {
      cancelled_ = true;
      ctx_->TryCancel();
    }
    timer_.cancel();  // a pause between messages ends now; the write chain sees cancelled_
  }
  void warm() override;
  void set_variables(const std::vector<std::string>* values) override { variables_ = values; }
  std::string_view kept_body() const override { return kept_body_; }
  std::string_view kept_headers() const override { return kept_headers_; }
  TraceId trace() const override { return trace_; }
  // Streaming callbacks (gRPC threads).
  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnDone(const grpc::Status& s) override { complete(s); }

 private:
  void complete(const grpc::Status& s);
  // Ends the call that start() is making as INVALID_ARGUMENT, `why` (completed later, on the
  // worker's thread: never inside start()).
  void reject(const std::string& why);
  // Adds the metadata to `ctx`, placeholders filled from `fill`; false (the call completed as
  // INVALID_ARGUMENT) when a filled value is not printable ASCII, which gRPC would abort on.
  bool add_metadata(grpc::ClientContext& ctx, const FillContext& fill);
  // Fills the client stream's template into stream_bytes_; false with bad_data_ set when it does
  // not fit the method's input.
  bool fill_stream();
  // Client streams: whether another message is due, and sending it (or closing the stream).
  bool more_to_write() const;
  void write_next();
  asio::io_context& io_;
  engine::SlotOwner& owner_;
  GrpcDriver& d_;
  size_t channel_;
  std::mutex mu_;  // guards ctx_ against cancel() from the io thread
  std::unique_ptr<grpc::ClientContext> ctx_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  Hit hit_{};
  std::atomic<bool> cancelled_{false};  // cancel() was called for the call in flight
  int64_t sent_ = 0;
  int64_t first_ = 0;
  uint64_t bytes_in_ = 0;
  uint32_t messages_ = 0;
  // Client streams (touched only along the write chain, one step at a time).
  asio::steady_timer timer_;
  const std::vector<std::string>* stream_ = nullptr;
  uint32_t planned_ = 0;       // messages to send; 0 = until writes_until_
  int64_t writes_until_ = 0;   // steady ns after which no message starts; 0 = no limit
  uint32_t out_ = 0;           // messages sent
  uint64_t bytes_sent_ = 0;
  size_t pending_bytes_ = 0;   // size of the message being written
  bool write_failed_ = false;  // a write failed: the stream is over on the server's side
  std::string json_, bytes_;  // a request filled per call (templates, GrpcOptions::message)
  std::string value_;         // a metadata value filled per call
  // Client streams with placeholders: the call's fill, and its messages filled (per call, or
  // again per message with stream_dynamic_messages); bad_data_ says why they did not fit.
  FillContext fill_;
  std::vector<std::string> stream_bytes_;
  std::string bad_data_;
  std::mt19937_64 rng_{std::random_device{}()};
  TraceId trace_;  // -trace: the call's trace id
  // Journeys (GrpcDriver::keep()): the variables placeholders read, and the reply kept as JSON
  // (an array for a server stream) with its metadata ("key: value\r\n" each).
  const std::vector<std::string>* variables_ = nullptr;
  std::string kept_body_, kept_headers_;
  // Appends a reply message to kept_body_ (gRPC threads, one at a time).
  void keep(const grpc::ByteBuffer& reply);
};

class GrpcDriver final : public engine::Driver {
 public:
  /// `label`: the results' target ("" = "grpc /pkg.Service/Method"); `keep`: slots keep each
  /// reply as JSON and its metadata (a journey's step).
  GrpcDriver(const GrpcOptions& g, const AttackOptions& options, const std::string& label = "", bool keep = false)
      : g_(g), options_(options), call_(grpcx::resolve_call(g)), keep_(keep) {
    label_ = intern(label.empty() ? "grpc " + call_.info.path : label);
    for (const std::string& r : call_.requests) {
      grpc::Slice slice(r.data(), r.size());
      requests_.emplace_back(&slice, 1);
    }
    const int n = std::max(1, g.connections);
    for (int i = 0; i < n; ++i) {
      channels_.push_back(grpcx::make_channel(g, i));
      stubs_.push_back(std::make_unique<grpc::GenericStub>(channels_.back()));
    }
    // Connect every channel at once before the clock starts, for -connect-timeout at most, and stop on
    // Ctrl-C; an unreachable server is measured, not fatal.
    // (A channel left alone does not progress: nothing polls it. WaitForConnected polls its
    // own queue, in slices, so that Ctrl-C is seen.)
    for (auto& c : channels_) c->GetState(/*try_to_connect=*/true);
    const int64_t until = steady_now_ns() + g.connect_timeout.count();
    for (size_t i = 0; i < channels_.size();) {
      if (steady_now_ns() >= until || (options.stop && options.stop->load())) break;
      if (channels_[i]->WaitForConnected(std::chrono::system_clock::now() + std::chrono::milliseconds(50))) ++i;
    }
  }

  std::unique_ptr<engine::Slot> make_slot(asio::io_context& io, engine::SlotOwner& owner) override {
    return std::make_unique<GrpcSlot>(io, owner, *this, next_channel_++ % stubs_.size());
  }
  uint32_t target_count() const override { return static_cast<uint32_t>(requests_.size()); }
  std::optional<uint32_t> target_for(uint64_t seq) override {
    if (g_.feeder && g_.feeder->mode == FeedMode::kSequential && seq >= g_.feeder->size()) return std::nullopt;
    return engine::Driver::target_for(seq);
  }
  uint32_t target_label(uint32_t) const override { return label_; }
  Kind kind() const override {
    if (call_.info.client_streaming) return call_.info.server_streaming ? Kind::kGrpcBidi : Kind::kGrpcClientStream;
    return call_.info.server_streaming ? Kind::kGrpcStream : Kind::kGrpcUnary;
  }
  std::string protocol() const override { return "grpc"; }
  // A call's end is timed on the gRPC thread that completes it (complete()), whenever the
  // worker's thread takes the result: an open model's thread may sleep from tick to tick and
  // take the results posted meanwhile at its next one (one wake-up for many completions, not
  // one each). Not for client streams: their writes are paced on the worker's thread.
  bool stamps_reads() const override { return !call_.info.client_streaming; }

  const grpcx::Call& call() const { return call_; }
  const GrpcOptions& options() const { return g_; }
  const Load& load() const { return options_.load; }
  grpc::GenericStub& stub(size_t i) { return *stubs_[i]; }
  const grpc::ByteBuffer& request(uint32_t i) const { return requests_[i]; }
  uint32_t label() const { return label_; }
  bool keep() const { return keep_; }

 private:
  GrpcOptions g_;
  const AttackOptions& options_;
  grpcx::Call call_;
  uint32_t label_ = 0;
  std::vector<grpc::ByteBuffer> requests_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs_;
  std::atomic<size_t> next_channel_{0};
  bool keep_ = false;
};

void GrpcSlot::reject(const std::string& why) {
  sent_ = steady_now_ns();
  const grpc::Status bad(grpc::StatusCode::INVALID_ARGUMENT, why);
  asio::post(io_, [this, bad] { complete(bad); });
}

bool GrpcSlot::fill_stream() {
  json_.clear();
  d_.call().templates[hit_.target].fill(fill_, json_);
  return grpcx::encode_stream(*d_.call().encoder, json_, stream_bytes_, bad_data_);
}

bool GrpcSlot::add_metadata(grpc::ClientContext& ctx, const FillContext& fill) {
  const std::vector<Header>& md = d_.options().metadata;
  const auto& templates = d_.call().metadata_templates;
  size_t next = 0;  // templates are in the order of their index
  for (size_t i = 0; i < md.size(); ++i) {
    if (next == templates.size() || templates[next].first != i) {
      ctx.AddMetadata(md[i].first, md[i].second);
      continue;
    }
    value_.clear();
    templates[next++].second.fill(fill, value_);
    if (!grpcx::metadata_value_ok(value_)) {
      reject("metadata " + md[i].first + ": the filled value is not printable ASCII");
      return false;
    }
    ctx.AddMetadata(md[i].first, value_);
  }
  return true;
}

void GrpcSlot::start(const Hit& hit) {
  hit_ = hit;
  cancelled_ = false;
  first_ = 0;
  bytes_in_ = 0;
  messages_ = 0;
  // One fill per call for the request's and the metadata's placeholders (one feeder row).
  FillContext fill;
  if (d_.keep()) {
    kept_body_.clear();
    kept_headers_.clear();
    if (d_.call().info.server_streaming) kept_body_ = "[";
  }
  if (!d_.call().templates.empty() || !d_.call().metadata_templates.empty()) {
    fill.variables = variables_;
    fill.seq = hit.seq;
    fill.shard = d_.options().shard;
    fill.rng = &rng_;
    fill.row = d_.options().feeder ? d_.options().feeder->row(hit.seq, rng_) : nullptr;
  }
  if ((!d_.call().templates.empty() && !d_.call().info.client_streaming) || d_.options().message) {
    // A request made for this call: a template filled, or the C++ hook's JSON, encoded.
    json_.clear();
    if (d_.options().message)
      d_.options().message(hit.seq, json_);
    else
      d_.call().templates[hit.target].fill(fill, json_);
    std::string error;
    if (!grpcx::encode(*d_.call().encoder, json_, bytes_, error)) return reject("data: " + error);
    grpc::Slice slice(bytes_.data(), bytes_.size());
    request_ = grpc::ByteBuffer(&slice, 1);
  } else {
    request_ = d_.request(hit.target);  // shares the slices, no copy
  }
  response_.Clear();
  auto ctx = std::make_unique<grpc::ClientContext>();  // gRPC wants a fresh context per call
  if (d_.load().timeout.count() > 0) ctx->set_deadline(std::chrono::system_clock::now() + d_.load().timeout);
  if (!add_metadata(*ctx, fill)) return;
  trace_ = {};
  if (d_.options().trace) ctx->AddMetadata("traceparent", traceparent(trace_, rng_(), rng_(), rng_()));
  if (d_.options().compression == "gzip") ctx->set_compression_algorithm(GRPC_COMPRESS_GZIP);
  {
    std::lock_guard lock(mu_);
    ctx_ = std::move(ctx);
  }
  sent_ = steady_now_ns();
  const std::string& path = d_.call().info.path;
  if (d_.call().info.client_streaming) {
    const GrpcOptions& g = d_.options();
    stream_ = &d_.call().streams[hit.target];
    bad_data_.clear();
    if (!d_.call().templates.empty()) {  // the stream's messages filled for this call
      fill_ = fill;
      if (!fill_stream()) return reject("data: " + bad_data_);
      stream_ = &stream_bytes_;
    }
    out_ = 0;
    bytes_sent_ = 0;
    write_failed_ = false;
    planned_ = g.stream_call_count > 0 ? static_cast<uint32_t>(g.stream_call_count)
               : g.stream_call_duration.count() > 0 ? 0
                                                    : static_cast<uint32_t>(stream_->size());
    writes_until_ = g.stream_call_duration.count() > 0 ? sent_ + g.stream_call_duration.count() : 0;
    d_.stub(channel_).PrepareBidiStreamingCall(ctx_.get(), path, grpc::StubOptions(), this);
    AddHold();  // released by the write chain's end
    StartRead(&response_);
    StartCall();
    write_next();
    return;
  }
  if (!d_.call().info.server_streaming) {
    d_.stub(channel_).UnaryCall(ctx_.get(), path, grpc::StubOptions(), &request_, &response_, [this](grpc::Status s) {
      bytes_in_ = s.ok() && response_.Valid() ? response_.Length() : 0;
      if (s.ok() && d_.keep()) keep(response_);
      complete(s);
    });
    return;
  }
  d_.stub(channel_).PrepareBidiStreamingCall(ctx_.get(), path, grpc::StubOptions(), this);
  StartWrite(&request_);
  StartWritesDone();
  StartRead(&response_);
  StartCall();
}

// A gRPC channel makes its first calls slowly (call stacks and HTTP/2 streams built on first
// use): each slot makes one call before the start, to a method no server has, so that it has no
// effect on the service (the answer, UNIMPLEMENTED, is not recorded).
void GrpcSlot::warm() {
  owner_.connecting(+1);
  auto ctx = std::make_shared<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
  grpc::Slice empty("", 0);
  auto request = std::make_shared<grpc::ByteBuffer>(&empty, 1), response = std::make_shared<grpc::ByteBuffer>();
  d_.stub(channel_).UnaryCall(ctx.get(), "/loadgate.Warmup/Ping", grpc::StubOptions(), request.get(), response.get(),
                              [this, ctx, request, response](const grpc::Status&) {
                                asio::post(io_, [this] { owner_.connecting(-1); });
                              });
}

void GrpcSlot::OnReadDone(bool ok) {
  if (!ok) return;  // end of stream; OnDone follows
  if (messages_++ == 0) first_ = steady_now_ns() - sent_;
  if (response_.Valid()) bytes_in_ += response_.Length();
  if (d_.keep()) keep(response_);
  response_.Clear();
  StartRead(&response_);
}

bool GrpcSlot::more_to_write() const {
  return !write_failed_ && !cancelled_ && (planned_ == 0 || out_ < planned_) &&
         (writes_until_ == 0 || steady_now_ns() < writes_until_);
}

void GrpcSlot::write_next() {
  if (!more_to_write()) {
    if (!write_failed_ && !cancelled_) StartWritesDone();
    RemoveHold();
    return;
  }
  if (out_ > 0 && !d_.call().templates.empty() && d_.options().stream_dynamic_messages && !fill_stream()) {
    // A message that does not fit: the call ends here, as INVALID_ARGUMENT (complete()).
    {
      std::lock_guard lock(mu_);
      if (ctx_) ctx_->TryCancel();
    }
    RemoveHold();
    return;
  }
  const std::string& m = (*stream_)[out_ % stream_->size()];
  grpc::Slice slice(m.data(), m.size());
  request_ = grpc::ByteBuffer(&slice, 1);
  pending_bytes_ = m.size();
  StartWrite(&request_);
}

void GrpcSlot::OnWriteDone(bool ok) {
  if (!stream_ || !d_.call().info.client_streaming) return;  // server streams: the one request
  if (!ok) {
    write_failed_ = true;
    return write_next();
  }
  ++out_;
  bytes_sent_ += pending_bytes_;
  const Nanos pause = d_.options().stream_interval;
  if (pause.count() > 0 && more_to_write()) {
    asio::post(io_, [this, pause] {  // the timer lives on the worker's thread
      timer_.expires_after(pause);
      timer_.async_wait([this](const asio::error_code&) { write_next(); });
    });
    return;
  }
  write_next();
}

void GrpcSlot::keep(const grpc::ByteBuffer& reply) {
  std::string json;
  if (!grpcx::decode(*d_.call().encoder, grpcx::flatten(reply), json)) json = "null";
  const bool stream = d_.call().info.server_streaming;
  if (stream && kept_body_.size() > 1) kept_body_ += ',';
  if (kept_body_.size() < (64u << 10)) kept_body_ += json;  // a journey reads 64 KiB of a reply at most
}

// On a gRPC thread: measure now, hand the result to the worker's thread.
void GrpcSlot::complete(const grpc::Status& status) {
  // A stream's message that did not fit ended the call (write_next()): that is its status, not
  // the cancel that ended it.
  const grpc::Status s =
      bad_data_.empty() ? status : grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "data: " + bad_data_);
  Result r = grpcx::grpc_result(hit_, sent_, s, d_.kind(), cancelled_.load());
  r.bytes_in = bytes_in_;
  if (sends_stream(r.kind)) {
    r.bytes_out = bytes_sent_;
    r.set_stream_messages(messages_, out_);
    // The server closed the call while the client still had messages to send: even with OK,
    // the stream did not carry what was asked.
    if (s.ok() && write_failed_ && !cancelled_) {
      r.error_kind = ErrorKind::kProtocol;
      r.error = intern("stream ended by the server before the client sent all its messages");
    }
  } else {
    r.bytes_out = d_.call().requests[hit_.target].size();  // request_ may be consumed by the call
    r.messages = messages_;
  }
  r.first_ns = first_;
  r.target = d_.label();
  if (d_.keep()) {
    if (d_.call().info.server_streaming) kept_body_ += ']';
    std::lock_guard lock(mu_);
    if (ctx_)
      for (const auto* md : {&ctx_->GetServerInitialMetadata(), &ctx_->GetServerTrailingMetadata()})
        for (const auto& [k, v] : *md) {
          kept_headers_.append(k.data(), k.size()).append(": ");
          kept_headers_.append(v.data(), v.size()).append("\r\n");
        }
  }
  asio::post(io_, [this, r] {
    {
      std::lock_guard lock(mu_);
      ctx_.reset();
    }
    owner_.done(*this, r);
  });
}

}  // namespace

namespace grpcx {
std::unique_ptr<engine::Driver> make_step_driver(const GrpcOptions& g, const AttackOptions& options, const std::string& label) {
  return std::make_unique<GrpcDriver>(g, options, label, true);
}
}  // namespace grpcx

AttackRun attack_grpc(const GrpcOptions& g, const AttackOptions& options) {
  if (g.addr.empty()) throw InputError("", 0, "-addr", "want host:port");
  if (g.connections < 1 || g.connections > kMaxGrpcConnections)
    throw InputError("", 0, "-connections",
                     "want 1 to " + std::to_string(kMaxGrpcConnections) + " channels (each a TCP connection), got " +
                         std::to_string(g.connections));
  // Each channel holds a socket and a few descriptors of gRPC's own: check them all up front.
  const uint64_t fds = raise_fd_limit();
  if (fds < static_cast<uint64_t>(g.connections) * 4 + 64)
    throw InputError("", 0, "-connections",
                     std::to_string(g.connections) + " channels need more open files than the limit (" +
                         std::to_string(fds) + "); raise `ulimit -n`");
  GrpcDriver driver(g, options);
  const grpcx::WireBytes before = grpcx::wire_bytes(g);  // the connections are open: count from here
  AttackRun run = engine::attack(driver, options);
  const grpcx::WireBytes after = grpcx::wire_bytes(g);
  run.wire_bytes_out = after.sent > before.sent ? after.sent - before.sent : 0;
  run.wire_bytes_in = after.received > before.received ? after.received - before.received : 0;
  return run;
}

}  // namespace loadgate
