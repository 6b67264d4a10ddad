// grpc_test.cc: the gRPC driver against the embedded kernel and AI services, in process.
#include "loadgate/grpc.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include <grpcpp/grpcpp.h>

#include <mutex>

#include "kernel.grpc.pb.h"
#include "loadgate/error.h"
#include "loadgate/feeder.h"
#include "kit/load.h"
#include "kit/results.h"
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

// The kit's loads with gRPC's 5 s deadline per call.
AttackOptions closed(int workers, uint64_t requests) {
  AttackOptions o = testing::closed_load(workers, requests);
  o.load.timeout = seconds(5);
  return o;
}

AttackOptions open(double rate, Nanos duration) {
  AttackOptions o = testing::open_load(rate, duration);
  o.load.timeout = seconds(5);
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

TEST(Grpc, APrecisionKeepsEveryCallOnItsSchedule) {
  // With -precision the worker sends a tick's worth of calls at a time; each keeps its exact
  // due time, and none is lost between ticks or at the end.
  auto kernel = start(GrpcService::Kind::kKernel);
  GrpcOptions g;
  g.addr = kernel->addr();
  g.call = "loadgate.kernel.Kernel/Status";
  AttackOptions o = open(2000, seconds(1));
  o.load.threads = 1;
  o.load.precision = milliseconds(1);
  testing::RecordingSink sink;
  o.sink = &sink;
  AttackRun run = attack_grpc(g, o);
  const Summary s = run.metrics.summarize();
  EXPECT_EQ(s.requests, 2000u);
  EXPECT_EQ(s.success, 2000u);
  EXPECT_EQ(s.dropped, 0u);
  const std::vector<int64_t> due = sink.scheduled(Kind::kGrpcUnary);
  ASSERT_EQ(due.size(), 2000u);
  for (size_t k = 0; k < due.size(); ++k) ASSERT_EQ(due[k], static_cast<int64_t>(k) * 500'000) << "call " << k;
  EXPECT_EQ(run.metrics.generator().precision_ns, 1'000'000);
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
  AttackOptions options = open(20, milliseconds(500));
  options.load.timeout = milliseconds(100);
  const Summary s = attack_grpc(g, options).metrics.summarize();
  EXPECT_EQ(s.requests, 10u);
  EXPECT_EQ(s.success, 0u);
  // The server holds a copy of the deadline: when its copy fires first, the client sees the
  // stream cancelled (CANCELLED) instead. Either way every call failed, at the deadline.
  const uint64_t deadline = s.status_codes.count("DEADLINE_EXCEEDED") ? s.status_codes.at("DEADLINE_EXCEEDED") : 0;
  const uint64_t cancelled = s.status_codes.count("CANCELLED") ? s.status_codes.at("CANCELLED") : 0;
  EXPECT_EQ(deadline + cancelled, 10u);
  EXPECT_GE(deadline, 5u);
  EXPECT_EQ(s.errors.at(0), "DEADLINE_EXCEEDED: Deadline Exceeded");
  // No call ends before its 100 ms deadline, counted from when it was due (the deadline starts
  // at or after that; its send may come later on a busy machine, so the uncorrected time may be
  // shorter); none long after it (the server would answer at 500 ms): a second leaves room for a
  // busy machine.
  EXPECT_GE(s.latency.min, 100'000'000);
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

TEST(Grpc, TheConnectTimeoutBoundsTheWaitBeforeTheClock) {
  // Nothing listens: the channels wait the whole -connect-timeout before the attack starts.
  // The bound compared is 100 ms against the 2 s default, a margin no busy machine closes.
  GrpcOptions g;
  g.addr = "127.0.0.1:1";
  g.connect_timeout = milliseconds(100);
  g.keepalive = seconds(10);
  const auto t0 = std::chrono::steady_clock::now();
  const Summary s = attack_grpc(g, closed(1, 2)).metrics.summarize();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, milliseconds(1500));
  EXPECT_EQ(s.status_codes.at("UNAVAILABLE"), 2u);
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
  g.addr = "127.0.0.1:1";  // no server: reflection cannot be reached
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
    if (expected.size() > 3 && expected.substr(expected.size() - 3) == "...")  // the rest is gRPC's wording
      EXPECT_EQ(std::string(e.what()).substr(0, expected.size() - 3), expected.substr(0, expected.size() - 3));
    else
      EXPECT_EQ(std::string(e.what()), expected);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, GrpcBadCall,
    ::testing::Values(
        BadCall{"", "loadgate.kernel.Kernel/Nope", "",
                "-call: unknown method \"Nope\" of loadgate.kernel.Kernel (known: Status, Execute, Accumulate, Pipeline)"},
        BadCall{"", "no.Such/Method", "",
                "-addr: server reflection at 127.0.0.1:1: UNAVAILABLE..."},
        BadCall{"", "loadgate.kernel.Kernel/Execute", R"([{"op":"sum"}])",
                "-data: loadgate.kernel.Kernel/Execute is unary: message must be one JSON object per call (got an "
                "array, which is for client streams)"},
        BadCall{"", "loadgate.kernel.Kernel/Pipeline", R"({"op":"sum"})",
                "-data: loadgate.kernel.Kernel/Pipeline is bidirectional-streaming: stream must be a JSON array, one "
                "element per message of the stream (got object)"},
        BadCall{"", "loadgate.kernel.Kernel/Accumulate", "[]",
                "-data: loadgate.kernel.Kernel/Accumulate is client-streaming: stream is an empty array: a stream "
                "needs messages"},
        BadCall{"", "loadgate.kernel.Kernel/Accumulate", R"([{"op":"sum"},{"op":7}])",
                "-data: stream, element 2 does not fit loadgate.kernel.ExecuteRequest: (op): invalid value 7 for "
                "type TYPE_STRING"},
        BadCall{"", "Execute", "", "-call: \"Execute\": want package.Service/Method"},
        BadCall{
            "", "loadgate.kernel.Kernel/Execute", R"({"op": 5})",
            "-data: message does not fit loadgate.kernel.ExecuteRequest: (op): invalid value 5 for type TYPE_STRING"},
        BadCall{"", "loadgate.kernel.Kernel/Execute", R"({"colour":"red"})",
                "-data: message does not fit loadgate.kernel.ExecuteRequest: colour: Cannot find field."},
        BadCall{"broken.proto", "broken.S/M", "", "-proto: @DIR@/broken.proto:5:1: Expected \";\"."},
        BadCall{"absent.proto", "a.S/M", "", "@DIR@/absent.proto: -proto: cannot read proto file"},
        BadCall{"shop.proto", "shop.v1.Orders/Upload", R"({"sku":"A-1"})",
                "-data: shop.v1.Orders/Upload is client-streaming: stream must be a JSON array, one element per "
                "message of the stream (got object)"},
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

// Client streams and bidi calls: every message of the -data array sent (cycled up to
// stream_call_count), each answered, counted both ways, timed from the scheduled start.
TEST(GrpcStream, ClientStreamingAndBidiCallsCountBothWays) {
  auto kernel = start(GrpcService::Kind::kKernel);
  GrpcOptions g;
  g.addr = kernel->addr();
  g.call = "loadgate.kernel.Kernel/Accumulate";
  g.data = {R"([{"op":"sum","args":[1]},{"op":"sum","args":[2,3]}])"};
  g.stream_call_count = 5;
  testing::RecordingSink sink;
  AttackOptions o = closed(2, 40);
  o.sink = &sink;
  Summary s = attack_grpc(g, o).metrics.summarize();
  EXPECT_EQ(s.requests, 40u);
  EXPECT_EQ(s.success, 40u);
  EXPECT_EQ(s.messages_sent, 200u) << "5 messages per stream";
  EXPECT_EQ(s.messages, 40u) << "one answer per client stream";
  ASSERT_EQ(sink.all.size(), 40u);
  for (const Result& r : sink.all) {
    EXPECT_EQ(r.kind, Kind::kGrpcClientStream);
    EXPECT_EQ(r.messages_out(), 5u);
    EXPECT_EQ(r.messages_in(), 1u);
    EXPECT_GT(r.first_ns, 0);
  }

  g.call = "loadgate.kernel.Kernel/Pipeline";
  g.stream_call_count = 10;
  sink.all.clear();
  const AttackRun run = attack_grpc(g, o);
  s = run.metrics.summarize();
  EXPECT_EQ(s.success, 40u);
  EXPECT_EQ(s.messages_sent, 400u);
  // The wire carries every payload byte plus its gRPC and HTTP/2 framing (5 + 9 bytes a message).
  EXPECT_GE(run.wire_bytes_out, s.bytes_out + 400 * 14);
  EXPECT_GE(run.wire_bytes_in, s.bytes_in + 400 * 14);
  EXPECT_EQ(s.messages, 400u) << "one answer per message";
  EXPECT_GT(s.gap.max, 0) << "gaps between answers are measured";
  for (const Result& r : sink.all) {
    EXPECT_EQ(r.kind, Kind::kGrpcBidi);
    EXPECT_EQ(r.messages_in(), 10u);
    EXPECT_EQ(r.messages_out(), 10u);
  }
}

// -stream-interval pauses between messages: a stream of 5 lasts at least 4 pauses (scheduled,
// so a busy machine only makes it longer); -stream-call-duration closes the stream in time.
TEST(GrpcStream, IntervalAndDurationShapeTheStream) {
  auto kernel = start(GrpcService::Kind::kKernel);
  GrpcOptions g;
  g.addr = kernel->addr();
  g.call = "loadgate.kernel.Kernel/Pipeline";
  g.data = {R"([{"op":"sum","args":[1]}])"};
  g.stream_call_count = 5;
  g.stream_interval = milliseconds(20);
  testing::RecordingSink sink;
  AttackOptions o = closed(2, 6);
  o.sink = &sink;
  EXPECT_EQ(attack_grpc(g, o).metrics.summarize().success, 6u);
  for (const Result& r : sink.all) {
    EXPECT_GE(r.latency_ns, 80'000'000) << "4 pauses of 20 ms";
    EXPECT_EQ(r.messages_out(), 5u);
  }

  g.stream_call_count = 0;  // no count: the duration decides
  g.stream_call_duration = milliseconds(100);
  g.stream_interval = milliseconds(10);
  sink.all.clear();
  EXPECT_EQ(attack_grpc(g, o).metrics.summarize().success, 6u);
  for (const Result& r : sink.all) {
    // Message k starts no earlier than k x 10 ms, and none starts after 100 ms.
    EXPECT_GE(r.messages_out(), 1u);
    EXPECT_LE(r.messages_out(), 11u);
    EXPECT_EQ(r.messages_in(), r.messages_out());
  }
}

// A stream the server aborts or resets fails with its code; one it ends (OK) while the client
// still had messages to send fails too.
TEST(GrpcStream, StreamsTheServerEndsEarlyAreFailures) {
  auto kernel = start(GrpcService::Kind::kKernel);
  GrpcOptions g;
  g.addr = kernel->addr();
  g.call = "loadgate.kernel.Kernel/Pipeline";
  g.data = {R"([{"op":"sum","args":[1]},{"op":"abort"},{"op":"sum"}])"};
  Summary s = attack_grpc(g, closed(1, 5)).metrics.summarize();
  EXPECT_EQ(s.success, 0u);
  EXPECT_EQ(s.status_codes.at("ABORTED"), 5u);

  g.data = {R"([{"op":"sum","args":[1]},{"op":"reset"},{"op":"sum"}])"};
  s = attack_grpc(g, closed(1, 5)).metrics.summarize();
  EXPECT_EQ(s.success, 0u);
  EXPECT_EQ(s.status_codes.at("CANCELLED"), 5u);

  g.data = {R"([{"op":"sum","args":[1]},{"op":"end"},{"op":"sum"},{"op":"sum"}])"};
  g.stream_interval = milliseconds(30);  // the server has ended the call before message 3
  s = attack_grpc(g, closed(1, 3)).metrics.summarize();
  EXPECT_EQ(s.success, 0u);
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_EQ(s.errors[0], "stream ended by the server before the client sent all its messages");
}

// Server reflection: v1 first, v1alpha when that is all the server has; listing, calling and
// describing with no proto; metadata for reflection only; a server without reflection.
TEST(GrpcReflection, ARunAsksTheServerOncePerService) {
  auto kernel = start(GrpcService::Kind::kKernel);
  GrpcOptions g;
  g.addr = kernel->addr();
  g.call = "loadgate.kernel.Kernel/Execute";
  g.reflection_cache = new_grpc_reflection_cache();
  GrpcOptions uncached = g;
  uncached.reflection_cache = nullptr;
  EXPECT_EQ(describe_grpc_call(g).source, "reflection (grpc.reflection.v1)");
  kernel.reset();  // the server is gone: only the run's cache can still answer
  EXPECT_EQ(describe_grpc_call(g).source, "reflection (grpc.reflection.v1)") << "answered from the cache";
  EXPECT_EQ(describe_grpc_call(g).input_type, "loadgate.kernel.ExecuteRequest");
  EXPECT_EQ(describe_grpc_call(uncached).source, "embedded protos") << "without a cache the server is asked again";
}

TEST(GrpcReflection, ListsDescribesAndCallsWithoutAProto) {
  auto kernel = start(GrpcService::Kind::kKernel);
  GrpcOptions g;
  g.addr = kernel->addr();
  const std::vector<GrpcServiceInfo> list = list_grpc_services(g);
  std::vector<std::string> names;
  for (const auto& s : list) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
                                             "grpc.reflection.v1alpha.ServerReflection", "loadgate.kernel.Kernel"}));
  ASSERT_EQ(list.back().methods.size(), 4u);
  EXPECT_EQ(list.back().methods[3].path, "/loadgate.kernel.Kernel/Pipeline");
  EXPECT_EQ(list.back().methods[3].method_kind(), "bidirectional-streaming");
  EXPECT_EQ(list.back().methods[2].method_kind(), "client-streaming");

  g.call = "loadgate.kernel.Kernel/Execute";
  g.data = {R"({"op":"sum","args":[1,2]})"};
  EXPECT_EQ(describe_grpc_call(g).source, "reflection (grpc.reflection.v1)");
  EXPECT_EQ(attack_grpc(g, closed(2, 20)).metrics.summarize().success, 20u);
  const std::string text = describe_grpc_symbol(g, "loadgate.kernel.Kernel/Pipeline");
  EXPECT_NE(text.find("rpc Pipeline(stream loadgate.kernel.ExecuteRequest) returns (stream loadgate.kernel.ExecuteReply)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("repeated int64 args = 2;"), std::string::npos) << text;

  services::GrpcServiceOptions only_alpha;
  only_alpha.reflection_v1 = false;
  only_alpha.reflection_token = "s3cret";
  only_alpha.first_token = milliseconds(1);
  only_alpha.token_rate = 1000;
  auto ai = start(GrpcService::Kind::kAi, only_alpha);
  GrpcOptions a;
  a.addr = ai->addr();
  a.call = "loadgate.ai.Ai/GenerateStream";
  a.data = {R"({"max_tokens":3})"};
  try {
    describe_grpc_call(a);
    ADD_FAILURE() << "reflection without its token";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("-addr: server reflection at " + a.addr + ": PERMISSION_DENIED", 0), 0u)
        << e.what();
  }
  a.reflect_metadata = {{"x-reflection-token", "s3cret"}};
  EXPECT_EQ(describe_grpc_call(a).source, "reflection (grpc.reflection.v1alpha)");
  const Summary s = attack_grpc(a, closed(2, 10)).metrics.summarize();
  EXPECT_EQ(s.success, 10u) << "the calls themselves do not need the token";
  EXPECT_EQ(s.messages, 30u);

  services::GrpcServiceOptions none;
  none.reflection_v1 = none.reflection_v1alpha = false;
  auto plain = start(GrpcService::Kind::kKernel, none);
  GrpcOptions p;
  p.addr = plain->addr();
  EXPECT_EQ(describe_grpc_call(p).source, "embedded protos") << "the embedded methods need no reflection";
  p.call = "shop.v1.Orders/Place";
  try {
    describe_grpc_call(p);
    ADD_FAILURE() << "no reflection and no proto";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "-proto: " + p.addr +
                                         " does not offer server reflection (grpc.reflection.v1 or v1alpha): give the "
                                         "method's -proto FILE or -protoset FILE");
  }
  EXPECT_THROW(list_grpc_services(p), InputError);
}

// -protoset: a FileDescriptorSet from protoc; one that does not parse, or lacks the service.
TEST(GrpcProtoset, CallsFromADescriptorSet) {
  auto kernel = start(GrpcService::Kind::kKernel);
  GrpcOptions g;
  g.addr = kernel->addr();
  g.protoset = LOADGATE_PROTOSET_DIR "/kernel.protoset";
  g.call = "loadgate.kernel.Kernel/Pipeline";
  g.data = {R"([{"op":"sum","args":[4]}])"};
  g.stream_call_count = 3;
  const GrpcCallInfo info = describe_grpc_call(g);
  EXPECT_EQ(info.source, "protoset " LOADGATE_PROTOSET_DIR "/kernel.protoset");
  EXPECT_TRUE(info.client_streaming && info.server_streaming);
  EXPECT_EQ(attack_grpc(g, closed(1, 5)).metrics.summarize().messages, 15u);

  GrpcOptions shop;
  shop.protoset = LOADGATE_PROTOSET_DIR "/shop.protoset";
  shop.call = "shop.v1.Orders/Upload";
  shop.data = {R"([{"sku":"A-1","at":"2026-11-27T10:00:00Z"}])"};
  EXPECT_EQ(describe_grpc_call(shop).input_type, "shop.v1.Order") << "imports (timestamp.proto) included";
  shop.call = "loadgate.kernel.Kernel/Execute";
  try {
    describe_grpc_call(shop);
    ADD_FAILURE() << "a service the protoset lacks";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "-call: unknown service \"loadgate.kernel.Kernel\" in protoset " LOADGATE_PROTOSET_DIR "/shop.protoset");
  }
  shop.protoset = LOADGATE_TEST_DIR "/data/proto/shop.proto";  // text, not a descriptor set
  try {
    describe_grpc_call(shop);
    ADD_FAILURE() << "a protoset that does not parse";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), LOADGATE_TEST_DIR
              "/data/proto/shop.proto: -protoset: not a FileDescriptorSet (make one with protoc "
              "--descriptor_set_out=FILE --include_imports)");
  }
  EXPECT_EQ(list_grpc_services(g).size(), 1u);
}

