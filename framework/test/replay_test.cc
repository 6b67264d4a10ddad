// replay_test.cc: replays against nginx (Debian's, started by the test), whose own access log
// says what arrived when: timing truth at two speeds, the round trip of a log through a replay
// and back, HAR files recorded by Chromium itself converted and replayed, and the CLI's replay
// and convert from a user's seat.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "loadgate/http.h"
#include "loadgate/interner.h"
#include "loadgate/replay.h"
#include "kit/scratch_dir.h"
#include "kit/cli.h"
#include "kit/net.h"
#include "kit/results.h"
#include "kit/slurp.h"
#include "kit/subprocess.h"

namespace loadgate {
namespace {

using namespace std::chrono_literals;
using testing::slurp;

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kEpoch = 1764806400LL * kS;  // 2025-12-04T00:00:00Z, the logs' first second

// i of a request /r/i, by its URL or its label ("GET /r/i").
size_t request_number(const std::string& url) { return std::stoul(url.substr(url.rfind('/') + 1)); }

// What nginx writes, and what the generated logs are written in: the arrival is $msec minus
// $request_time.
constexpr const char* kFormat = "[$msec] $request_time \"$request\" $status $content_length";

std::string node_dir() {
  if (const char* d = std::getenv("LOADGATE_NODE_DIR")) return d;
  return LOADGATE_NODE_DIR;
}

// nginx on a free port: 200 for /r/ and /api/, a page for Chromium at /, and its access log in
// kFormat.
class Replay : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = testing::scratch_dir("replay");
    std::filesystem::create_directories(dir_ + "/www");
    port_ = testing::free_port();
    std::ofstream(dir_ + "/www/index.html") << R"(<!doctype html><title>loading</title><script>
(async () => {
  await fetch('/api/items');
  await fetch('/api/items/3?x=1');
  await fetch('/api/items', {method: 'POST', headers: {'Content-Type': 'application/json', 'Authorization': 'Bearer sk-test-123'},
                             body: JSON.stringify({name: 'pen', price: 2})});
  await Promise.all([fetch('/api/a'), fetch('/api/b'), fetch('/api/c')]);
  document.title = 'done';
})();
</script>)";
    std::ofstream conf(dir_ + "/nginx.conf");
    conf << "worker_processes 1;\ndaemon off;\nerror_log " << dir_ << "/error.log;\npid " << dir_ << "/nginx.pid;\n"
         << "events { worker_connections 4096; }\nhttp {\n"
         << "  log_format rt '" << kFormat << "';\n"
         << "  access_log " << dir_ << "/access.log rt;\n"
         << "  client_body_temp_path " << dir_ << "/body;\n  proxy_temp_path " << dir_ << "/proxy;\n"
         << "  fastcgi_temp_path " << dir_ << "/fcgi;\n  uwsgi_temp_path " << dir_ << "/uwsgi;\n"
         << "  scgi_temp_path " << dir_ << "/scgi;\n  keepalive_requests 1000000;\n"
         << "  server {\n    listen 127.0.0.1:" << port_ << " backlog=4096;\n    root " << dir_ << "/www;\n"
         << "    location /r/ { return 200 \"ok\\n\"; }\n"
         << "    location /api/ { return 200 \"{\\\"ok\\\":true}\\n\"; }\n"
         << "    location = /favicon.ico { return 204; }\n  }\n}\n";
    conf.close();
    // nginx on CPU 0, the generator on CPU 1 (replay()): neither waits for the other's core.
    nginx_ = new testing::Subprocess({"/usr/bin/taskset", "-c", "0", "/usr/sbin/nginx", "-c", dir_ + "/nginx.conf", "-p", dir_}, dir_ + "/nginx.out",
                                     dir_ + "/nginx.err");
    for (int i = 0; i < 200 && !testing::listening(port_); ++i) std::this_thread::sleep_for(10ms);
  }
  static void TearDownTestSuite() {
    nginx_->signal(SIGTERM);
    nginx_->wait(5000ms);
    delete nginx_;
    std::filesystem::remove_all(dir_);
  }
  void SetUp() override {
    ASSERT_TRUE(testing::listening(port_)) << "nginx did not start: " << slurp(dir_ + "/error.log");
    std::ofstream(dir_ + "/access.log", std::ios::trunc).close();  // nginx appends to the same inode
  }
  static std::string origin() { return "http://127.0.0.1:" + std::to_string(port_); }
  static std::string file(const std::string& name) { return dir_ + "/" + name; }

  // nginx's access log once it has `n` lines (it writes a line as a request ends).
  static std::string access_log(size_t n) {
    std::string text;
    for (int i = 0; i < 200; ++i) {
      text = slurp(dir_ + "/access.log");
      if (static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) >= n) break;
      std::this_thread::sleep_for(20ms);
    }
    return text;
  }

  // Replays `log` (kFormat) at `speed` against nginx; its results.
  static testing::RecordingSink replay(const std::string& log, double speed, int workers) {
    ReplayOptions r;
    r.log.format = LogFormat::kNginx;
    r.log.nginx_format = kFormat;
    r.origin = origin();
    r.speed = speed;
    const ReplayPlan plan = plan_replay(log, r);
    HttpOptions http;
    http.targeter = plan.targeter;
    AttackOptions o;
    o.load.rate.pacer = plan.pacer;
    o.load.workers = workers;  // connections opened ahead: a burst of 100 needs 100
    o.load.max_workers = 1024;
    o.load.timeout = 5s;
    o.monitor_self = false;
    o.load.threads = 1;
    o.cpus = {1};
    testing::RecordingSink sink;
    o.sink = &sink;
    attack_http({}, http, o);
    return sink;
  }

  static inline std::string dir_;
  static inline int port_ = 0;
  static inline testing::Subprocess* nginx_ = nullptr;
};

