// h2c_upgrade_test.cc: cleartext HTTP/2 reached by an HTTP/1.1 "Upgrade: h2c" (-h2c-upgrade),
// against nghttpx (Debian's nghttp2-proxy), which switches when asked and logs the protocol each
// request arrived in ($alpn: "h2c" or "http/1.1"), in front of the embedded API service; against
// the API service alone, which does not switch; and against a raw server that switches for the
// probe before the attack and refuses afterwards.
#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "loadgate/error.h"
#include "loadgate/http.h"
#include "kit/scratch_dir.h"
#include "kit/listener.h"
#include "kit/load.h"
#include "kit/net.h"
#include "kit/services.h"
#include "kit/slurp.h"
#include "kit/subprocess.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;
using testing::closed_load;
using testing::free_port;
using testing::listening;
using testing::slurp;

constexpr const char* kNghttpx = "/usr/sbin/nghttpx";

// One line of nghttpx's access log.
struct Logged {
  std::string alpn, method, path, status;
};

class H2cUpgrade : public testing::ApiFixture {
 protected:
  static void SetUpTestSuite() {
    start_api({});
    dir_ = testing::scratch_dir("h2c");
    port_ = free_port();
    const std::string backend = "127.0.0.1," + std::to_string(api_->port());
    proxy_ = new testing::Subprocess(
        {kNghttpx, "--conf=/dev/null", "--single-process", "--single-thread", "--no-ocsp",
         "--frontend=127.0.0.1," + std::to_string(port_) + ";no-tls", "--backend=" + backend,
         "--accesslog-file=" + dir_ + "/access.log", "--accesslog-format=$alpn $method $path $status",
         "--errorlog-file=" + dir_ + "/error.log"},
        dir_ + "/nghttpx.out", dir_ + "/nghttpx.err");
    for (int i = 0; i < 300 && !listening(port_); ++i) std::this_thread::sleep_for(10ms);
  }
  static void TearDownTestSuite() {
    proxy_->signal(SIGTERM);
    proxy_->wait(5000ms);
    delete proxy_;
    ApiFixture::TearDownTestSuite();
    std::filesystem::remove_all(dir_);
  }
  void SetUp() override {
    ASSERT_TRUE(listening(port_)) << "nghttpx did not start: " << slurp(dir_ + "/error.log") << slurp(dir_ + "/nghttpx.err");
    std::ofstream(dir_ + "/access.log", std::ios::trunc).close();
  }
  // nghttpx writes a line when a request ends; it may trail the client's last result.
  static std::vector<Logged> access_log(size_t expect) {
    std::vector<Logged> out;
    std::istringstream in(testing::slurp_lines(dir_ + "/access.log", expect));
    Logged l;
    while (in >> l.alpn >> l.method >> l.path >> l.status) out.push_back(l);
    return out;
  }
  static HttpOptions upgrade() {
    HttpOptions h;
    h.h2c_upgrade = true;
    return h;
  }
  static AttackOptions closed(int streams, uint64_t requests) {
    AttackOptions o = closed_load(streams, requests);
    o.load.max_workers = o.load.stream_workers = o.load.stream_max_workers = streams;
    o.load.threads = 1;
    return o;
  }

  static testing::Subprocess* proxy_;
  static std::string dir_;
  static int port_;
};
testing::Subprocess* H2cUpgrade::proxy_ = nullptr;
std::string H2cUpgrade::dir_;
int H2cUpgrade::port_ = 0;

std::vector<Target> get(int port, const std::string& path) {
  return {Target{"GET", "http://127.0.0.1:" + std::to_string(port) + path, {}, ""}};
}

