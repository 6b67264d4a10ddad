// prometheus_test.cc: live figures, against the real thing: Debian's Prometheus server scrapes
// a running `loadgate attack -prometheus-addr`, and a real Pushgateway takes
// `-prometheus-push`; the request counter Prometheus stores must equal the results file's
// count, and histogram_quantile()'s p99 must fall in the same bucket as the file's exact p99.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <atomic>
#include <functional>
#include <map>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "loadgate/duration.h"
#include "loadgate/error.h"
#include "loadgate/interner.h"
#include "loadgate/metrics.h"
#include "loadgate/prometheus.h"
#include "loadgate/results_file.h"
#include "loadgate/services/api_service.h"
#include "live/live_endpoint.h"
#include "live/scrape_request.h"
#include "kit/cli.h"
#include "kit/scratch_dir.h"
#include "kit/net.h"
#include "kit/services.h"
#include "kit/subprocess.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;

using testing::free_port;

// The exporter alone: what a scrape would read after known results.
// A sink of `prom` for an HTTP attack named `name`, its header given.
std::unique_ptr<ResultsSink> started_sink(PrometheusExporter& prom, const std::string& name) {
  AttackOptions o;
  o.name = name;
  auto sink = prom.sink(o, nullptr);
  AttackInfo info;
  info.name = name;
  info.protocol = "http";
  sink->header(info);
  return sink;
}

// `n` results of GET http://h/, all 200 and due at the same time; the caller sets the rest.
std::vector<Result> results_of_h(size_t n) {
  std::vector<Result> rs(n);
  for (Result& r : rs) {
    r.target = intern("GET http://h/");
    r.status = 200;
    r.scheduled_ns = 1'800'000'000'000'000'000;
  }
  return rs;
}

TEST(PrometheusExporter, CountsWhatTheSinkGets) {
  PrometheusExporter prom({});
  auto sink = started_sink(prom, "unit");
  std::vector<Result> rs = results_of_h(5);
  for (size_t i = 0; i < rs.size(); ++i) {
    rs[i].status = i < 3 ? 200 : 503;
    rs[i].latency_ns = static_cast<int64_t>(i + 1) * 1'000'000;  // 1..5 ms
    rs[i].send_delay_ns = i == 4 ? 2'000'000 : 0;                 // one late hit
  }
  sink->results(rs.data(), rs.size());
  Verdict v;
  v.checks.push_back(Check{"p99", 5e6, 1e6, Check::Op::kBelow, Unit::kNanos, false, "src"});
  prom.verdict("api.unit", v);
  const std::string text = prom.text();
  auto has = [&](const std::string& line) { return text.find(line) != std::string::npos; };
  EXPECT_TRUE(has("loadgate_requests_total{attack=\"unit\",kind=\"http\",protocol=\"http\",status=\"200\",target=\"GET http://h/\"} 3")) << text;
  EXPECT_TRUE(has("status=\"503\",target=\"GET http://h/\"} 2")) << text;
  EXPECT_TRUE(has("loadgate_late_hits_total{attack=\"unit\",kind=\"http\",protocol=\"http\",target=\"GET http://h/\"} 1")) << text;
  EXPECT_TRUE(has("loadgate_request_duration_seconds_count{attack=\"unit\",corrected=\"true\",kind=\"http\",protocol=\"http\",target=\"GET http://h/\"} 5")) << text;
  EXPECT_TRUE(has("le=\"0.0025\"} 2")) << "1 ms and 2 ms are at most 2.5 ms: " << text;
  EXPECT_TRUE(has("loadgate_check_passed{check=\"p99\",scenario=\"api.unit\"} 0")) << text;
  EXPECT_TRUE(has("loadgate_verdict_passed{scenario=\"api.unit\"} 0")) << text;
}

