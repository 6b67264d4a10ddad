// nginx_test.cc: HTTP/2 and the transport flags (-unix-socket, -laddr, -chunked, -resolvers)
// against a real server: nginx (Debian's nginx-light, built with http_v2) on loopback, started
// by the test with a config of its own. nginx's access log, which prints $server_protocol,
// $connection, $remote_addr and $content_length, says what really went over the wire.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <array>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>
#include <atomic>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "loadgate/http.h"
#include "loadgate/interner.h"
#include "loadgate/services/api_service.h"
#include "kit/delaying_proxy.h"
#include "kit/scratch_dir.h"
#include "kit/subprocess.h"
#include "kit/slurp.h"
#include "kit/load.h"
#include "kit/net.h"
#include "kit/results.h"
#include "kit/services.h"

namespace loadgate {
namespace {

using testing::free_port;
using testing::listening;
using testing::open_load;

using loadgate::testing::slurp;

using namespace std::chrono_literals;

constexpr const char* kNginx = "/usr/sbin/nginx";

// One line of nginx's access log.
struct Logged {
  std::string protocol, connection, remote, method, uri, status, content_length, transfer_encoding;
};

// nginx on four free ports: h2c (prior knowledge), TLS with h2 and http/1.1 by ALPN, plain
// HTTP/1.1, and an h2c server that ends every connection after 50 requests (GOAWAY).
class Nginx : public testing::ApiFixture {
 protected:
  static void SetUpTestSuite() {
    start_api({});
    dir_ = testing::scratch_dir("h2");
    const std::string gen = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
                            "-addext subjectAltName=IP:127.0.0.1,DNS:shop.test -keyout " + dir_ + "/key.pem -out " + dir_ +
                            "/cert.pem 2>/dev/null";
    ASSERT_EQ(std::system(gen.c_str()), 0);
    for (int& p : ports_) p = free_port();
    std::ofstream conf(dir_ + "/nginx.conf");
    conf << "worker_processes 1;\ndaemon off;\nerror_log " << dir_ << "/error.log;\npid " << dir_ << "/nginx.pid;\n"
         << "events { worker_connections 1024; }\nhttp {\n"
         << "  log_format proto '$server_protocol $connection $remote_addr $request_method $uri $status $content_length $http_transfer_encoding';\n"
         << "  access_log " << dir_ << "/access.log proto;\n"
         << "  client_body_temp_path " << dir_ << "/body;\n  proxy_temp_path " << dir_ << "/proxy;\n"
         << "  fastcgi_temp_path " << dir_ << "/fcgi;\n  uwsgi_temp_path " << dir_ << "/uwsgi;\n"
         << "  scgi_temp_path " << dir_ << "/scgi;\n"
         << "  keepalive_requests 1000000;\n"
         << "  server {\n    listen 127.0.0.1:" << ports_[0] << " http2;\n    listen 127.0.0.1:" << ports_[1]
         << " ssl http2;\n    listen 127.0.0.1:" << ports_[2] << ";\n    listen unix:" << dir_ << "/nginx.sock;\n"
         << "    ssl_certificate " << dir_ << "/cert.pem;\n    ssl_certificate_key " << dir_ << "/key.pem;\n"
         << "    location / { return 200 \"hello\\n\"; }\n"
         << "    location /echo { client_body_buffer_size 64k; proxy_pass " << api_->url() << "/api/items; }\n"
         << "    location /slow { proxy_pass " << api_->url() << "/api/delay?ms=1000; }\n"
         << "    location /reset { return 444; }\n  }\n"
         << "  server {\n    listen 127.0.0.1:" << ports_[3] << " http2;\n    keepalive_requests 50;\n"
         << "    location / { return 200 \"hello\\n\"; }\n  }\n}\n";
    conf.close();
    nginx_ = new testing::Subprocess({kNginx, "-c", dir_ + "/nginx.conf", "-p", dir_}, dir_ + "/nginx.out",
                                     dir_ + "/nginx.err");
    for (int i = 0; i < 200 && !listening(ports_[3]); ++i) std::this_thread::sleep_for(10ms);
  }
  static void TearDownTestSuite() {
    nginx_->signal(SIGTERM);
    nginx_->wait(5000ms);
    delete nginx_;
    ApiFixture::TearDownTestSuite();
    std::filesystem::remove_all(dir_);  // certificates, logs and nginx's temp folders
  }
  void SetUp() override {
    ASSERT_TRUE(listening(ports_[3])) << "nginx did not start: " << slurp(dir_ + "/error.log") << slurp(dir_ + "/nginx.err");
    std::ofstream(dir_ + "/access.log", std::ios::trunc).close();  // nginx appends to the same inode
  }