// A log in kFormat: request i to /r/<i> arriving at offsets_ms[i] after kEpoch.
std::string write_log(const std::string& path, const std::vector<int64_t>& offsets_ms) {
  std::ofstream out(path);
  for (size_t i = 0; i < offsets_ms.size(); ++i) {
    const int64_t at = 1764806400000 + offsets_ms[i];
    char line[160];
    std::snprintf(line, sizeof line, "[%lld.%03lld] 0.000 \"GET /r/%zu HTTP/1.1\" 200 -\n", static_cast<long long>(at / 1000),
                  static_cast<long long>(at % 1000), i);
    out << line;
  }
  return path;
}

// Bursts of 100 at one instant, a 5 s gap, a Poisson stretch (50/s for 3 s), another burst:
// offsets in ms, none within 5 ms of a whole second (so that per-second counts cannot move by
// the width of a send).
std::vector<int64_t> shaped_offsets() {
  std::vector<int64_t> out(100, 500);
  std::mt19937_64 rng(7);
  std::exponential_distribution<double> gap(50.0);
  double t = 5.6;
  while (t < 8.6) {
    const int64_t ms = static_cast<int64_t>(t * 1000);
    if (ms % 1000 > 5 && ms % 1000 < 995) out.push_back(ms);
    t += gap(rng);
  }
  for (int i = 0; i < 100; ++i) out.push_back(9250);
  return out;
}