// -compression gzip: the server reads compressed messages; the calls succeed.
TEST(Grpc, GzipCompressedCalls) {
  auto kernel = start(GrpcService::Kind::kKernel);
  GrpcOptions g;
  g.addr = kernel->addr();
  g.compression = "gzip";
  g.data = {R"({"op":"sum","args":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]})"};
  EXPECT_EQ(attack_grpc(g, closed(2, 50)).metrics.summarize().success, 50u);
  g.compression = "brotli";
  EXPECT_THROW(describe_grpc_call(g), InputError);
}

// Open-model schedules of -rate (ramp, steps, sine) drive gRPC calls as they drive HTTP: the
// calls are scheduled exactly where the pacer puts them.
TEST(Grpc, RateSchedulesRampStepsAndSine) {
  auto kernel = start(GrpcService::Kind::kKernel);
  GrpcOptions g;
  g.addr = kernel->addr();
  for (const char* spec : {"20..200@1s", "50,150", "sine:100:50:1s"}) {
    SCOPED_TRACE(spec);
    const RateSpec rate = parse_rate(spec, seconds(1), milliseconds(500));
    testing::RecordingSink sink;
    AttackOptions o;
    o.load.rate = rate;
    o.load.duration = seconds(1);
    o.load.timeout = seconds(5);
    o.sink = &sink;
    const Summary s = attack_grpc(g, o).metrics.summarize();
    std::vector<int64_t> due;
    for (uint64_t k = 0;; ++k) {
      const auto d = rate.pacer->due(k);
      if (!d || *d >= seconds(1)) break;
      due.push_back(d->count());
    }
    EXPECT_EQ(s.requests, due.size());
    EXPECT_EQ(s.success, due.size());
    const std::vector<int64_t> got = sink.scheduled(Kind::kGrpcUnary);
    ASSERT_EQ(got.size(), due.size());
    for (size_t k = 0; k < due.size(); ++k) EXPECT_NEAR(got[k], due[k], 1000) << "call " << k;
  }
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
  // A bad authorization value is refused without being shown; other values are shown.
  try {
    parse_grpc_metadata("authorization: Bearer s3cret\x01");
    ADD_FAILURE() << "a control byte in a metadata value was accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("<redacted>"), std::string::npos) << e.what();
  }
  try {
    parse_grpc_metadata("x-id: seven\x01");
    ADD_FAILURE() << "a control byte in a metadata value was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("seven"), std::string::npos) << e.what();
  }
}