  // nginx writes a log line when a request ends; it may trail the client's last result.
  static std::vector<Logged> access_log(size_t expect) {
    std::vector<Logged> out;
    std::istringstream in(testing::slurp_lines(dir_ + "/access.log", expect));
    Logged l;
    while (in >> l.protocol >> l.connection >> l.remote >> l.method >> l.uri >> l.status >> l.content_length >> l.transfer_encoding) out.push_back(l);
    return out;
  }
  static std::vector<Target> target(int port, const std::string& path, bool tls = false) {
    return {Target{"GET", std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port) + path, {}, ""}};
  }
  static AttackOptions closed(int streams, uint64_t requests) {
    AttackOptions o = testing::closed_load(streams, requests);
    o.load.max_workers = o.load.stream_workers = o.load.stream_max_workers = streams;
    o.load.threads = 1;
    return o;
  }
  static HttpOptions h2c() {
    HttpOptions h;
    h.h2c = true;
    return h;
  }
  // Error text -> count.
  static std::map<std::string, uint64_t> errors(const Summary& s) {
    std::map<std::string, uint64_t> out;
    for (size_t i = 0; i < s.errors.size(); ++i) out[s.errors[i]] = s.error_counts[i];
    return out;
  }

  static testing::Subprocess* nginx_;
  static std::string dir_;
  static int ports_[4];
};
testing::Subprocess* Nginx::nginx_ = nullptr;
std::string Nginx::dir_;
int Nginx::ports_[4] = {};

TEST_F(Nginx, CleartextWithPriorKnowledgeIsHttp2OnTheWire) {
  testing::RecordingSink sink;
  AttackOptions o = open_load(100, 2s);
  o.sink = &sink;
  const AttackRun run = attack_http(target(ports_[0], "/"), h2c(), o);
  const Summary s = run.metrics.summarize();
  EXPECT_EQ(s.requests, 200u);
  EXPECT_EQ(s.status_codes.at("200"), 200u);
  EXPECT_EQ(s.bytes_in, 200u * 6);
  EXPECT_EQ(sink.info.target_protocols.at("GET http://127.0.0.1:" + std::to_string(ports_[0]) + "/"), "HTTP/2.0");
  const auto log = access_log(200);
  ASSERT_EQ(log.size(), 200u);
  std::set<std::string> conns;
  for (const Logged& l : log) {
    EXPECT_EQ(l.protocol, "HTTP/2.0");
    conns.insert(l.connection);
  }
  EXPECT_LE(conns.size(), 2u) << "streams share a connection per thread";
  for (const Result& r : sink.all) {
    EXPECT_GT(r.first_ns, 0) << "time to the response HEADERS";
    EXPECT_GT(r.sending_ns(), 0) << "the stream's frames left (#28)";
    EXPECT_LT(r.sending_ns(), r.first_ns) << "before its answer";
  }
  ASSERT_FALSE(s.phases.empty());
  EXPECT_LE(s.connections_opened, conns.size()) << "a connection's phases go to one stream only";
}

TEST_F(Nginx, TlsNegotiatesH2ByAlpnAndHttp2FalseForcesHttp1) {
  HttpOptions h;
  h.root_certs = {dir_ + "/cert.pem"};
  AttackRun run = attack_http(target(ports_[1], "/", true), h, open_load(50, 1s));
  EXPECT_EQ(run.metrics.summarize().status_codes.at("200"), 50u);
  auto log = access_log(50);
  ASSERT_EQ(log.size(), 50u);
  for (const Logged& l : log) EXPECT_EQ(l.protocol, "HTTP/2.0");

  std::ofstream(dir_ + "/access.log", std::ios::trunc).close();
  h.http2 = false;
  run = attack_http(target(ports_[1], "/", true), h, open_load(50, 1s));
  EXPECT_EQ(run.metrics.summarize().status_codes.at("200"), 50u);
  log = access_log(50);
  ASSERT_EQ(log.size(), 50u);
  for (const Logged& l : log) EXPECT_EQ(l.protocol, "HTTP/1.1");
}

// The TLS phase (#28): each HTTPS connection opened for a request has one, after its connect;
// the requests that reuse a connection have neither.
TEST_F(Nginx, TlsHandshakesAreTheirOwnPhase) {
  HttpOptions h;
  h.root_certs = {dir_ + "/cert.pem"};
  h.http2 = false;
  h.keepalive = false;
  Summary s = attack_http(target(ports_[1], "/", true), h, testing::closed_load(2, 30)).metrics.summarize();
  ASSERT_EQ(s.success, 30u);
  ASSERT_FALSE(s.phases.empty());
  EXPECT_GE(s.connections_opened, 28u) << "all but the requests on the connections opened ahead";
  EXPECT_GT(s.phases.at("tls").p50, 0);
  EXPECT_GT(s.phases.at("connect").p50, 0);

  h.keepalive = true;
  s = attack_http(target(ports_[1], "/", true), h, testing::closed_load(2, 30)).metrics.summarize();
  ASSERT_EQ(s.success, 30u);
  EXPECT_EQ(s.phases.at("tls").p50, 0) << "reused connections";
  EXPECT_EQ(s.phases.at("connect").p50, 0);
  EXPECT_LE(s.connections_opened, 2u);
}

// The TLS phase against a known truth (#28's must-show): a proxy in front of nginx holds each
// connection's first answer (the server's handshake flight) 200 ms, so that every handshake takes
// 200 ms more than nginx's own (4.7-7 ms here: RSA signing on a shared core; held long enough
// that its spread is not the tolerance), measured beside it through a proxy that holds nothing. Each
// request opens its connection: the TLS phase's p50 grows by the held time within 5 %, its
// connect phase (to the proxy, whose kernel accepts at once) stays well under it, and nothing of
// the 200 ms leaks into the other phases.
TEST_F(Nginx, TlsPhaseIsTheHandshakeTheServerTook) {
  constexpr auto kHeld = 200ms;
  HttpOptions h;
  h.root_certs = {dir_ + "/cert.pem"};
  h.http2 = false;
  h.keepalive = false;
  auto phases_through = [&](std::chrono::milliseconds held) {
    testing::DelayingProxy proxy(ports_[1], held);
    const Summary s = attack_http(target(proxy.port(), "/", true), h, testing::closed_load(1, 11)).metrics.summarize();
    EXPECT_EQ(s.success, 11u);
    EXPECT_GE(s.connections_opened, 10u);
    return s.phases;
  };
  const auto own = phases_through(0ms);
  const auto held = phases_through(kHeld);
  ASSERT_FALSE(own.empty());
  ASSERT_FALSE(held.empty());
  const double truth = std::chrono::duration<double, std::nano>(kHeld).count();
  const double grew = static_cast<double>(held.at("tls").p50 - own.at("tls").p50);
  EXPECT_NEAR(grew, truth, 0.05 * truth) << "the TLS phase's p50 grew by the time the handshake was held";
  EXPECT_LT(held.at("connect").p50, 5'000'000) << "the proxy's kernel accepts at once";
  EXPECT_LT(held.at("waiting").p50, own.at("waiting").p50 + 5'000'000) << "the held time went to the TLS phase only";
  std::printf("TLS phase p50 %.2f ms with the flight held %.0f ms, %.2f ms without: grew %.2f ms (connect p50 %.3f ms, "
              "waiting p50 %.3f ms)\n",
              static_cast<double>(held.at("tls").p50) / 1e6, truth / 1e6, static_cast<double>(own.at("tls").p50) / 1e6,
              grew / 1e6, static_cast<double>(held.at("connect").p50) / 1e6,
              static_cast<double>(held.at("waiting").p50) / 1e6);
}

TEST_F(Nginx, PlainHttpStaysHttp1WithoutH2c) {
  AttackRun run = attack_http(target(ports_[2], "/"), {}, open_load(20, 1s));
  EXPECT_EQ(run.metrics.summarize().status_codes.at("200"), 20u);
  for (const Logged& l : access_log(20)) EXPECT_EQ(l.protocol, "HTTP/1.1");
}

TEST_F(Nginx, ManyStreamsShareOneConnection) {
  HttpOptions h = h2c();
  h.connections = 1;
  const AttackRun run = attack_http(target(ports_[0], "/"), h, closed(50, 5000));
  const Summary s = run.metrics.summarize();
  EXPECT_EQ(s.requests, 5000u);
  EXPECT_EQ(s.status_codes.at("200"), 5000u);
  EXPECT_EQ(run.workers, 50u) << "50 streams";
  std::set<std::string> conns;
  for (const Logged& l : access_log(5000)) conns.insert(l.connection);
  EXPECT_EQ(conns.size(), 1u);
}

// What an attack kept of its responses, by result.
class KeptSink final : public ResultsSink {
 public:
  void header(const AttackInfo&) override {}
  void results(const Result*, size_t n) override { results(nullptr, n, {}); }
  void results(const Result*, size_t n, const std::vector<KeptResponse>& kept) override {
    std::lock_guard lock(mu_);
    for (size_t i = 0, k = 0; i < n; ++i) {
      while (k < kept.size() && kept[k].index < i) ++k;
      headers.push_back(k < kept.size() && kept[k].index == i ? kept[k].headers : "");
    }
  }
  void sample(const Sample&) override {}
  std::mutex mu_;
  std::vector<std::string> headers;
};

TEST_F(Nginx, ResponseHeadersAreKeptWithinTheirBoundOverHttp1AndHttp2) {
  const struct {
    const char* what;
    int port;
    bool h2c;
    size_t keep;
    std::string first_line;  // nginx sends Server first
  } rows[] = {
      {"HTTP/1.1", ports_[2], false, 4096, "Server: nginx/"},
      {"HTTP/2", ports_[0], true, 4096, "server: nginx/"},
      {"HTTP/1.1, 30 bytes: the first line alone fits", ports_[2], false, 30, "Server: nginx/"},
      {"HTTP/2, 30 bytes", ports_[0], true, 30, "server: nginx/"},
      {"none asked", ports_[2], false, 0, ""},
  };
  for (const auto& row : rows) {
    KeptSink sink;
    HttpOptions h;
    h.h2c = row.h2c;
    h.keep_headers = row.keep;
    AttackOptions o = closed(2, 20);
    o.sink = &sink;
    EXPECT_EQ(attack_http(target(row.port, "/"), h, o).metrics.summarize().status_codes.at("200"), 20u) << row.what;
    ASSERT_EQ(sink.headers.size(), 20u) << row.what;
    for (const std::string& kept : sink.headers) {
      EXPECT_LE(kept.size(), row.keep) << row.what;
      EXPECT_EQ(kept.rfind(row.first_line, 0), 0u) << row.what << ": " << kept;
      if (row.keep == 30) EXPECT_EQ(std::count(kept.begin(), kept.end(), '\n'), 1) << row.what << ": " << kept;
      if (row.keep == 4096) {
        EXPECT_NE(kept.find("ontent-"), std::string::npos) << row.what << ": every line: " << kept;
        EXPECT_EQ(kept.substr(kept.size() - 2), "\r\n") << row.what;
      }
    }
  }
}

TEST_F(Nginx, BodiesGoAsData) {
  std::vector<Target> t = target(ports_[0], "/echo");
  t[0].method = "POST";
  t[0].body = R"({"name":"tea","price":4})";
  t[0].headers = {{"Content-Type", "application/json"}};
  const AttackRun run = attack_http(t, h2c(), open_load(20, 1s));
  const Summary s = run.metrics.summarize();
  EXPECT_EQ(s.status_codes.count("201") ? s.status_codes.at("201") : 0, 20u) << ::testing::PrintToString(s.status_codes) << ::testing::PrintToString(s.errors);
  EXPECT_EQ(s.bytes_out, 20u * t[0].body.size());
  for (const Logged& l : access_log(20)) {
    EXPECT_EQ(l.protocol, "HTTP/2.0");
    EXPECT_EQ(l.content_length, std::to_string(t[0].body.size()));
  }
}

TEST_F(Nginx, GoawayFailsUnprocessedStreamsAndNewOnesGoToANewConnection) {
  // nginx ends each connection after 50 requests with GOAWAY(NO_ERROR): streams in flight past
  // its last stream id fail with the code; the rest of the attack opens new connections.
  const AttackRun run = attack_http(target(ports_[3], "/"), h2c(), closed(20, 1000));
  const Summary s = run.metrics.summarize();
  EXPECT_EQ(s.requests, 1000u);
  const uint64_t ok = s.status_codes.count("200") ? s.status_codes.at("200") : 0;
  EXPECT_GE(ok, 700u);
  uint64_t failed = 0;
  for (const auto& [e, n] : errors(s)) {
    EXPECT_EQ(e, "http2: GOAWAY (NO_ERROR) from the server: stream not processed");
    failed += n;
  }
  EXPECT_EQ(s.requests - ok, failed);
  std::set<std::string> conns;
  const auto log = access_log(ok);
  for (const Logged& l : log) conns.insert(l.connection);
  EXPECT_GE(conns.size(), ok / 50) << "a new connection after every GOAWAY";
}

TEST_F(Nginx, ResetStreamsAreErrorsWithTheCode) {
  const AttackRun run = attack_http(target(ports_[0], "/reset"), h2c(), open_load(20, 1s));
  const Summary s = run.metrics.summarize();
  EXPECT_EQ(s.requests, 20u);
  EXPECT_EQ(s.success, 0u);
  ASSERT_FALSE(s.errors.empty());
  for (const std::string& e : s.errors) EXPECT_EQ(e.rfind("http2: stream reset by the server: ", 0), 0u) << e;
}

TEST_F(Nginx, ATimeoutResetsItsStreamAndTheConnectionGoesOn) {
  std::vector<Target> t = target(ports_[0], "/slow");
  t.push_back(target(ports_[0], "/")[0]);
  AttackOptions o = open_load(20, 1s);
  o.load.timeout = 200ms;
  HttpOptions h = h2c();
  h.connections = 1;
  o.load.threads = 1;
  const AttackRun run = attack_http(t, h, o);
  const Summary s = run.metrics.summarize();
  EXPECT_EQ(s.requests, 20u);
  EXPECT_EQ(s.status_codes.at("200"), 10u) << "every fast request, on the same connection";
  EXPECT_EQ(errors(s), (std::map<std::string, uint64_t>{{"timeout: no response within 200ms", 10}}));
}

// ---- the transport flags ----

TEST_F(Nginx, UnixSocketOverridesTheHost) {
  HttpOptions h;
  h.unix_socket = dir_ + "/nginx.sock";
  const AttackRun run = attack_http(target(1, "/"), h, open_load(20, 1s));  // port 1: never dialled
  EXPECT_EQ(run.metrics.summarize().status_codes.at("200"), 20u);
  const auto log = access_log(20);
  ASSERT_EQ(log.size(), 20u);
  for (const Logged& l : log) EXPECT_EQ(l.remote, "unix:");
}

TEST_F(Nginx, LocalAddressIsTheSource) {
  HttpOptions h;
  h.laddr = "127.0.0.2";
  AttackRun run = attack_http(target(ports_[2], "/"), h, open_load(20, 1s));
  EXPECT_EQ(run.metrics.summarize().status_codes.at("200"), 20u);
  for (const Logged& l : access_log(20)) EXPECT_EQ(l.remote, "127.0.0.2");
  h.laddr = "::1";  // no IPv6 address of the target: a clear error, not a crash
  run = attack_http(target(ports_[2], "/"), h, open_load(5, 1s));
  const Summary s = run.metrics.summarize();
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_EQ(s.errors[0], "connect 127.0.0.1:" + std::to_string(ports_[2]) + ": no address of the family of -laddr ::1");
}

TEST_F(Nginx, ChunkedBodiesGoInChunks) {
  std::vector<Target> t = target(ports_[2], "/echo");
  t[0].method = "POST";
  t[0].body = R"({"name":"tea","price":4})";
  t[0].headers = {{"Content-Type", "application/json"}};
  HttpOptions h;
  h.chunked = true;
  const AttackRun run = attack_http(t, h, open_load(20, 1s));
  EXPECT_EQ(run.metrics.summarize().status_codes.at("201"), 20u) << "the API parsed every chunked body";
  for (const Logged& l : access_log(20)) {
    EXPECT_EQ(l.transfer_encoding, "chunked");
    EXPECT_EQ(l.content_length, std::to_string(t[0].body.size())) << "nginx counts the body it read";
  }
}

// A DNS server that knows one name: "shop.test" A 127.0.0.1; NXDOMAIN for anything else.
class FakeDns {
 public:
  FakeDns() : sock_(io_, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeDns() {
    done_ = true;
    asio::io_context io;  // a datagram wakes the blocked receive
    asio::ip::udp::socket poke(io, asio::ip::udp::v4());
    asio::error_code ec;
    poke.send_to(asio::buffer("x", 1), sock_.local_endpoint(), 0, ec);
    thread_.join();
  }
  std::string addr() const { return "127.0.0.1:" + std::to_string(sock_.local_endpoint().port()); }
  int queries = 0;

 private:
  void serve() {
    std::array<uint8_t, 512> q{};
    while (!done_) {
      asio::ip::udp::endpoint from;
      asio::error_code ec;
      const size_t n = sock_.receive_from(asio::buffer(q), from, 0, ec);
      if (ec || n < 12) continue;
      ++queries;
      // The question: labels from byte 12, then QTYPE and QCLASS.
      std::string name;
      size_t i = 12;
      while (i < n && q[i] != 0) {
        if (!name.empty()) name += ".";
        name.append(reinterpret_cast<const char*>(&q[i + 1]), q[i]);
        i += q[i] + 1;
      }
      const size_t qend = i + 5;
      if (qend > n) continue;
      const int qtype = q[i + 1] << 8 | q[i + 2];
      std::vector<uint8_t> a(q.begin(), q.begin() + qend);
      a[2] = 0x81;  // response, recursion desired
      const bool known = name == "shop.test";
      a[3] = known ? 0x80 : 0x83;  // recursion available; NXDOMAIN when unknown
      a[6] = 0;
      a[7] = known && qtype == 1 ? 1 : 0;  // one answer for A
      a[8] = a[9] = a[10] = a[11] = 0;
      if (known && qtype == 1) {
        const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1};
        a.insert(a.end(), rr, rr + sizeof rr);
      }
      sock_.send_to(asio::buffer(a), from, 0, ec);
    }
  }
  asio::io_context io_;
  asio::ip::udp::socket sock_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

TEST_F(Nginx, ResolversAnswerInsteadOfTheSystem) {
  FakeDns dns;
  HttpOptions h;
  h.resolvers = {dns.addr()};
  std::vector<Target> t = {Target{"GET", "http://shop.test:" + std::to_string(ports_[2]) + "/", {}, ""}};
  AttackRun run = attack_http(t, h, open_load(20, 1s));
  EXPECT_EQ(run.metrics.summarize().status_codes.at("200"), 20u);
  EXPECT_GE(dns.queries, 1);
  t[0].url = "http://nowhere.test:" + std::to_string(ports_[2]) + "/";
  run = attack_http(t, h, open_load(5, 1s));
  const Summary s = run.metrics.summarize();
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_EQ(s.errors[0].rfind("lookup nowhere.test on " + dns.addr() + ": ", 0), 0u) << s.errors[0];
}

// An HTTP proxy for the tests: CONNECT tunnels and absolute-form requests, "shop.test" meaning
// 127.0.0.1 (so that the target is not a loopback name, which Go and loadgate never proxy).
// Answers 407 to a CONNECT without `require` among its headers, when `require` is set.
class TestProxy {
 public:
  explicit TestProxy(std::string require = "") : require_(std::move(require)),
      acceptor_(io_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this] { accept_loop(); });
  }
  ~TestProxy() {
    done_ = true;
    asio::error_code ec;
    asio::io_context io;
    asio::ip::tcp::socket poke(io);
    poke.connect(acceptor_.local_endpoint(), ec);  // wakes the blocked accept
    thread_.join();
    for (auto& t : tunnels_) t.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }
  // The first line and headers of every request the proxy received.
  std::vector<std::string> heads() {
    std::lock_guard lock(mu_);
    return heads_;
  }