// OpenMetrics (#28 item 2): the same figures, a counter's family named without "_total", and
// a traced result standing for the bucket it fell in, with its trace id and its value.
TEST(PrometheusExporter, OpenMetricsCarriesTheTracedResultsAsExemplars) {
  PrometheusExporter prom({});
  auto sink = started_sink(prom, "traced");
  std::vector<Result> rs = results_of_h(3);
  for (size_t i = 0; i < rs.size(); ++i) rs[i].latency_ns = i == 2 ? 300'000'000 : 1'000'000;  // 1 ms, 1 ms, 300 ms
  std::vector<KeptResponse> kept(1);
  kept[0].index = 2;
  kept[0].trace = *TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736");
  sink->results(rs.data(), rs.size(), kept);
  const std::string text = prom.openmetrics();
  auto has = [&](const std::string& line) { return text.find(line) != std::string::npos; };
  EXPECT_TRUE(has("# TYPE loadgate_requests counter\n")) << text;
  EXPECT_TRUE(has("loadgate_requests_total{attack=\"traced\",kind=\"http\",protocol=\"http\",status=\"200\",target=\"GET http://h/\"} 3\n")) << text;
  EXPECT_TRUE(has("# TYPE loadgate_request_duration_seconds histogram\n")) << text;
  EXPECT_TRUE(has("corrected=\"true\",kind=\"http\",protocol=\"http\",target=\"GET http://h/\",le=\"0.5\"} 3 "
                  "# {trace_id=\"4bf92f3577b34da6a3ce929d0e0e4736\"} 0.3\n")) << text;
  EXPECT_TRUE(has("le=\"0.001\"} 2\n")) << "the untraced buckets carry no exemplar: " << text;
  EXPECT_EQ(text.find("corrected=\"false\",kind=\"http\",protocol=\"http\",target=\"GET http://h/\",le=\"0.5\"} 3 #"),
            std::string::npos) << "exemplars stand for the corrected latency only";
  EXPECT_TRUE(text.size() >= 6 && text.compare(text.size() - 6, 6, "# EOF\n") == 0) << text;
}

// Idle connections that never finish a request (a slowloris) do not hold the endpoint: a scrape
// beside ten of them is served, and they are closed after the endpoint's request timeout.
TEST(PrometheusExporter, IdleConnectionsDoNotHoldTheEndpoint) {
  PrometheusOptions o;
  const int port = free_port();
  o.listen = "127.0.0.1:" + std::to_string(port);
  PrometheusExporter prom(o);
  asio::io_context io;
  std::vector<asio::ip::tcp::socket> idle;
  for (int i = 0; i < 10; ++i) {
    idle.emplace_back(io);
    idle.back().connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)));
    asio::write(idle.back(), asio::buffer("G", 1));
  }
  httplib::Client scraper("127.0.0.1", port);
  scraper.set_read_timeout(10, 0);
  scraper.set_connection_timeout(10, 0);
  const auto r = scraper.Get("/metrics");
  ASSERT_TRUE(r) << "no answer beside 10 idle connections";
  EXPECT_EQ(r->status, 200);
  // The idle ones are closed by the endpoint (a read sees the end) within its timeout.
  for (auto& s : idle) {
    s.non_blocking(false);
    struct timeval tv {10, 0};
    setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[512];
    asio::error_code ec;
    size_t answered = 0;  // (an endpoint may answer "408" before it closes)
    while (!ec && answered < 4096) answered += s.read_some(asio::buffer(buf), ec);
    EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  }
}

// What the endpoint reads from the first bytes of a connection (http-parser underneath).
TEST(ScrapeRequest, HeadsReadAsTheyCame) {
  using State = ScrapeRequest::State;
  const std::string huge = "GET /metrics HTTP/1.1\r\nX-Long: " + std::string(kMaxScrapeHead, 'a');
  struct Row {
    std::string bytes;
    State state;
    std::string method, path;
    bool keep_alive;
    size_t size;  // of a complete head
    int status;   // of a bad one
  } rows[] = {
      {"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", State::kComplete, "GET", "/metrics", true, 34, 0},
      {"GET /metrics HTTP/1.0\r\n\r\n", State::kComplete, "GET", "/metrics", false, 25, 0},
      {"HEAD /metrics?a=1 HTTP/1.1\r\nConnection: close\r\n\r\n", State::kComplete, "HEAD", "/metrics", false, 49, 0},
      {"GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n", State::kComplete, "GET", "/a", true, 19, 0},  // pipelined
      {"", State::kIncomplete, "", "", false, 0, 0},
      {"G", State::kIncomplete, "", "", false, 0, 0},
      {"GET /metrics HTTP/1.1\r\nHost: x\r\n", State::kIncomplete, "", "", false, 0, 0},
      {"POST /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", State::kBad, "", "", false, 0, 413},
      {"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", State::kBad, "", "", false, 0, 413},
      {"NOT HTTP AT ALL\r\n\r\n", State::kBad, "", "", false, 0, 400},
      {std::string("GET /\0 HTTP/1.1\r\n\r\n", 20), State::kBad, "", "", false, 0, 400},
      {huge, State::kBad, "", "", false, 0, 431},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(::testing::PrintToString(r.bytes.substr(0, 60)));
    const ScrapeRequest got = parse_scrape_request(r.bytes);
    ASSERT_EQ(got.state, r.state);
    if (r.state == State::kComplete) {
      EXPECT_EQ(got.method, r.method);
      EXPECT_EQ(got.path, r.path);
      EXPECT_EQ(got.keep_alive, r.keep_alive);
      EXPECT_EQ(got.size, r.size);
    }
    if (r.state == State::kBad) {
      EXPECT_EQ(got.status, r.status);
    }
  }
}