TEST_F(H2cUpgrade, RequestsGoOverHttp2AfterOneUpgradePerConnection) {
  HttpOptions h = upgrade();
  h.connections = 1;
  const AttackRun run = attack_http(get(port_, "/health"), h, closed(8, 200));
  const Summary s = run.metrics.summarize();
  EXPECT_EQ(s.requests, 200u);
  EXPECT_EQ(s.status_codes.at("200"), 200u) << (s.errors.empty() ? "" : s.errors[0]);
  EXPECT_EQ(run.info.target_protocols.at("GET http://127.0.0.1:" + std::to_string(port_) + "/health"), "HTTP/2.0");
  // 200 GETs, all over h2c; one OPTIONS for the attack's single connection, answered over h2c
  // too, and one for the probe before the attack, which nghttpx logs only when its answer came
  // before the probe closed the connection.
  const std::vector<Logged> log = access_log(201);
  size_t gets = 0, options = 0;
  for (const Logged& l : log) {
    EXPECT_EQ(l.alpn, "h2c") << l.method << " " << l.path;
    gets += l.method == "GET" && l.path == "/health";
    options += l.method == "OPTIONS" && l.path == "/";
  }
  EXPECT_EQ(gets, 200u);
  EXPECT_GE(options, 1u);
  EXPECT_LE(options, 2u);
}

TEST_F(H2cUpgrade, PostBodiesGoInDataFramesAfterTheUpgrade) {
  std::vector<Target> t = {Target{"POST", "http://127.0.0.1:" + std::to_string(port_) + "/api/items",
                                  {{"Content-Type", "application/json"}}, R"({"name":"x","price":1})"}};
  const AttackRun run = attack_http(t, upgrade(), closed(2, 20));
  const Summary s = run.metrics.summarize();
  EXPECT_EQ(s.requests, 20u);
  EXPECT_EQ(s.success_ratio, 1.0) << (s.errors.empty() ? "" : s.errors[0]);
  size_t posts = 0;
  for (const Logged& l : access_log(21)) posts += l.alpn == "h2c" && l.method == "POST";
  EXPECT_EQ(posts, 20u);
}

TEST_F(H2cUpgrade, AServerThatDoesNotSwitchIsSpokenToInHttp11) {
  // The API service (cpp-httplib) answers the OPTIONS in HTTP/1.1: the origin stays HTTP/1.1.
  const AttackRun run = attack_http(get(api_->port(), "/health"), upgrade(), closed(2, 20));
  const Summary s = run.metrics.summarize();
  EXPECT_EQ(s.requests, 20u);
  EXPECT_EQ(s.status_codes.at("200"), 20u);
  EXPECT_EQ(run.info.target_protocols.at("GET http://127.0.0.1:" + std::to_string(api_->port()) + "/health"), "HTTP/1.1");
}

TEST(H2cUpgradeOptions, PriorKnowledgeAndTheUpgradeAreOneOrTheOther) {
  HttpOptions h;
  h.h2c = true;
  h.h2c_upgrade = true;
  try {
    attack_http(get(1, "/"), h, closed_load(1, 1));
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("-h2c-upgrade"), std::string::npos) << e.what();
  }
}

// A server that switches on its first connection (the probe) and answers 400 on the others.
class RefusesAfterProbe {
 public:
  RefusesAfterProbe() : l_(testing::loopback_listener(16)), th_([this] { serve(); }) {}
  ~RefusesAfterProbe() {
    stop_ = true;
    th_.join();
    close(l_.fd);
  }
  int port() const { return l_.port; }

 private:
  void serve() {
    int n = 0;
    while (!stop_) {
      pollfd p{l_.fd, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      const int c = accept(l_.fd, nullptr, nullptr);
      if (c < 0) continue;
      std::string head;
      char buf[4096];
      for (ssize_t r; head.find("\r\n\r\n") == std::string::npos && (r = read(c, buf, sizeof buf)) > 0;) head.append(buf, r);
      const std::string answer = n++ == 0 ? "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"
                                          : "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      (void)!write(c, answer.data(), answer.size());
      close(c);
    }
  }
  testing::Listener l_;
  std::atomic<bool> stop_{false};
  std::thread th_;
};

TEST(H2cUpgradeRefused, EachRequestFailsWithTheServersAnswer) {
  RefusesAfterProbe server;
  HttpOptions h;
  h.h2c_upgrade = true;
  AttackOptions o = closed_load(1, 3);
  o.load.threads = 1;
  const Summary s = attack_http(get(server.port(), "/"), h, o).metrics.summarize();
  EXPECT_EQ(s.requests, 3u);
  EXPECT_EQ(s.success_ratio, 0.0);
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_NE(s.errors[0].find("h2c upgrade: the server answered \"HTTP/1.1 400 Bad Request\", not 101 Switching Protocols"),
            std::string::npos)
      << s.errors[0];
}

}  // namespace
}  // namespace loadgate