TEST_F(Replay, EveryRequestGoesAtItsScaledOffsetAtTwoSpeeds) {
  const std::vector<int64_t> offsets = shaped_offsets();
  const std::string log = write_log(file("shaped.log"), offsets);
  for (double speed : {1.0, 10.0}) {
    SCOPED_TRACE("speed " + std::to_string(speed));
    const testing::RecordingSink sink = replay(log, speed, 100);
    ASSERT_EQ(sink.all.size(), offsets.size());
    // Request /r/i was due at its offset / speed, to the microsecond.
    size_t late = 0;
    std::map<int64_t, int> due_per_second, logged_per_second;
    for (const Result& r : sink.all) {
      const std::string& label = interned(r.target);
      const size_t i = request_number(label);
      ASSERT_LT(i, offsets.size()) << label;
      const int64_t due = r.scheduled_ns - sink.info.started_ns;
      // Offsets count from the first request sent (the burst at 500 ms).
      const int64_t want = static_cast<int64_t>(static_cast<double>((offsets[i] - offsets.front()) * kMs) / speed);
      EXPECT_NEAR(static_cast<double>(due), static_cast<double>(want), 1000.0) << label;
      EXPECT_EQ(r.status, 200) << label;
      if (r.send_delay_ns > kMs) ++late;
      ++due_per_second[due / kS];
      ++logged_per_second[want / kS];
    }
    EXPECT_EQ(due_per_second, logged_per_second);
    // How late they went is the machine's (a burst of 100 at one instant is 100 sends in a row):
    // ci/bench-replay measures it with nginx and the generator on cores of their own.
    RecordProperty("late_at_x" + std::to_string(static_cast<int>(speed)), static_cast<int>(late));
  }
}

TEST_F(Replay, ALogReplayedAgainstNginxComesBackAsItWent) {
  // Requests at whole milliseconds: a burst of 20, a Poisson stretch, a gap, a few more.
  std::vector<int64_t> offsets(20, 100);
  std::mt19937_64 rng(11);
  std::exponential_distribution<double> gap(100.0);
  for (double t = 0.3; t < 1.5; t += gap(rng)) offsets.push_back(static_cast<int64_t>(t * 1000));
  for (int64_t t : {2500, 2501, 2510, 2600}) offsets.push_back(t);
  const std::string in = write_log(file("in.log"), offsets);
  const testing::RecordingSink sink = replay(in, 1.0, 30);
  ASSERT_EQ(sink.all.size(), offsets.size());
  std::ofstream(file("out.log")) << access_log(offsets.size());

  // nginx's log, read back as a replay reads a log: arrival order, offsets from the first.
  LogOptions o;
  o.format = LogFormat::kNginx;
  o.nginx_format = kFormat;
  LogReader back(file("out.log"), o);
  std::vector<LoggedRequest> got;
  LoggedRequest r;
  while (back.next(r)) got.push_back(r);
  ASSERT_EQ(got.size(), offsets.size());
  EXPECT_EQ(back.unparsed(), 0u);
  // When each request really went: its logged offset plus how late the replay sent it (the
  // results say; a busy machine sends late, and nginx logs what arrived).
  std::map<std::string, int64_t> delay;
  for (const Result& x : sink.all) delay[interned(x.target)] = x.send_delay_ns;
  auto sent_at = [&](size_t i) { return (offsets[i] - offsets[0]) * kMs + delay["GET /r/" + std::to_string(i)]; };
  auto index_of = [&](size_t k) { return request_number(got[k].target.url); };
  // nginx's clock against the replay's: the median distance between a request's logged arrival
  // and its send, over the requests after the burst that starts the log. That burst finds nginx
  // asleep since the warm-up: on this VM it read all 20 up to 3 ms after they were sent (the
  // wake-up of an idle core), so it is held to the 50 ms bound only.
  const auto after_burst = [&](size_t i) { return offsets[i] > offsets[0]; };
  std::vector<int64_t> apart;
  for (size_t k = 0; k < got.size(); ++k)
    if (index_of(k) < offsets.size() && after_burst(index_of(k))) apart.push_back(got[k].at_ns - sent_at(index_of(k)));
  ASSERT_FALSE(apart.empty());
  std::nth_element(apart.begin(), apart.begin() + static_cast<std::ptrdiff_t>(apart.size() / 2), apart.end());
  const int64_t median = apart[apart.size() / 2];
  std::set<size_t> seen;
  size_t within = 0;
  for (size_t k = 0; k < got.size(); ++k) {
    const std::string& url = got[k].target.url;
    EXPECT_EQ(got[k].target.method, "GET");
    const size_t i = index_of(k);
    ASSERT_LT(i, offsets.size()) << url;
    EXPECT_TRUE(seen.insert(i).second) << url << " twice";
    // Offsets as sent: nginx's clock has milliseconds ($msec and $request_time are truncated),
    // so each of its arrivals is off the truth by under a millisecond either way, under 2 ms from
    // the median's; a request nginx itself was slow to read (its core busy) arrives later in its
    // log than on the wire.
    const int64_t error = std::abs(got[k].at_ns - sent_at(i) - median);
    EXPECT_LE(error, 50 * kMs) << url;
    if (error < 2 * kMs && after_burst(i)) ++within;
    // In order, but for requests sent within nginx's 2 ms, which it may log either way.
    if (k > 0) {
      const std::string& prev = got[k - 1].target.url;
      EXPECT_GE(sent_at(i), sent_at(index_of(k - 1)) - 2 * kMs) << prev << " then " << url;
    }
  }
  EXPECT_GE(within, apart.size() * 95 / 100) << within << " of " << apart.size() << " within nginx's 2 ms";
  // As scheduled: the replay's own account of when each went, against the input log.
  for (const Result& x : sink.all) {
    const std::string& label = interned(x.target);
    const size_t i = request_number(label);
    EXPECT_EQ((x.scheduled_ns - sink.info.started_ns) / 1000, (offsets[i] - offsets[0]) * 1000) << label;
  }
}