// The first line of what the endpoint answers to `request` on a fresh connection.
std::string status_line(uint16_t port, const std::string& request) {
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(s, asio::buffer(request));
  std::string got;
  char buf[4096];
  asio::error_code ec;
  while (!ec && got.find("\r\n") == std::string::npos) got.append(buf, s.read_some(asio::buffer(buf), ec));
  return got.substr(0, got.find("\r\n"));
}

TEST(LiveEndpoint, AnswersEachRequestForWhatItIs) {
  LiveEndpoint::Routes routes;
  routes.page = [](const ScrapeRequest& r) -> std::optional<Page> {
    if (r.path != "/metrics") return std::nullopt;
    return Page{"text/plain", "up 1\n"};
  };
  LiveEndpoint endpoint("127.0.0.1:0", routes, LiveEndpoint::Limits{});
  const struct {
    std::string request, status;
  } rows[] = {
      {"GET /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK"},
      {"HEAD /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK"},
      {"GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found"},
      {"DELETE /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 405 Method Not Allowed"},
      {"POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", "HTTP/1.1 413 Content Too Large"},
      {"\x16\x03\x01 not http\r\n\r\n", "HTTP/1.1 400 Bad Request"},
  };
  for (const auto& r : rows) EXPECT_EQ(status_line(endpoint.port(), r.request), r.status) << r.request;
  // Keep-alive and pipelining: two requests in one write get two answers, in order.
  httplib::Client c("127.0.0.1", endpoint.port());
  c.set_keep_alive(true);
  for (int i = 0; i < 3; ++i) {
    auto r = c.Get("/metrics");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "up 1\n");
  }
}