// ghz's -b/-B: requests already serialized, one message or several each prefixed by its length.
std::string delimited(const std::vector<std::string>& messages) {
  std::string out;
  for (const std::string& m : messages) {
    out += static_cast<char>(m.size());  // every test message is shorter than 128 bytes: a one-byte varint
    out += m;
  }
  return out;
}

std::string execute_request(const std::string& op, std::vector<int64_t> args) {
  kernel::ExecuteRequest r;
  r.set_op(op);
  for (int64_t a : args) r.add_args(a);
  return r.SerializeAsString();
}

TEST(GrpcBinary, OneOrSeveralSerializedRequestsAreSentAsTheyAre) {
  auto kernel = start(GrpcService::Kind::kKernel);
  const std::string sum = execute_request("sum", {1, 2, 3}), hash = execute_request("hash", {7});
  const struct {
    const char* what;
    std::string call, bytes;
    size_t variants;
    uint64_t messages_sent;  // per call
  } rows[] = {
      {"one message", "loadgate.kernel.Kernel/Execute", sum, 1, 0},
      {"two, length-prefixed", "loadgate.kernel.Kernel/Execute", delimited({sum, hash}), 2, 0},
      {"a client stream of three", "loadgate.kernel.Kernel/Accumulate", delimited({sum, hash, sum}), 1, 3},
  };
  for (const auto& row : rows) {
    GrpcOptions g;
    g.addr = kernel->addr();
    g.call = row.call;
    g.binary = row.bytes;
    EXPECT_EQ(describe_grpc_call(g).requests, row.variants) << row.what;
    const AttackRun run = attack_grpc(g, closed(1, 10));
    const Summary s = run.metrics.summarize();
    EXPECT_EQ(s.success, 10u) << row.what << ": " << (s.errors.empty() ? "" : s.errors[0]);
    EXPECT_EQ(s.bytes_out, row.messages_sent ? 10 * (2 * sum.size() + hash.size()) : row.variants == 1 ? 10 * sum.size() : 5 * (sum.size() + hash.size()))
        << row.what << ": the bytes sent are the messages given, cycled";
    if (row.messages_sent) {
      EXPECT_EQ(s.messages_sent, 10 * row.messages_sent) << row.what;
    }
  }
  GrpcOptions bad;
  bad.addr = kernel->addr();
  bad.call = "loadgate.kernel.Kernel/Execute";
  bad.binary = std::string("\xff\xff\xff\xff", 4);
  try {
    describe_grpc_call(bad);
    ADD_FAILURE() << "bytes that are no ExecuteRequest were accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "-binary-file");
    EXPECT_NE(e.message().find("loadgate.kernel.ExecuteRequest"), std::string::npos) << e.what();
  }
  bad.binary = sum;
  bad.data = {R"({"op":"sum"})"};
  EXPECT_THROW(describe_grpc_call(bad), InputError) << "-data and -binary-file together";
}