TEST_F(Replay, AHarRecordedByChromiumConvertsAndReplaysEveryRequest) {
  ASSERT_TRUE(std::ifstream(node_dir() + "/node_modules/chrome-har/package.json").good())
      << "chrome-har and puppeteer-core are missing: run ci/node-peers";
  const std::string har = file("chromium.har");
  const testing::Ran rec =
      testing::sh("cd " + node_dir() + " && node record_har.mjs " + origin() + "/ " + har, "record_har");
  ASSERT_EQ(rec.code, 0) << rec.out << rec.err;
  const std::string browsed = access_log(1);
  const size_t browser_requests = static_cast<size_t>(std::count(browsed.begin(), browsed.end(), '\n'));
  ASSERT_GE(browser_requests, 7u) << browsed;  // the page, 6 fetches, the icon

  // Every entry the browser recorded is a request the HAR reader gives back.
  LogReader read(har, {});
  std::vector<LoggedRequest> entries;
  LoggedRequest r;
  while (read.next(r)) entries.push_back(r);
  EXPECT_EQ(read.unparsed(), 0u) << (read.unparsed_examples().empty() ? "" : read.unparsed_examples()[0]);
  EXPECT_EQ(entries.size(), browser_requests) << browsed;
  int posts = 0;
  for (const LoggedRequest& e : entries)
    if (e.target.method == "POST") {
      ++posts;
      EXPECT_EQ(e.target.body, R"({"name":"pen","price":2})");
    }
  EXPECT_EQ(posts, 1);

  // convert: every request a target, the Authorization header left out.
  const std::string bin = LOADGATE_BIN;
  testing::Ran conv = testing::sh(bin + " convert -to json " + har, "convert_har");
  ASSERT_EQ(conv.code, 0) << conv.err;
  EXPECT_EQ(static_cast<size_t>(std::count(conv.out.begin(), conv.out.end(), '\n')), entries.size()) << conv.out;
  EXPECT_EQ(conv.out.find("sk-test-123"), std::string::npos) << conv.out;
  EXPECT_EQ(conv.out.find("Authorization"), std::string::npos) << conv.out;

  // replay: every request sent again (nginx logs each), the POST with its 24 bytes of body.
  std::ofstream(dir_ + "/access.log", std::ios::trunc).close();
  const testing::Ran rep = testing::sh(bin + " replay " + har + " | " + bin + " report -type json", "replay_har");
  ASSERT_EQ(rep.code, 0) << rep.err;
  EXPECT_NE(rep.out.find("\"requests\":" + std::to_string(entries.size()) + ","), std::string::npos) << rep.out;
  const std::string replayed = access_log(entries.size());
  EXPECT_EQ(static_cast<size_t>(std::count(replayed.begin(), replayed.end(), '\n')), entries.size()) << replayed;
  EXPECT_NE(replayed.find("\"POST /api/items HTTP/1.1\" 200 24"), std::string::npos) << replayed;
}