// Row 10 of the hardening probe (#27): 500 slowloris connections that keep trickling a request
// head, reconnecting whenever the endpoint closes them, and 200 scrapers beside them. Every
// scrape is answered (civetweb's thread per connection served 0 of 1,276), and the flood was
// really held down: the endpoint closed the connections past its limit.
TEST(PrometheusExporter, ScrapesAreServedBesideASlowlorisFlood) {
  PrometheusOptions o;
  const int port = free_port();
  o.listen = "127.0.0.1:" + std::to_string(port);
  PrometheusExporter prom(o);
  const asio::ip::tcp::endpoint at(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port));
  constexpr int kSlow = 500, kScrapes = 200, kScrapers = 8;

  // The flood: one thread, one loop; each connection sends a byte of its head every 200 ms.
  asio::io_context flood;
  std::atomic<bool> stop{false};
  std::atomic<int> opened{0}, closed_by_endpoint{0};
  struct Loris {
    explicit Loris(asio::io_context& io) : socket(io), timer(io) {}
    asio::ip::tcp::socket socket;
    asio::steady_timer timer;
    char byte = 'a';
  };
  std::vector<std::unique_ptr<Loris>> lorises;
  std::function<void(Loris*)> start, trickle;
  start = [&](Loris* l) {
    if (stop) return;
    asio::error_code ignored;
    l->socket.close(ignored);
    l->socket.async_connect(at, [&, l](const asio::error_code& ec) {
      if (ec || stop) return;
      ++opened;
      asio::async_write(l->socket, asio::buffer("GET /metrics HTTP/1.1\r\nX-Slow: ", 31),
                        [&, l](const asio::error_code& e, size_t) { e ? start(l) : trickle(l); });
    });
  };
  trickle = [&](Loris* l) {
    l->timer.expires_after(200ms);
    l->timer.async_wait([&, l](const asio::error_code& ec) {
      if (ec || stop) return;
      l->socket.async_write_some(asio::buffer(&l->byte, 1), [&, l](const asio::error_code& e, size_t) {
        if (!e) return trickle(l);
        ++closed_by_endpoint;
        start(l);
      });
    });
  };
  for (int i = 0; i < kSlow; ++i) {
    lorises.push_back(std::make_unique<Loris>(flood));
    start(lorises.back().get());
  }
  std::thread flooder([&] {
    while (!stop) flood.run_for(100ms);
  });
  while (opened < kSlow && !::testing::Test::HasFailure()) std::this_thread::sleep_for(10ms);

  std::atomic<int> served{0};
  std::atomic<int64_t> slowest_ms{0};
  std::vector<std::thread> scrapers;
  const auto give_up = std::chrono::steady_clock::now() + 20s;  // the test's own bound
  for (int t = 0; t < kScrapers; ++t)
    scrapers.emplace_back([&] {
      for (int i = 0; i < kScrapes / kScrapers && std::chrono::steady_clock::now() < give_up; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        httplib::Client c("127.0.0.1", port);
        c.set_connection_timeout(5, 0);
        c.set_read_timeout(5, 0);
        auto r = c.Get("/metrics");
        if (r && r->status == 200) ++served;
        const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
        int64_t prev = slowest_ms.load();
        while (ms > prev && !slowest_ms.compare_exchange_weak(prev, ms)) {
        }
        std::this_thread::sleep_for(10ms);
      }
    });
  for (auto& s : scrapers) s.join();
  // Keep the flood up past the request timeout, so that the ones within the limit are cut too.
  std::this_thread::sleep_for(LiveEndpoint::Limits{}.request_timeout + 500ms);
  stop = true;
  flooder.join();
  EXPECT_EQ(served.load(), kScrapes) << "slowest scrape " << slowest_ms << " ms";
  EXPECT_GE(closed_by_endpoint.load(), kSlow) << "the flood's connections past the limit and past the request timeout are closed";
  std::printf("%d of %d scrapes served beside %d slowloris connections (slowest %lld ms); the endpoint closed %d of theirs\n",
              served.load(), kScrapes, kSlow, static_cast<long long>(slowest_ms.load()), closed_by_endpoint.load());
}

TEST(PrometheusExporter, BadAddressesAreInputErrors) {
  PrometheusOptions bad;
  bad.listen = "not an address";
  EXPECT_THROW(PrometheusExporter{bad}, InputError);
  PrometheusOptions push;
  push.push = "ftp://x";
  EXPECT_THROW(PrometheusExporter{push}, InputError);
}

// Prometheus and a Pushgateway on free loopback ports, scraping every second.
class Prometheus : public testing::ApiFixture {
 protected:
  static void SetUpTestSuite() {
    start_api({});
    dir_ = testing::scratch_dir("prom");
    exporter_port_ = free_port();
    prom_port_ = free_port();
    push_port_ = free_port();
    std::ofstream(dir_ + "/prometheus.yml")
        << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        << "scrape_configs:\n"
        << "  - job_name: loadgate\n    static_configs:\n      - targets: ['127.0.0.1:" << exporter_port_ << "']\n"
        << "  - job_name: pushgateway\n    honor_labels: true\n    static_configs:\n      - targets: ['127.0.0.1:"
        << push_port_ << "']\n";
    push_ = new testing::Subprocess({"/usr/bin/prometheus-pushgateway", "--web.listen-address=127.0.0.1:" +
                                         std::to_string(push_port_)},
                                    dir_ + "/pushgateway.log", dir_ + "/pushgateway.log");
    prom_ = new testing::Subprocess({"/usr/bin/prometheus", "--config.file=" + dir_ + "/prometheus.yml",
                                     "--storage.tsdb.path=" + dir_ + "/data", "--enable-feature=exemplar-storage",
                                     "--web.listen-address=127.0.0.1:" + std::to_string(prom_port_)},
                                    dir_ + "/prometheus.log", dir_ + "/prometheus.log");
    httplib::Client c("127.0.0.1", prom_port_);
    for (int i = 0; i < 300; ++i) {
      auto r = c.Get("/-/ready");
      if (r && r->status == 200) break;
      std::this_thread::sleep_for(100ms);
    }
  }
  static void TearDownTestSuite() {
    prom_->signal(SIGTERM);
    prom_->wait(10000ms);
    push_->signal(SIGTERM);
    push_->wait(5000ms);
    delete prom_;
    delete push_;
    ApiFixture::TearDownTestSuite();
  }

