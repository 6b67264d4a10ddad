// dashboard_test.cc: the live dashboard (#28 item 3) against the embedded API: what its event
// stream carries while a run goes, how its endpoint treats slow readers, and what Chromium
// renders of the page (#28 item 4).
#include <gtest/gtest.h>
#include <httplib.h>

#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/write.hpp>
#include <atomic>
#include <sys/socket.h>
#include <sys/time.h>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "kit/cli.h"
#include "kit/load.h"
#include "kit/scratch_dir.h"
#include "kit/services.h"
#include "live/live_endpoint.h"
#include "loadgate/dashboard.h"
#include "loadgate/error.h"
#include "loadgate/http.h"
#include "loadgate/pacer.h"

namespace loadgate {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::string node_dir() {
  if (const char* d = std::getenv("LOADGATE_NODE_DIR")) return d;
  return LOADGATE_NODE_DIR;
}

// One server-sent event as a reader got it.
struct Event {
  std::string name;
  std::string data;
};

// Reads the event stream at `port` on a thread of its own until a "report" event, the server
// closes it, or 60 s pass.
class EventReader {
 public:
  explicit EventReader(uint16_t port) {
    thread_ = std::thread([this, port] {
      httplib::Client c("127.0.0.1", port);
      c.set_read_timeout(10, 0);
      std::string buffer;
      const auto give_up = std::chrono::steady_clock::now() + seconds(60);
      c.Get("/events", [&](const char* data, size_t n) {
        buffer.append(data, n);
        for (size_t end; (end = buffer.find("\n\n")) != std::string::npos; buffer.erase(0, end + 2)) {
          Event e;
          std::istringstream lines(buffer.substr(0, end));
          for (std::string line; std::getline(lines, line);) {
            if (line.rfind("event: ", 0) == 0) e.name = line.substr(7);
            if (line.rfind("data: ", 0) == 0) e.data = line.substr(6);
          }
          std::lock_guard lock(mu_);
          events_.push_back(e);
          if (e.name == "report") return false;
        }
        return std::chrono::steady_clock::now() < give_up;
      });
    });
  }
  ~EventReader() { join(); }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  std::vector<Event> events() {
    std::lock_guard lock(mu_);
    return events_;
  }

 private:
  std::mutex mu_;
  std::vector<Event> events_;
  std::thread thread_;
};

class DashboardTest : public testing::ApiFixture {
 protected:
  static std::vector<Target> target(const std::string& path) {
    Target t;
    t.method = "GET";
    t.url = api_->url() + path;
    return {t};
  }
  // Runs `o` against the API's chunked answers (2 ms to the first byte) with `d` watching, then
  // turns `d`'s page into the run's report titled `title`.
  static AttackRun run_watched(Dashboard& d, const AttackOptions& o, const std::string& title) {
    AttackRun run = attack_http(target("/api/chunked?chunks=2&delay=2&gap=1"), {}, o);
    ReportOptions ro;
    ro.title = title;
    ro.info = &run.info;
    d.finish(run.metrics, ro);
    return run;
  }
};

// The stream: the header first, then a frame each second whose running totals only grow and
// whose last one counts every result of the run, then the run's HTML report; a browser opened
// after the end gets the report at "/".
TEST_F(DashboardTest, FramesFollowTheRunAndEndInItsReport) {
  Dashboard d("127.0.0.1:0");
  AttackOptions o = testing::open_load(200, seconds(3));
  Thresholds t;
  t.latency["p99"] = seconds(1);   // passes
  t.success = 1.01;                // cannot pass: the page shows a failing check
  auto sink = d.attach(o, &t, "test thresholds");
  EventReader reader(d.port());
  for (int i = 0; i < 500 && d.browsers() == 0; ++i) std::this_thread::sleep_for(milliseconds(10));
  EXPECT_EQ(d.browsers(), 1u) << "the reader is connected before the run";
  const AttackRun run = run_watched(d, o, "dashboard test");
  reader.join();
  const std::vector<Event> events = reader.events();
  ASSERT_GE(events.size(), 4u);
  // Before the attack started the page was told to start over, then the header came.
  size_t k = 0;
  while (k < events.size() && events[k].name == "restart") ++k;
  ASSERT_LT(k, events.size());
  EXPECT_EQ(events[k].name, "header");
  EXPECT_EQ(json::parse(events[k].data).at("rate"), "200/1s");
  uint64_t last_total = 0;
  int frames = 0;
  json last;
  for (++k; k < events.size() && events[k].name == "frame"; ++k) {
    const json f = json::parse(events[k].data);
    const uint64_t total = f.contains("total") ? f["total"]["requests"].get<uint64_t>() : 0;
    EXPECT_GE(total, last_total) << "running totals only grow";
    EXPECT_EQ(f["asked"].get<double>(), 200.0);
    last_total = total;
    last = f;
    ++frames;
  }
  EXPECT_GE(frames, 3) << "a frame each second of a 3 s run";
  const Summary s = run.metrics.summarize();
  EXPECT_EQ(last_total, s.requests) << "the last frame counts every result";
  EXPECT_EQ(last["total"]["success"].get<uint64_t>(), s.success);
  EXPECT_EQ(last["status"]["200"].get<uint64_t>(), s.success);
  // The checks: judged on the figures so far, the impossible one red.
  ASSERT_TRUE(last.contains("checks"));
  std::map<std::string, std::string> states;
  for (const json& c : last["checks"]) states[c["name"]] = c["state"];
  EXPECT_EQ(states["p99"], "ok");
  EXPECT_EQ(states["success"], "FAIL");
  // The phases, in the order they happen.
  ASSERT_EQ(last["phases"].size(), phase_names().size());
  EXPECT_EQ(last["phases"][3]["name"], "waiting");
  ASSERT_LT(k, events.size());
  EXPECT_EQ(events[k].name, "report");
  const std::string report = json::parse(events[k].data).get<std::string>();
  EXPECT_NE(report.find("<title>dashboard test</title>"), std::string::npos);
  // A browser that comes after the end gets the report.
  httplib::Client c("127.0.0.1", d.port());
  auto page = c.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->body, report);
}