 private:
  void accept_loop() {
    while (!done_) {
      auto client = std::make_shared<asio::ip::tcp::socket>(io_);
      asio::error_code ec;
      acceptor_.accept(*client, ec);
      if (ec || done_) return;
      tunnels_.emplace_back([this, client] { serve(client); });
    }
  }
  void serve(std::shared_ptr<asio::ip::tcp::socket> client) {
    std::string head;
    char c;
    asio::error_code ec;
    while (head.find("\r\n\r\n") == std::string::npos && asio::read(*client, asio::buffer(&c, 1), ec) == 1) head += c;
    if (ec) return;
    {
      std::lock_guard lock(mu_);
      heads_.push_back(head);
    }
    std::istringstream line(head);
    std::string method, target;
    line >> method >> target;
    std::string hostport = target;
    if (method != "CONNECT") hostport = target.substr(7, target.find('/', 7) - 7);  // http://host:port/...
    const std::string host = hostport.substr(0, hostport.rfind(':'));
    const int port = std::atoi(hostport.substr(hostport.rfind(':') + 1).c_str());
    asio::ip::tcp::socket up(io_);
    up.connect(asio::ip::tcp::endpoint(asio::ip::make_address(host == "shop.test" ? "127.0.0.1" : host),
                                       static_cast<uint16_t>(port)), ec);
    if (method == "CONNECT") {
      const bool allowed = require_.empty() || head.find(require_) != std::string::npos;
      const std::string answer = !allowed ? "HTTP/1.1 407 Proxy Authentication Required\r\n\r\n"
                                 : ec     ? "HTTP/1.1 502 Bad Gateway\r\n\r\n"
                                          : "HTTP/1.1 200 Connection established\r\n\r\n";
      asio::write(*client, asio::buffer(answer), ec);
      if (!allowed || ec) return;
    } else {
      asio::write(up, asio::buffer(head), ec);
    }
    // Bytes both ways until either side closes.
    std::thread back([&] {
      char buf[16384];
      asio::error_code e;
      for (size_t n; (n = up.read_some(asio::buffer(buf), e)) > 0 && !e;) asio::write(*client, asio::buffer(buf, n), e);
      client->shutdown(asio::socket_base::shutdown_both, e);
    });
    char buf[16384];
    for (size_t n; (n = client->read_some(asio::buffer(buf), ec)) > 0 && !ec;) asio::write(up, asio::buffer(buf, n), ec);
    up.shutdown(asio::socket_base::shutdown_both, ec);
    back.join();
  }
  std::string require_;
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::atomic<bool> done_{false};
  std::thread thread_;
  std::vector<std::thread> tunnels_;
  std::mutex mu_;
  std::vector<std::string> heads_;
};