  // The value of an instant PromQL query with one result; NaN when there is none.
  static double query(const std::string& promql) {
    httplib::Client c("127.0.0.1", prom_port_);
    auto r = c.Get("/api/v1/query", httplib::Params{{"query", promql}}, httplib::Headers{});
    if (!r || r->status != 200) return std::nan("");
    auto j = nlohmann::json::parse(r->body, nullptr, false);
    if (j.is_discarded() || j["data"]["result"].empty()) return std::nan("");
    return std::stod(j["data"]["result"][0]["value"][1].get<std::string>());
  }
  // Polls `promql` until it equals `want` (scrapes are a second apart), or 15 s pass.
  static double wait_for(const std::string& promql, double want) {
    double v = std::nan("");
    for (int i = 0; i < 150; ++i) {
      v = query(promql);
      if (v == want) return v;
      std::this_thread::sleep_for(100ms);
    }
    return v;
  }
  // Runs `loadgate attack` against the API with `flags`; its results go to `out`.
  static int attack(const std::string& name, const std::vector<std::string>& flags, const std::string& out) {
    const std::string targets = dir_ + "/targets.txt";
    std::ofstream(targets) << "GET " << api_->url() << "/health\n\nGET " << api_->url() << "/api/items\n";
    std::vector<std::string> argv = {LOADGATE_BIN, "attack", "-targets=" + targets, "-name=" + name, "-rate=100",
                                     "-duration=4s", "-output=" + out};
    argv.insert(argv.end(), flags.begin(), flags.end());
    testing::Subprocess p(argv, dir_ + "/" + name + ".out", dir_ + "/" + name + ".err");
    return p.wait(30000ms);
  }
  static Summary summary(const std::string& path) {
    Metrics m;
    read_metrics({path}, m);
    return m.summarize();
  }
  // The bounds (seconds) of the buckets the true value of a results-file latency can be in: the
  // file's figure is never below the true one, and at most 0.1 % above it (histogram.h).
  static std::pair<double, double> bucket(double seconds) {
    auto of = [](double v) {
      double lower = 0;
      for (double b : kLatencyBuckets) {
        if (v <= b) return std::pair<double, double>{lower, b};
        lower = b;
      }
      return std::pair<double, double>{lower, INFINITY};
    };
    return {of(seconds / 1.001).first, of(seconds).second};
  }

  static testing::Subprocess* prom_;
  static testing::Subprocess* push_;
  static std::string dir_;
  static int exporter_port_, prom_port_, push_port_;
};
testing::Subprocess* Prometheus::prom_ = nullptr;
testing::Subprocess* Prometheus::push_ = nullptr;
std::string Prometheus::dir_;
int Prometheus::exporter_port_ = 0, Prometheus::prom_port_ = 0, Prometheus::push_port_ = 0;

TEST_F(Prometheus, ScrapedCounterAndP99MatchTheResultsFile) {
  ASSERT_EQ(query("vector(1)"), 1.0) << "Prometheus is not answering";
  const std::string out = dir_ + "/scraped.bin";
  ASSERT_EQ(attack("scraped", {"-prometheus-addr=127.0.0.1:" + std::to_string(exporter_port_), "-prometheus-wait=3s"}, out), 0);
  const Summary s = summary(out);
  ASSERT_EQ(s.requests, 400u);
  // The attack is over and its series went stale: the last scraped values, over a range.
  const std::string count_q = "sum(last_over_time(loadgate_requests_total{attack=\"scraped\"}[5m]))";
  const double counted = wait_for(count_q, static_cast<double>(s.requests));
  EXPECT_EQ(counted, static_cast<double>(s.requests)) << "PromQL: " << count_q;
  const std::string p99_q =
      "histogram_quantile(0.99, sum by (le) (last_over_time(loadgate_request_duration_seconds_bucket{attack=\"scraped\","
      "corrected=\"true\"}[5m])))";
  const double p99 = query(p99_q);
  const double exact = static_cast<double>(s.latency.p99) / 1e9;
  const auto [lo, hi] = bucket(exact);
  EXPECT_GE(p99, lo) << "histogram_quantile " << p99 << " s, results file " << exact << " s";
  EXPECT_LE(p99, hi) << "histogram_quantile " << p99 << " s, results file " << exact << " s";
  std::printf("PromQL %s = %.0f (results file: %llu requests)\nPromQL %s = %.6f s (results file p99: %.6f s; bucket %g..%g s)\n",
              count_q.c_str(), counted, static_cast<unsigned long long>(s.requests), p99_q.c_str(), p99, exact, lo, hi);
}

