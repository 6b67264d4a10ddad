// grpc_test.cc: the gRPC driver against the embedded kernel and AI services, in process.
#include "loadgate/grpc.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "kernel.grpc.pb.h"
#include "loadgate/error.h"
#include "test_results.h"
#include "loadgate/grpc_typed.h"
#include "loadgate/services/grpc_services.h"

namespace loadgate {
namespace {

using services::GrpcService;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::unique_ptr<GrpcService> start(GrpcService::Kind kind, services::GrpcServiceOptions o = {}) {
  o.port = 0;
  auto s = std::make_unique<GrpcService>(kind, o);
  s->start();
  return s;
}

AttackOptions closed(int workers, uint64_t requests) {
  AttackOptions o;
  o.workers = workers;
  o.requests = requests;
  o.timeout = seconds(5);
  return o;
}

AttackOptions open(double rate, Nanos duration) {
  AttackOptions o;
  o.rate.pacer = constant_pacer(rate);
  o.duration = duration;
  o.timeout = seconds(5);
  return o;
}

TEST(Grpc, ClosedModelSendsExactlyTheRequestedCalls) {
  auto kernel = start(GrpcService::Kind::kKernel);
  GrpcOptions g;
  g.addr = kernel->addr();
  g.data = {R"({"op":"sum","args":[1,2,3],"rounds":10})"};
  AttackRun run = attack_grpc(g, closed(10, 1000));
  const Summary s = run.metrics.summarize();
  EXPECT_EQ(run.metrics.primary(), Kind::kGrpcUnary);
  EXPECT_EQ(s.requests, 1000u);
  EXPECT_EQ(s.success, 1000u);
  EXPECT_EQ(s.status_codes.at("OK"), 1000u);
  EXPECT_GT(s.bytes_out, 0u);
  EXPECT_GT(s.bytes_in, 0u);
}

TEST(Grpc, OpenModelHoldsTheRate) {
  auto kernel = start(GrpcService::Kind::kKernel);
  GrpcOptions g;
  g.addr = kernel->addr();
  g.connections = 2;
  AttackOptions o = open(200, seconds(2));
  testing::RecordingSink sink;
  o.sink = &sink;
  const Summary s = attack_grpc(g, o).metrics.summarize();
  EXPECT_EQ(s.requests, 400u);
  EXPECT_EQ(s.success, 400u);
  // Against the schedule, which a busy machine does not move: every call due 5 ms apart.
  const std::vector<int64_t> due = sink.scheduled(Kind::kGrpcUnary);
  ASSERT_EQ(due.size(), 400u);
  for (size_t k = 0; k < due.size(); ++k) ASSERT_EQ(due[k], static_cast<int64_t>(k) * 5'000'000) << "call " << k;
}

TEST(Grpc, MetadataIsSent) {
  auto kernel = start(GrpcService::Kind::kKernel);
  GrpcOptions g;
  g.addr = kernel->addr();
  g.call = "loadgate.kernel.Kernel/Status";
  // The reply carries the uptime in ms as a varint: past 128 ms it takes two bytes, and stays so
  // for 16 s. Wait past 128 ms so that both runs' replies have the same size but for the echo.
  std::this_thread::sleep_for(milliseconds(200));
  const uint64_t plain = attack_grpc(g, closed(1, 10)).metrics.summarize().bytes_in;
  g.metadata = {{"x-echo", "0123456789"}};
  const uint64_t echoed = attack_grpc(g, closed(1, 10)).metrics.summarize().bytes_in;
  EXPECT_EQ(echoed, plain + 10 * 12);  // 10 calls x (10 bytes + field tag + length)
}

TEST(Grpc, ServerStreamingMeasuresFirstMessageAndCount) {
  services::GrpcServiceOptions o;
  o.first_token = milliseconds(50);
  o.sigma = 0;  // exactly 50 ms to the first token
  o.token_rate = 100;
  auto ai = start(GrpcService::Kind::kAi, o);
  GrpcOptions g;
  g.addr = ai->addr();
  g.call = "loadgate.ai.Ai/GenerateStream";
  g.data = {R"({"prompt":"hello","max_tokens":10})"};
  AttackRun run = attack_grpc(g, open(10, seconds(1)));
  const Summary s = run.metrics.summarize();
  EXPECT_EQ(run.metrics.primary(), Kind::kGrpcStream);
  EXPECT_EQ(s.requests, 10u);
  EXPECT_EQ(s.success, 10u);
  EXPECT_EQ(s.messages, 100u);
  // The server waits exactly 50 ms for the first token, then 10 ms per token: lower bounds are
  // exact; the upper ones leave room for a busy machine's scheduling (several times the waits).
  EXPECT_GE(s.first.p50, 50'000'000);
  EXPECT_LT(s.first.p50, 250'000'000);
  EXPECT_GE(s.gap.p50, 9'000'000);
  EXPECT_LT(s.gap.p50, 60'000'000);
  EXPECT_GE(s.uncorrected.p50, 140'000'000);
  EXPECT_LT(s.uncorrected.p50, 750'000'000);
}

TEST(Grpc, DeadlineExceededIsCounted) {
  services::GrpcServiceOptions o;
  o.median_latency = milliseconds(500);
  o.sigma = 0;
  auto ai = start(GrpcService::Kind::kAi, o);
  GrpcOptions g;
  g.addr = ai->addr();
  g.call = "loadgate.ai.Ai/Generate";
  AttackOptions load = open(20, milliseconds(500));
  load.timeout = milliseconds(100);
  const Summary s = attack_grpc(g, load).metrics.summarize();
  EXPECT_EQ(s.requests, 10u);
  EXPECT_EQ(s.success, 0u);
  // The server holds a copy of the deadline: when its copy fires first, the client sees the
  // stream cancelled (CANCELLED) instead. Either way every call failed, at the deadline.
  const uint64_t deadline = s.status_codes.count("DEADLINE_EXCEEDED") ? s.status_codes.at("DEADLINE_EXCEEDED") : 0;
  const uint64_t cancelled = s.status_codes.count("CANCELLED") ? s.status_codes.at("CANCELLED") : 0;
  EXPECT_EQ(deadline + cancelled, 10u);
  EXPECT_GE(deadline, 5u);
  EXPECT_EQ(s.errors.at(0), "DEADLINE_EXCEEDED: Deadline Exceeded");
  // No call ends before its 100 ms deadline; none long after it (the server would answer at
  // 500 ms): a second leaves room for a busy machine.
  EXPECT_GE(s.uncorrected.min, 100'000'000);
  EXPECT_LT(s.uncorrected.max, 1'000'000'000);
}

TEST(Grpc, ServerStoppingMidRunGivesUnavailable) {
  auto kernel = start(GrpcService::Kind::kKernel);
  GrpcOptions g;
  g.addr = kernel->addr();
  std::atomic<int64_t> stopping{0}, stopped{0};  // Unix ns around the stop
  std::thread stopper([&] {
    std::this_thread::sleep_for(milliseconds(700));
    stopping = unix_now_ns();
    kernel->stop();
    stopped = unix_now_ns();
  });
  AttackOptions o = open(100, seconds(2));
  testing::RecordingSink sink;
  o.sink = &sink;
  const Summary s = attack_grpc(g, o).metrics.summarize();
  stopper.join();
  EXPECT_EQ(s.requests, 200u);
  EXPECT_GT(s.status_codes.at("UNAVAILABLE"), 0u);
  // Judged against when the stop happened, wherever a busy machine put it: calls due well
  // before it succeed, calls due well after it find no server.
  for (const Result& r : sink.all) {
    if (r.scheduled_ns + 100'000'000 < stopping) EXPECT_TRUE(r.ok()) << "due before the stop";
    if (r.scheduled_ns > stopped + 500'000'000) EXPECT_EQ(r.status, 14) << "due after the stop: UNAVAILABLE";
  }
}

TEST(Grpc, UnreachableServerIsCountedNotFatal) {
  GrpcOptions g;
  g.addr = "127.0.0.1:1";
  const Summary s = attack_grpc(g, closed(2, 20)).metrics.summarize();
  EXPECT_EQ(s.requests, 20u);
  EXPECT_EQ(s.success, 0u);
  EXPECT_EQ(s.status_codes.at("UNAVAILABLE"), 20u);
}

TEST(Grpc, StreamsResetByTheServerAreFailures) {
  services::GrpcServiceOptions o;
  o.first_token = milliseconds(5);
  o.reset_every = 2;  // every second stream is torn down halfway
  auto ai = start(GrpcService::Kind::kAi, o);
  GrpcOptions g;
  g.addr = ai->addr();
  g.call = "loadgate.ai.Ai/GenerateStream";
  g.data = {R"({"max_tokens":10})"};
  const Summary s = attack_grpc(g, closed(1, 10)).metrics.summarize();
  EXPECT_EQ(s.requests, 10u);
  EXPECT_EQ(s.success, 5u);
  EXPECT_EQ(s.status_codes.at("OK"), 5u);
  EXPECT_LT(s.messages, 100u);
}

TEST(Grpc, DataVariantsAreCycled) {
  auto kernel = start(GrpcService::Kind::kKernel);
  GrpcOptions g;
  g.addr = kernel->addr();
  g.data = {R"({"op":"sum","args":[1]})", R"({"op":"nope"})"};
  const Summary s = attack_grpc(g, closed(1, 10)).metrics.summarize();
  EXPECT_EQ(s.success, 5u);
  EXPECT_EQ(s.status_codes.at("INVALID_ARGUMENT"), 5u);
  EXPECT_EQ(s.errors.at(0), "INVALID_ARGUMENT: op: want sum, product or hash");
}

// -data with placeholders: filled and encoded per call; a feeder's rows in sequence end the
// attack; the C++ hook builds each message; a filled value that breaks the shape fails its call.
TEST(Grpc, TemplatedDataFeederAndMessageHook) {
  auto kernel = start(GrpcService::Kind::kKernel);
  GrpcOptions g;
  g.addr = kernel->addr();
  g.data = {R"({"op":"{{feed.op}}","args":[{{rand_int 1 9}},{{seq}}]})"};
  g.feeder = std::make_shared<Feeder>(parse_feeder("op\nsum\nproduct\nnope\n", "ops.csv", FeedMode::kSequential));
  Summary s = attack_grpc(g, closed(1, 100)).metrics.summarize();
  EXPECT_EQ(s.requests, 3u) << "three rows, in sequence";
  EXPECT_EQ(s.success, 2u);
  EXPECT_EQ(s.status_codes.at("INVALID_ARGUMENT"), 1u) << "the server saw op \"nope\"";

  GrpcOptions h;
  h.addr = kernel->addr();
  std::atomic<uint64_t> built{0};
  h.message = [&](uint64_t seq, std::string& json) {
    ++built;
    json = seq % 2 ? R"({"op":"sum","args":[1]})" : R"({"op":"sum","args":"x"})";  // even calls do not fit
  };
  s = attack_grpc(h, closed(2, 20)).metrics.summarize();
  EXPECT_EQ(built.load(), 20u);
  EXPECT_EQ(s.success, 10u);
  EXPECT_EQ(s.status_codes.at("INVALID_ARGUMENT"), 10u);
  ASSERT_FALSE(s.errors.empty());
  EXPECT_EQ(s.errors[0].rfind("INVALID_ARGUMENT: data: ", 0), 0u) << s.errors[0];
}

TEST(Grpc, DynamicCallFromAProtoFile) {
  auto kernel = start(GrpcService::Kind::kKernel);
  GrpcOptions g;
  g.addr = kernel->addr();
  g.proto = LOADGATE_SOURCE_DIR "/services/proto/kernel.proto";
  g.call = "loadgate.kernel.Kernel.Execute";  // ghz also accepts the dotted form
  g.data = {R"({"op":"product","args":[2,3]})"};
  const GrpcCallInfo info = describe_grpc_call(g);
  EXPECT_EQ(info.path, "/loadgate.kernel.Kernel/Execute");
  EXPECT_EQ(info.input_type, "loadgate.kernel.ExecuteRequest");
  EXPECT_EQ(attack_grpc(g, closed(2, 50)).metrics.summarize().success, 50u);
}

TEST(Grpc, TypedApiWithGeneratedStubs) {
  auto kernel = start(GrpcService::Kind::kKernel);
  auto stub = kernel::Kernel::NewStub(grpc::CreateChannel(kernel->addr(), grpc::InsecureChannelCredentials()));
  AttackRun run = attack_grpc_typed(
      [&](grpc::ClientContext* ctx, GrpcDone done) {
        auto call = std::make_shared<std::pair<kernel::ExecuteRequest, kernel::ExecuteReply>>();
        call->first.set_op("sum");
        call->first.add_args(41);
        stub->async()->Execute(ctx, &call->first, &call->second, [call, done](grpc::Status s) {
          done(s.ok() && call->second.result() != 41 ? grpc::Status(grpc::StatusCode::DATA_LOSS, "wrong sum") : s);
        });
      },
      closed(4, 200), "Kernel/Execute typed");
  const Summary s = run.metrics.summarize();
  EXPECT_EQ(s.requests, 200u);
  EXPECT_EQ(s.success, 200u);
}

TEST(Grpc, TlsWithRootsOrSkipVerify) {
  const std::string dir = ::testing::TempDir() + "/lg_grpc_tls";
  const std::string cmd = "mkdir -p " + dir +
                          " && openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
                          "-addext subjectAltName=IP:127.0.0.1 -keyout " +
                          dir + "/key.pem -out " + dir + "/cert.pem 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  services::GrpcServiceOptions o;
  o.cert_file = dir + "/cert.pem";
  o.key_file = dir + "/key.pem";
  auto kernel = start(GrpcService::Kind::kKernel, o);
  GrpcOptions g;
  g.addr = kernel->addr();
  EXPECT_EQ(attack_grpc(g, closed(1, 5)).metrics.summarize().status_codes.count("UNAVAILABLE"), 1u)
      << "plaintext against TLS fails";
  g.tls = true;
  EXPECT_EQ(attack_grpc(g, closed(1, 5)).metrics.summarize().success, 0u) << "untrusted certificate";
  g.cacert = dir + "/cert.pem";
  EXPECT_EQ(attack_grpc(g, closed(1, 5)).metrics.summarize().success, 5u);
  g.cacert.clear();
  g.skip_verify = true;
  EXPECT_EQ(attack_grpc(g, closed(1, 5)).metrics.summarize().success, 5u);
}

struct BadCall {
  const char* proto;  // relative to the test data dir, "" = built-in
  const char* call;
  const char* data;
  const char* error;  // exact what()
};

class GrpcBadCall : public ::testing::TestWithParam<BadCall> {};

TEST_P(GrpcBadCall, ClearErrorBeforeAnyCall) {
  const BadCall& row = GetParam();
  GrpcOptions g;
  if (*row.proto) g.proto = std::string(LOADGATE_TEST_DIR "/data/proto/") + row.proto;
  g.call = row.call;
  if (*row.data) g.data = {row.data};
  try {
    describe_grpc_call(g);
    FAIL() << "accepted " << row.call;
  } catch (const InputError& e) {
    std::string expected = row.error;
    const auto at = expected.find("@DIR@");
    if (at != std::string::npos) expected.replace(at, 5, LOADGATE_TEST_DIR "/data/proto");
    EXPECT_EQ(std::string(e.what()), expected);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, GrpcBadCall,
    ::testing::Values(
        BadCall{"", "loadgate.kernel.Kernel/Nope", "",
                "-call: unknown method \"Nope\" of loadgate.kernel.Kernel (known: Status, Execute)"},
        BadCall{"", "no.Such/Method", "", "-call: unknown service \"no.Such\" in the embedded services' protos"},
        BadCall{"", "Execute", "", "-call: \"Execute\": want package.Service/Method"},
        BadCall{
            "", "loadgate.kernel.Kernel/Execute", R"({"op": 5})",
            "-data: message does not fit loadgate.kernel.ExecuteRequest: (op): invalid value 5 for type TYPE_STRING"},
        BadCall{"", "loadgate.kernel.Kernel/Execute", R"({"colour":"red"})",
                "-data: message does not fit loadgate.kernel.ExecuteRequest: colour: Cannot find field."},
        BadCall{"broken.proto", "broken.S/M", "", "-proto: @DIR@/broken.proto:5:1: Expected \";\"."},
        BadCall{"absent.proto", "a.S/M", "", "@DIR@/absent.proto: -proto: cannot read proto file"},
        BadCall{"shop.proto", "shop.v1.Orders/Upload", "",
                "-call: shop.v1.Orders/Upload is client-streaming: loadgate sends unary and server-streaming calls"},
        BadCall{"shop.proto", "shop.v1.Orders/Place", R"({"quantity":"many"})",
                "-data: message does not fit shop.v1.Order: (quantity): invalid value \"many\" for type TYPE_INT32"}));

TEST(GrpcCall, WellKnownImportsAndStreamingAreResolved) {
  GrpcOptions g;
  g.proto = LOADGATE_TEST_DIR "/data/proto/shop.proto";
  g.call = "shop.v1.Orders/Watch";
  g.data = {R"({"sku":"A-1","quantity":2,"at":"2026-11-27T10:00:00Z"})"};
  const GrpcCallInfo info = describe_grpc_call(g);
  EXPECT_TRUE(info.server_streaming);
  EXPECT_EQ(info.output_type, "shop.v1.Receipt");
}

TEST(GrpcCall, DataFileAndMetadataFlags) {
  const std::string path = ::testing::TempDir() + "/lg_data.jsonl";
  std::ofstream(path) << "{\"op\":\"sum\"}\n\n{\"op\":\"hash\"}\n";
  EXPECT_EQ(load_grpc_data("@" + path).size(), 2u);
  EXPECT_THROW(load_grpc_data("@/nonexistent"), InputError);
  EXPECT_EQ(parse_grpc_metadata(R"({"Authorization":"Bearer x"})").at(0), (Header{"authorization", "Bearer x"}));
  EXPECT_EQ(parse_grpc_metadata("x-id: 7").at(0), (Header{"x-id", "7"}));
  EXPECT_THROW(parse_grpc_metadata("no colon"), InputError);
  EXPECT_THROW(parse_grpc_metadata(R"({"bad key":"x"})"), InputError);
}

}  // namespace
}  // namespace loadgate