TEST_F(Replay, TheCommandLineReplaysAndConvertsAsAUserTypesIt) {
  const std::string bin = LOADGATE_BIN;
  const std::string log = write_log(file("cli.log"), {0, 10, 20, 30, 40, 50, 60, 70, 80, 90});
  {
    std::ofstream bad(log, std::ios::app);
    bad << "not a request\n";
  }
  const std::string fmt = std::string(" -nginx-format '") + kFormat + "'";
  // Unparsed lines are named; only /r/[0-4] pass the filter; the results go to report.
  testing::Ran r = testing::sh(bin + " replay" + fmt + " -origin " + origin() + " -filter '/r/[0-4]$' -speed 2 " + log +
                                   " | " + bin + " report -type json",
                               "cli_replay");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("5 requests over 20ms"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("5 filtered out"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("unparsed: " + log + ":11: "), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("\"requests\":5,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"200\":5"), std::string::npos) << r.out;

  // -shard 1/2: requests 1, 3, 5, 7, 9 of the log, as an attack's shard takes hits.
  std::ofstream(dir_ + "/access.log", std::ios::trunc).close();
  r = testing::sh(bin + " replay -quiet" + fmt + " -origin " + origin() + " -shard 1/2 " + log + " | " + bin +
                      " report -type json",
                  "cli_shard");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"requests\":5,"), std::string::npos) << r.out;
  const std::string sharded = access_log(5);
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(sharded.find("GET /r/" + std::to_string(i) + " ") != std::string::npos, i % 2 == 1) << i << "\n" << sharded;

  struct Bad {
    std::string args;
    const char* says;
  };
  for (const Bad& b : std::vector<Bad>{
           {" /nonexistent.log", "cannot open log"},
           {fmt + " " + log, "the log names no host"},
           {fmt + " -origin http://127.0.0.1:1 -speed 0 " + log, "-speed"},
           {fmt + " -origin http://127.0.0.1:1 -filter '(' " + log, "-filter"},
           {fmt + " -origin http://127.0.0.1:1 -loop 0 " + log, "-loop: 0 (loop until -duration) needs a -duration"},
           {fmt + " -origin http://127.0.0.1:1 -from 1x " + log, "-from"},
           {" -log-format xml " + log, "-log-format"},
       }) {
    const testing::Ran ran = testing::sh(bin + " replay" + b.args + " > /dev/null", "cli_bad");
    EXPECT_EQ(ran.code, 2) << b.args << ": " << ran.err;
    EXPECT_NE(ran.err.find(b.says), std::string::npos) << b.args << ": " << ran.err;
  }

  // convert: Vegeta's http targets, read back by attack's parser.
  r = testing::sh(bin + " convert" + fmt + " -origin " + origin() + " -o " + file("cli.targets") + " " + log, "cli_convert");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::vector<Target> targets = load_targets(file("cli.targets"));
  ASSERT_EQ(targets.size(), 10u);
  EXPECT_EQ(targets[3].url, origin() + "/r/3");
  // ... and as a journey: think times are the recorded gaps.
  r = testing::sh(bin + " convert -to journey" + fmt + " -origin " + origin() + " -filter '/r/[0-2]$' " + log, "cli_journey");
  ASSERT_EQ(r.code, 0) << r.err;
  const Journey j = parse_journey(r.out, file("j.json"));
  ASSERT_EQ(j.steps.size(), 3u);
  EXPECT_EQ(j.steps[0].request.url, origin() + "/r/0");
  ASSERT_TRUE(j.steps[0].think.has_value());
  EXPECT_EQ(j.steps[0].think->a, 10ms);
}

}  // namespace
}  // namespace loadgate