// Exemplars end to end: Prometheus scrapes OpenMetrics from a traced attack (-trace) and
// stores exemplars; each one it gives back is a result of the file, with the trace id that
// result carried and its corrected latency as the value.
TEST_F(Prometheus, ExemplarsAreTracedResultsOfTheRun) {
  ASSERT_EQ(query("vector(1)"), 1.0) << "Prometheus is not answering";
  const double start = static_cast<double>(unix_now_ns()) / 1e9;
  const std::string out = dir_ + "/traced.bin";
  ASSERT_EQ(attack("traced", {"-trace", "-prometheus-addr=127.0.0.1:" + std::to_string(exporter_port_), "-prometheus-wait=3s"}, out), 0);
  // The trace id and corrected latency (Vegeta's "latency" is from the send: plus the send delay)
  // of every traced result in the file.
  std::map<std::string, int64_t> traced;
  const testing::Ran enc = testing::sh(std::string(LOADGATE_BIN) + " encode -to=json " + out, "prom_encode");
  ASSERT_EQ(enc.code, 0) << enc.err;
  std::istringstream lines(enc.out);
  for (std::string line; std::getline(lines, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.contains("trace_id"))
      traced[j["trace_id"]] = j["latency"].get<int64_t>() + j["send_delay"].get<int64_t>();
  }
  ASSERT_FALSE(traced.empty()) << "the file keeps the slowest results' trace ids";
  httplib::Client c("127.0.0.1", prom_port_);
  nlohmann::json found;
  for (int i = 0; i < 100 && found.empty(); ++i) {
    auto r = c.Get("/api/v1/query_exemplars",
                   httplib::Params{{"query", "loadgate_request_duration_seconds_bucket{attack=\"traced\"}"},
                                   {"start", std::to_string(start - 60)},
                                   {"end", std::to_string(static_cast<double>(unix_now_ns()) / 1e9 + 60)}},
                   httplib::Headers{});
    if (r && r->status == 200) {
      const auto j = nlohmann::json::parse(r->body, nullptr, false);
      if (!j.is_discarded()) found = j["data"];
    }
    if (found.empty()) std::this_thread::sleep_for(100ms);
  }
  ASSERT_FALSE(found.empty()) << "Prometheus stored no exemplar";
  size_t exemplars = 0;
  for (const auto& series : found)
    for (const auto& e : series["exemplars"]) {
      const std::string id = e["labels"]["trace_id"];
      ASSERT_TRUE(traced.count(id)) << id << " is not a trace id of the file";
      EXPECT_NEAR(std::stod(e["value"].get<std::string>()), static_cast<double>(traced[id]) / 1e9, 1e-9) << id;
      ++exemplars;
    }
  std::printf("%zu exemplars in Prometheus, each a traced result of the file (%zu traced results kept)\n", exemplars,
              traced.size());
}

TEST_F(Prometheus, PushedCounterReachesPrometheusThroughThePushgateway) {
  const std::string out = dir_ + "/pushed.bin";
  ASSERT_EQ(attack("pushed", {"-prometheus-push=http://127.0.0.1:" + std::to_string(push_port_)}, out), 0);
  const Summary s = summary(out);
  ASSERT_EQ(s.requests, 400u);
  const double counted = wait_for("sum(loadgate_requests_total{attack=\"pushed\"})", static_cast<double>(s.requests));
  EXPECT_EQ(counted, static_cast<double>(s.requests)) << "through the Pushgateway";
  const double p99 = query("histogram_quantile(0.99, sum by (le) (loadgate_request_duration_seconds_bucket{attack=\"pushed\",corrected=\"true\"}))");
  const auto [lo, hi] = bucket(static_cast<double>(s.latency.p99) / 1e9);
  EXPECT_GE(p99, lo);
  EXPECT_LE(p99, hi);
}

}  // namespace
}  // namespace loadgate