// Sets an environment variable for the scope of a test.
struct Env {
  Env(const char* name, const std::string& value) : name_(name) { setenv(name, value.c_str(), 1); }
  ~Env() { unsetenv(name_); }
  const char* name_;
};

TEST_F(Nginx, HttpsGoesThroughAConnectTunnelWithTheProxyHeaders) {
  TestProxy proxy("Proxy-Authorization: Basic dGVzdDp0ZXN0");
  Env env("HTTPS_PROXY", proxy.url());
  HttpOptions h;
  h.root_certs = {dir_ + "/cert.pem"};
  h.proxy_headers = {{"Proxy-Authorization", "Basic dGVzdDp0ZXN0"}};
  std::vector<Target> t = {Target{"GET", "https://shop.test:" + std::to_string(ports_[1]) + "/", {}, ""}};
  testing::RecordingSink sink;
  AttackOptions o = open_load(20, 1s);
  o.sink = &sink;
  const AttackRun run = attack_http(t, h, o);
  EXPECT_EQ(run.metrics.summarize().status_codes.at("200"), 20u) << ::testing::PrintToString(run.metrics.summarize().errors);
  EXPECT_EQ(sink.info.target_protocols.begin()->second, "HTTP/2.0") << "ALPN inside the tunnel";
  for (const Logged& l : access_log(20)) EXPECT_EQ(l.protocol, "HTTP/2.0");
  const auto heads = proxy.heads();
  ASSERT_FALSE(heads.empty());
  for (const std::string& head : heads) {
    EXPECT_EQ(head.rfind("CONNECT shop.test:" + std::to_string(ports_[1]) + " HTTP/1.1\r\n", 0), 0u) << head;
    EXPECT_NE(head.find("\r\nProxy-Authorization: Basic dGVzdDp0ZXN0\r\n"), std::string::npos) << head;
  }
}