TEST(GrpcMetadata, PlaceholdersAreFilledPerCallAndFilesAreRead) {
  auto kernel = start(GrpcService::Kind::kKernel);
  GrpcOptions g;
  g.addr = kernel->addr();
  g.call = "loadgate.kernel.Kernel/Status";
  std::this_thread::sleep_for(milliseconds(200));  // the uptime's varint at two bytes (MetadataIsSent)
  const uint64_t plain = attack_grpc(g, closed(1, 12)).metrics.summarize().bytes_in;
  // The Status reply echoes x-echo: {{seq}} filled per call is "0" ... "11" (10 one-digit values,
  // 2 two-digit ones, each with a field tag and a length); sent unfilled it would be 7 bytes each.
  g.metadata = {{"x-echo", "{{seq}}"}};
  EXPECT_EQ(attack_grpc(g, closed(1, 12)).metrics.summarize().bytes_in, plain + 10 * 3 + 2 * 4);

  const std::string path = ::testing::TempDir() + "/lg_metadata.json";
  std::ofstream(path) << "{\"X-Echo\": \"{{seq}}\", \"x-tenant\": \"blue\"}\n";
  EXPECT_EQ(load_grpc_metadata_file(path), (std::vector<Header>{{"x-echo", "{{seq}}"}, {"x-tenant", "blue"}}));
  const struct {
    const char* what;
    std::string text;
    std::string says;
  } bad[] = {
      {"not an object", "[1, 2]", "want one JSON object"},
      {"a number value", "{\"x-id\": 7}", "want a string value"},
      {"a bad key", "{\"bad key\": \"x\"}", "want letters, digits"},
  };
  for (const auto& row : bad) {
    std::ofstream(path) << row.text;
    try {
      load_grpc_metadata_file(path);
      ADD_FAILURE() << row.what << " was accepted";
    } catch (const InputError& e) {
      EXPECT_EQ(e.file(), path) << row.what;
      EXPECT_NE(e.message().find(row.says), std::string::npos) << row.what << ": " << e.what();
    }
  }
  EXPECT_THROW(load_grpc_metadata_file("/nonexistent/md.json"), InputError);
}