// Any number of readers, none waited for: a reader that reads nothing is closed once it is
// `stream_backlog` behind, and the one beside it gets every event, in order.
TEST(LiveEndpoint, ASlowReaderIsDroppedAndTheOthersServed) {
  LiveEndpoint::Routes routes;
  routes.events = "/events";
  LiveEndpoint::Limits limits;
  limits.stream_backlog = 1 << 20;  // a quarter of what is published: the reader that reads may fall 125 ms behind
  LiveEndpoint e("127.0.0.1:0", routes, limits);
  asio::io_context io;
  asio::ip::tcp::socket slow(io), fast(io);
  const asio::ip::tcp::endpoint at(asio::ip::make_address("127.0.0.1"), e.port());
  for (auto* s : {&slow, &fast}) {
    s->open(asio::ip::tcp::v4());
    if (s == &slow) s->set_option(asio::socket_base::receive_buffer_size(4096));  // before the connect: a small window
    const timeval limit{20, 0};  // no read waits past the test's bound
    ::setsockopt(s->native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    s->connect(at);
    asio::write(*s, asio::buffer(std::string("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")));
  }
  while (e.streams() < 2) std::this_thread::sleep_for(milliseconds(5));
  constexpr int kEvents = 400;
  const std::string payload(8 * 1024, 'x');
  std::atomic<bool> done{false};
  std::string got;
  const std::string last = "data: " + std::to_string(kEvents - 1) + payload + "\n\n";
  std::thread reader([&] {
    char buf[65536];
    asio::error_code ec;
    while (!ec && (got.size() < last.size() || got.compare(got.size() - last.size(), last.size(), last) != 0))
      got.append(buf, fast.read_some(asio::buffer(buf), ec));
    done = true;
  });
  for (int i = 0; i < kEvents; ++i) {
    e.post([&e, i, &payload] { e.publish(sse_event("n", std::to_string(i) + payload)); });
    std::this_thread::sleep_for(milliseconds(1));  // 8 MB/s: the reader that reads keeps up
  }
  const auto give_up = std::chrono::steady_clock::now() + seconds(20);
  while (e.streams() > 1 && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(milliseconds(10));
  EXPECT_EQ(e.streams(), 1u) << "the reader that read nothing was dropped";
  EXPECT_TRUE(e.flush(seconds(20)));
  reader.join();  // it got the last event, or its read timed out
  EXPECT_TRUE(done.load());
  // Every event reached the reader that read, in order.
  size_t at_byte = 0;
  for (int i = 0; i < kEvents; ++i) {
    const std::string want = "data: " + std::to_string(i) + "x";
    const size_t found = got.find(want, at_byte);
    ASSERT_NE(found, std::string::npos) << "event " << i;
    at_byte = found + want.size();
  }
}

TEST(Dashboard, BadAddressesAreInputErrors) {
  for (const char* bad : {"nowhere", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:99999"})
    EXPECT_THROW(Dashboard{bad}, InputError) << bad;
  EXPECT_EQ(make_dashboard(""), nullptr);
}

// Headless Chromium (Debian's, driven by puppeteer-core) opens the page during a run: the
// figures it renders change from one look to the next, its last count is the run's, and the
// page then turns into the run's report with every chart drawn. Screenshots of both go to the
// test's scratch folder (README's pictures are these).
TEST_F(DashboardTest, ChromiumShowsTheRunAndThenItsReport) {
  ASSERT_TRUE(std::ifstream(node_dir() + "/node_modules/puppeteer-core/package.json").good())
      << "puppeteer-core is missing: run ci/node-peers";
  Dashboard d("127.0.0.1:0");
  AttackOptions o = testing::open_load(200, seconds(8));
  auto sink = d.attach(o);
  const std::string dir = testing::scratch_dir("dashboard");
  const std::string out = dir + "/probe.json";
  std::thread browser([&] {
    const testing::Ran r = testing::sh("cd " + node_dir() + " && node dashboard_probe.mjs http://127.0.0.1:" +
                                           std::to_string(d.port()) + "/ " + out + " " + dir,
                                       "dashboard_probe");
    EXPECT_EQ(r.code, 0) << r.out << r.err;
  });
  const AttackRun run = run_watched(d, o, "dashboard in chromium");
  browser.join();
  std::ifstream in(out);
  ASSERT_TRUE(in.good()) << out;
  const json seen = json::parse(in);
  ASSERT_EQ(seen["during"].size(), 2u) << seen.dump(1);
  const json& a = seen["during"][0];
  const json& b = seen["during"][1];
  EXPECT_EQ(a["error"], "");
  EXPECT_EQ(b["error"], "");
  EXPECT_EQ(a["state"], "running");
  EXPECT_GT(b["frames"].get<int>(), a["frames"].get<int>());
  EXPECT_GT(b["requests"].get<uint64_t>(), a["requests"].get<uint64_t>()) << "the figures move while the run goes";
  EXPECT_NE(a["tiles"]["elapsed"], b["tiles"]["elapsed"]);
  EXPECT_EQ(b["tiles"]["success"], "100.00%");
  EXPECT_EQ(b["phases"].get<int>(), 5) << "a row per phase";
  for (const char* chart : {"rate-chart", "latency-chart", "late-chart"})
    for (const json& line : b["lines"][chart]) EXPECT_GE(line["points"].get<int>(), 2) << chart << " " << line["name"];
  const Summary s = run.metrics.summarize();
  EXPECT_EQ(seen["end"]["requests"].get<uint64_t>(), s.requests) << "the page's last count is the run's";
  EXPECT_EQ(seen["end"]["state"], "ended");
  const json& report = seen["report"];
  ASSERT_TRUE(report.is_object()) << seen.dump(1);
  EXPECT_EQ(report["title"], "dashboard in chromium");
  EXPECT_EQ(report["error"], "");
  EXPECT_EQ(report["drawn"], report["charts"]) << "every chart of the report drawn";
  const std::string text = report["text"];
  EXPECT_NE(text.find("requests\t" + std::to_string(s.requests)), std::string::npos) << text.substr(0, 600);
  std::printf("dashboard: %d then %d frames, %llu then %llu requests; report of %llu requests; screenshots in %s\n",
              a["frames"].get<int>(), b["frames"].get<int>(), static_cast<unsigned long long>(a["requests"].get<uint64_t>()),
              static_cast<unsigned long long>(b["requests"].get<uint64_t>()), static_cast<unsigned long long>(s.requests),
              dir.c_str());
}

}  // namespace
}  // namespace loadgate