TEST_F(Nginx, ARefusedConnectIsAConnectError) {
  TestProxy proxy("Proxy-Authorization: Basic dGVzdDp0ZXN0");
  Env env("HTTPS_PROXY", proxy.url());
  HttpOptions h;
  h.root_certs = {dir_ + "/cert.pem"};
  h.http2 = false;
  std::vector<Target> t = {Target{"GET", "https://shop.test:" + std::to_string(ports_[1]) + "/", {}, ""}};
  const Summary s = attack_http(t, h, open_load(5, 1s)).metrics.summarize();
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_EQ(s.errors[0], "proxy " + proxy.url().substr(7) + ": CONNECT shop.test:" + std::to_string(ports_[1]) +
                             ": 407 Proxy Authentication Required");
}

TEST_F(Nginx, HttpGoesToTheProxyInAbsoluteFormAndNoProxyBypassesIt) {
  TestProxy proxy;
  Env env("HTTP_PROXY", proxy.url());
  std::vector<Target> t = {Target{"GET", "http://shop.test:" + std::to_string(ports_[2]) + "/", {}, ""}};
  AttackRun run = attack_http(t, {}, open_load(20, 1s));
  EXPECT_EQ(run.metrics.summarize().status_codes.at("200"), 20u);
  const auto heads = proxy.heads();
  ASSERT_FALSE(heads.empty());
  EXPECT_EQ(heads[0].rfind("GET http://shop.test:" + std::to_string(ports_[2]) + "/ HTTP/1.1\r\n", 0), 0u) << heads[0];

  Env no("NO_PROXY", "example.com, .test");
  run = attack_http(t, {}, open_load(5, 1s));
  const Summary s = run.metrics.summarize();
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_EQ(s.errors[0].rfind("lookup shop.test: ", 0), 0u) << "straight to the target: " << s.errors[0];
  EXPECT_EQ(proxy.heads().size(), heads.size()) << "nothing more reached the proxy";
}

TEST_F(Nginx, LoopbackTargetsNeverGoThroughAProxy) {
  Env env("HTTP_PROXY", "http://127.0.0.1:1");  // nothing listens there
  AttackRun run = attack_http(target(ports_[2], "/"), {}, open_load(10, 1s));
  EXPECT_EQ(run.metrics.summarize().status_codes.at("200"), 10u);
}

TEST_F(Nginx, ConnectToDialsAnotherAddressKeepingTheUrl) {
  HttpOptions h;
  h.connect_to["api.example.com:80"] = "127.0.0.1:" + std::to_string(ports_[2]);
  std::vector<Target> t = {Target{"GET", "http://api.example.com/", {}, ""}};
  const AttackRun run = attack_http(t, h, open_load(10, 1s));
  EXPECT_EQ(run.metrics.summarize().status_codes.at("200"), 10u);
  EXPECT_EQ(access_log(10).size(), 10u);
}

}  // namespace
}  // namespace loadgate