// A Kernel whose Accumulate keeps the first argument of every message it reads, by stream.
class RecordingKernel final : public kernel::Kernel::Service {
 public:
  grpc::Status Accumulate(grpc::ServerContext*, grpc::ServerReader<kernel::ExecuteRequest>* in,
                          kernel::ExecuteReply*) override {
    std::vector<int64_t> args;
    kernel::ExecuteRequest m;
    while (in->Read(&m)) args.push_back(m.args_size() ? m.args(0) : -1);
    std::lock_guard lock(mu);
    streams.push_back(args);
    return grpc::Status::OK;
  }
  std::mutex mu;
  std::vector<std::vector<int64_t>> streams;
};

TEST(GrpcStreamTemplates, FilledPerCallOrPerMessage) {
  RecordingKernel service;
  int port = 0;
  grpc::ServerBuilder b;
  b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  b.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = b.BuildAndStart();
  ASSERT_GT(port, 0);
  for (bool dynamic : {false, true}) {
    GrpcOptions g;
    g.addr = "127.0.0.1:" + std::to_string(port);
    g.call = "loadgate.kernel.Kernel/Accumulate";
    g.data = {R"([{"op":"sum","args":[{{rand_int 1 1000000000}}]}])"};
    g.stream_call_count = 3;
    g.stream_dynamic_messages = dynamic;
    {
      std::lock_guard lock(service.mu);
      service.streams.clear();
    }
    const Summary s = attack_grpc(g, closed(1, 20)).metrics.summarize();
    EXPECT_EQ(s.success, 20u) << (s.errors.empty() ? "" : s.errors[0]);
    std::lock_guard lock(service.mu);
    ASSERT_EQ(service.streams.size(), 20u);
    int same = 0;  // streams whose three messages carry one value
    for (const auto& st : service.streams) {
      ASSERT_EQ(st.size(), 3u);
      EXPECT_GE(st[0], 1);
      same += st[0] == st[1] && st[1] == st[2];
    }
    // Once per call: every stream repeats its value. Per message: three draws of a billion agree
    // by chance with a probability of 1e-18.
    EXPECT_EQ(same, dynamic ? 0 : 20) << (dynamic ? "-stream-dynamic-messages" : "per call");
  }
  // A filled stream that does not fit the method fails that call as INVALID_ARGUMENT, as data:
  // the feeder's first row fits (checked before the attack), its second does not.
  for (bool dynamic : {false, true}) {
    GrpcOptions bad;
    bad.addr = "127.0.0.1:" + std::to_string(port);
    bad.call = "loadgate.kernel.Kernel/Accumulate";
    bad.data = {R"([{"op":"sum","args":[{{feed.x}}]}])"};
    bad.feeder = std::make_shared<Feeder>(parse_feeder("x\n1\n\"\"\"one\"\"\"\n", "rows.csv", FeedMode::kCircular));
    bad.stream_call_count = 2;
    bad.stream_dynamic_messages = dynamic;
    const Summary s = attack_grpc(bad, closed(1, 4)).metrics.summarize();
    EXPECT_EQ(s.success, 2u) << "rows 1, \"one\", 1, \"one\": a string is no int64";
    ASSERT_EQ(s.errors.size(), 1u);
    EXPECT_EQ(s.errors[0].rfind("INVALID_ARGUMENT: data: element 1: ", 0), 0u) << s.errors[0];
  }
  server->Shutdown();
}

}  // namespace
}  // namespace loadgate
