// service_test.cc: the service under test, started from its declaration, probed, watched and
// stopped: the happy path, the C++ handle (started and adopted), `loadgate run`, and the fault
// table of issue 13. After every case no process of the service is left (checked in /proc).
#include <dirent.h>
#include <gtest/gtest-spi.h>
#include <httplib.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "loadgate/error.h"
#include "loadgate/file.h"
#include "loadgate/gtest.h"
#include "loadgate/http.h"
#include "loadgate/report.h"
#include "kit/listener.h"
#include "kit/subprocess.h"
#include "kit/slurp.h"

namespace loadgate {
namespace {

using loadgate::testing::slurp;

using namespace std::chrono_literals;

const std::string kFake = LOADGATE_FAKE_SERVICE;


// Processes (not zombies) whose command line holds `token`, or whose process group is `pgid`.
std::vector<int> running(const std::string& token, int pgid = 0) {
  std::vector<int> out;
  DIR* d = opendir("/proc");
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    const int pid = std::atoi(e->d_name);
    if (pid <= 0 || pid == getpid()) continue;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    char state = 0;
    int ppid = 0, pgrp = 0;
    rest >> state >> ppid >> pgrp;
    if (state == 'Z') continue;
    std::string cmd = slurp("/proc/" + std::to_string(pid) + "/cmdline");
    for (char& c : cmd) c = c == '\0' ? ' ' : c;
    if ((!token.empty() && cmd.find(token) != std::string::npos) || (pgid > 0 && pgrp == pgid)) out.push_back(pid);
  }
  closedir(d);
  return out;
}

// A fake_service declaration with `flags`, tagged with `token` so that the test can find it.
ProcessSpec fake(const std::string& token, std::vector<std::string> flags, const std::string& ready = "http:/health") {
  ProcessSpec p;
  p.command = {kFake, "--port", "{port}", "--say", token};
  for (std::string& f : flags) p.command.push_back(std::move(f));
  p.ready = *parse_ready(ready);
  p.timeout = 3s;
  p.grace = 500ms;
  p.file = "service_test";
  return p;
}

std::string log_path(const std::string& name) { return reports_dir() + "/service-test/" + name + ".log"; }

// What the constructor threw, with the type: "InputError: ..." or "RunError: ...".
std::string start_error(const ProcessSpec& spec, const std::string& name) {
  try {
    Service s(spec, name, log_path(name));
  } catch (const InputError& e) {
    return std::string("InputError: ") + e.what();
  } catch (const RunError& e) {
    return std::string("RunError: ") + e.what();
  }
  return "started";
}

// A baseline file of one scenario "fake.<name>" that starts `process` and loads /hello.
const Scenario& fake_scenario(const std::string& name, const ProcessSpec& process, const std::string& load,
                              const std::string& thresholds = R"({"success": 0.99})") {
  static std::map<std::string, BaselineFile>* files = new std::map<std::string, BaselineFile>();
  const std::string dir = reports_dir() + "/service-test";
  make_dirs(dir);
  std::ofstream(dir + "/hello.txt") << "GET http://service/hello\n";
  nlohmann::json cmd = process.command;
  std::ostringstream j;
  j << R"({"service": "fake", "targets": ")" << dir << R"(/hello.txt",
           "process": {"command": )" << cmd.dump() << R"(, "ready": ")" << process.ready.spec()
    << R"(", "timeout": "3s", "grace": "500ms"},
           "scenarios": {")" << name << R"(": {"tier": "light", "load": )" << load
    << R"(, "thresholds": )" << thresholds << "}}}";
  const std::string path = dir + "/" + name + ".json";
  std::ofstream(path) << j.str();
  auto [it, _] = files->insert_or_assign(name, load_baseline(path));
  return it->second.find(name);
}

// --- the happy path --------------------------------------------------------------------------

TEST(Service, StartsOnAFreePortIsReadyAndStops) {
  const std::string token = "svc-happy";
  Service s(fake(token, {}), "fake", log_path("happy"));
  EXPECT_EQ(s.address().rfind("127.0.0.1:", 0), 0u) << s.address();
  EXPECT_GT(s.pid(), 0);
  ASSERT_EQ(s.monitored().size(), 1u);
  EXPECT_TRUE(s.monitored()[0].group);
  EXPECT_EQ(s.monitored()[0].role, "sut");
  httplib::Client c(s.url());
  auto r = c.Get("/hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hello");
  const int pid = s.pid();
  const ServiceStatus st = s.stop();
  EXPECT_EQ(st.ended.rfind("exited with code 0 on SIGTERM after ", 0), 0u) << st.ended;
  EXPECT_TRUE(running(token, pid).empty());
  EXPECT_NE(slurp(st.log).find("fake_service: listening on " + s.address()), std::string::npos) << slurp(st.log);
}

// Every READY form: the same service is ready by each probe that fits it.
TEST(Service, EveryProbeKindFindsItReady) {
  struct Row {
    const char* ready;
    std::vector<std::string> flags;
  } rows[] = {
      {"tcp", {}},
      {"http:/health", {}},
      {"log:^ready to serve$", {"--say", "ready to serve"}},
  };
  for (const Row& row : rows) {
    Service s(fake("svc-probe", row.flags, row.ready), "fake", log_path("probe"));
    EXPECT_GT(s.pid(), 0) << row.ready;
  }
  EXPECT_TRUE(running("svc-probe").empty());
}

TEST(Service, PortFileIsReadWhenTheServiceChoosesItsPort) {
  ProcessSpec p;
  p.command = {kFake, "--port-file", "{port_file}", "--say", "svc-portfile"};
  p.ready = *parse_ready("http:/health");
  Service s(p, "fake", log_path("portfile"));
  httplib::Client c(s.url());
  auto r = c.Get("/hello");
  ASSERT_TRUE(r) << s.address();
  EXPECT_EQ(r->status, 200);
}

TEST(Service, AScenarioStartsItsDeclaredProcessLoadsAndStopsIt) {
  const std::string token = "svc-scenario";
  const Scenario& sc = fake_scenario("steady", fake(token, {}), R"({"rate": "50/1s", "duration": "1s"})");
  const ScenarioRun run = attack(targets_file(sc.targets), sc);
  PERF_EXPECT_BASELINE(run);
  EXPECT_EQ(run.metrics.summarize().requests, 50u);
  ASSERT_TRUE(run.service);
  EXPECT_EQ(run.service->ended.rfind("exited with code 0 on SIGTERM", 0), 0u) << run.service->ended;
  EXPECT_TRUE(run.service->failure.empty());
  EXPECT_TRUE(running(token).empty());
  const std::string text = slurp(reports_dir() + "/fake.steady.txt");
  EXPECT_NE(text.find("/hello"), std::string::npos) << text;
  EXPECT_NE(text.find("sut"), std::string::npos) << "the service's CPU and RSS: " << text;
  EXPECT_NE(slurp(reports_dir() + "/fake.steady.service.log").find("listening"), std::string::npos);
}

// One Service shared by the tests of a suite, as SetUpTestSuite() would hold it.
class SharedService : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { shop_ = new Service(fake("svc-shared", {}), "fake", log_path("shared")); }
  static void TearDownTestSuite() {
    delete shop_;
    shop_ = nullptr;
  }
  static Service* shop_;
};
Service* SharedService::shop_ = nullptr;

TEST_F(SharedService, FirstRunUsesIt) {
  const Scenario& sc = fake_scenario("shared1", fake("unused-1", {}), R"({"rate": "20/1s", "duration": "1s"})");
  const ScenarioRun run = attack(targets_file(sc.targets), sc, shop_);
  PERF_EXPECT_BASELINE(run);
  EXPECT_TRUE(running("unused-1").empty()) << "the given service replaces the declared one";
}

TEST_F(SharedService, SecondRunUsesTheSameProcess) {
  const int pid = shop_->pid();
  const Scenario& sc = fake_scenario("shared2", fake("unused-2", {}), R"({"rate": "20/1s", "duration": "1s"})");
  const ScenarioRun run = attack(targets_file(sc.targets), sc, shop_);
  PERF_EXPECT_BASELINE(run);
  EXPECT_EQ(shop_->pid(), pid);
  EXPECT_EQ(shop_->exit_text(), "running") << "a given service outlives the run";
}

TEST(Service, AdoptsAServerTheTestRunsItself) {
  httplib::Server svr;
  svr.Get("/hello", [](const httplib::Request&, httplib::Response& res) { res.set_content("in-process", "text/plain"); });
  const int port = svr.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread t([&] { svr.listen_after_bind(); });
  Service adopted = Service::adopt("127.0.0.1:" + std::to_string(port), "fake");
  EXPECT_EQ(adopted.pid(), 0);
  EXPECT_TRUE(adopted.monitored().empty());
  const Scenario& sc = fake_scenario("adopted", fake("unused-3", {}), R"({"rate": "20/1s", "duration": "1s"})");
  const ScenarioRun run = attack(targets_file(sc.targets), sc, &adopted);
  PERF_EXPECT_BASELINE(run);
  EXPECT_EQ(run.metrics.summarize().requests, 20u);
  EXPECT_FALSE(run.service) << "nothing was started";
  svr.stop();
  t.join();
}

// --- the fault table -------------------------------------------------------------------------

TEST(ServiceFault, MissingExecutable) {
  ProcessSpec p = fake("svc-missing", {});
  p.command[0] = "./no-such-server";
  const std::string e = start_error(p, "missing");
  EXPECT_EQ(e.rfind("InputError: service_test: process.command[0]: ./no-such-server: no such file", 0), 0u) << e;
}

TEST(ServiceFault, PortPlaceholderIgnored) {
  const std::string e = start_error(fake("svc-elsewhere", {"--bind-elsewhere"}), "elsewhere");
  EXPECT_EQ(e.rfind("RunError: service elsewhere (", 0), 0u) << e;
  EXPECT_NE(e.find("was not ready after 3s: "), std::string::npos) << e;
  EXPECT_NE(e.find("Connection refused"), std::string::npos) << "the probe's last error: " << e;
  EXPECT_NE(e.find("  | fake_service: listening on 127.0.0.1:"), std::string::npos) << "its last lines: " << e;
  EXPECT_TRUE(running("svc-elsewhere").empty());
}

TEST(ServiceFault, FixedPortAlreadyTaken) {
  const testing::Listener l = testing::loopback_listener(1);
  ASSERT_GE(l.fd, 0);
  const int fd = l.fd, port = l.port;
  ProcessSpec p;
  p.command = {kFake, "--port", std::to_string(port), "--say", "svc-taken"};
  p.port = port;
  p.file = "service_test";
  const std::string e = start_error(p, "taken");
  close(fd);
  EXPECT_EQ(e, "InputError: service_test: process.port: " + std::to_string(port) +
                   " is already in use on 127.0.0.1 (another server listens there): stop it, or let loadgate pick a "
                   "free port with {port}");
  EXPECT_TRUE(running("svc-taken").empty());
}

TEST(ServiceFault, ProbePathAnswers404) {
  const std::string e = start_error(fake("svc-404", {"--health", "404"}), "notfound");
  EXPECT_NE(e.find("was not ready after 3s: GET /health answered 404"), std::string::npos) << e;
  EXPECT_TRUE(running("svc-404").empty());
}

TEST(ServiceFault, ExitsBeforeItIsReady) {
  ProcessSpec p = fake("svc-early", {"--port", "not-a-port", "--health"});  // a flag without its value
  const std::string e = start_error(p, "early");
  EXPECT_NE(e.find("exited with code 2 before it was ready"), std::string::npos) << e;
  EXPECT_NE(e.find("  | fake_service: --health needs a value"), std::string::npos) << e;
}

// A newcomer's first hour (#31 item 4): a service that exits on start is no uncaught exception
// without a line: the run comes back with a failed "service" check, every PERF macro fails at
// its own line with the log's end, and the reports of an earlier run of the scenario are gone.
TEST(ServiceFault, AServiceThatNeverStartsFailsTheMacrosNotTheTestBody) {
  const Scenario& sc = fake_scenario("never", fake("svc-never", {"--port", "not-a-port", "--health"}),
                                     R"({"rate": "10/1s", "duration": "1s"})");
  const std::string old_report = reports_dir() + "/fake.never.html";
  std::ofstream(old_report) << "an earlier run's report";
  static ScenarioRun run;  // EXPECT_NONFATAL_FAILURE sees no locals
  run = attack(targets_file(sc.targets), sc);
  ASSERT_TRUE(run.service);
  EXPECT_FALSE(run.service->ready);
  EXPECT_NE(run.service->failure.find("exited with code 2 before it was ready"), std::string::npos) << run.service->failure;
  EXPECT_EQ(run.metrics.summarize().requests, 0u);
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_BASELINE(run), "fake_service: --health needs a value");
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_P99_LT(run, 1s), "FAIL  service");
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_THROUGHPUT_AT_LEAST(run, 0.0), "exited with code 2 before it was ready");
  const std::string html = slurp(old_report);
  EXPECT_EQ(html.find("an earlier run's report"), std::string::npos) << "the old report was left in place";
  EXPECT_NE(slurp(reports_dir() + "/fake.never.txt").find("before it was ready"), std::string::npos);
}

// The service crashes at its 51st request, about 1 s into a 3 s run at 50/s (counted in
// requests, not in time, so that a slow start on a busy machine changes nothing).
TEST(ServiceFault, CrashesOneSecondIntoAThreeSecondRun) {
  const std::string token = "svc-crash";
  const Scenario& sc = fake_scenario("crash", fake(token, {"--crash-after", "50"}),
                                     R"({"rate": "50/1s", "duration": "3s"})");
  const ScenarioRun run = attack(targets_file(sc.targets), sc);
  ASSERT_TRUE(run.service);
  const std::string& f = run.service->failure;
  EXPECT_EQ(f.rfind("service fake exited with signal 11 (SIGSEGV) ", 0), 0u) << f;
  EXPECT_NE(f.find(" s into fake.crash"), std::string::npos) << f;
  EXPECT_TRUE(run.interrupted) << "a dead service stops the run";
  const Summary s = run.metrics.summarize();
  // Stopped before the planned end, counted in hits (150 were planned), not in time: on a busy
  // machine the crash (a core dump) may take its time to be seen.
  EXPECT_LT(s.requests, 150u) << "stopped before the planned end";
  EXPECT_GE(s.requests, 51u) << "what was measured before the crash is kept";
  EXPECT_EQ(s.success, 50u);
  EXPECT_FALSE(run.verdict.pass());
  bool named = false;
  for (const Check& c : run.verdict.checks) named = named || (c.name == "service" && !c.pass && c.source == f);
  EXPECT_TRUE(named) << run.verdict.table();
  static const ScenarioRun* crashed;  // EXPECT_NONFATAL_FAILURE sees no locals
  crashed = &run;
  EXPECT_NONFATAL_FAILURE(PERF_EXPECT_BASELINE(*crashed), "exited with signal 11 (SIGSEGV)");
  bool crash_line = false;
  for (const std::string& l : run.service->last_lines) crash_line = crash_line || l == "fake_service: crashing on purpose";
  EXPECT_TRUE(crash_line);
  const std::string text = slurp(reports_dir() + "/fake.crash.txt");
  EXPECT_NE(text.find("exited with signal 11 (SIGSEGV)"), std::string::npos) << text;
  EXPECT_TRUE(running(token).empty());
}

TEST(ServiceFault, IgnoresSigterm) {
  const std::string token = "svc-stubborn";
  Service s(fake(token, {"--ignore-term"}), "fake", log_path("stubborn"));
  const int pid = s.pid();
  const ServiceStatus st = s.stop();
  EXPECT_EQ(st.ended, "ignored SIGTERM for 500ms: killed with SIGKILL");
  EXPECT_TRUE(running(token, pid).empty());
}

TEST(ServiceFault, ForksAChildThatOutlivesIt) {
  const std::string token = "svc-forks";
  Service s(fake(token, {"--fork-child"}), "fake", log_path("forks"));
  const int pid = s.pid();
  EXPECT_EQ(running(token, pid).size(), 2u) << "the service and its child";
  const ServiceStatus st = s.stop();
  EXPECT_NE(st.ended.find("exited with code 0 on SIGTERM"), std::string::npos) << st.ended;
  EXPECT_NE(st.ended.find("1 process of its group outlived it: killed with SIGKILL"), std::string::npos) << st.ended;
  EXPECT_TRUE(running(token, pid).empty());
}

// A child test process starts a service (with `args`) and waits until `processes` carry
// `token`, then dies by SIGKILL without stopping it: the guard must leave none of them running.
void expect_nothing_left_after_the_test_dies(const std::string& token, const std::vector<std::string>& args,
                                             size_t processes) {
  const pid_t child = fork();
  if (child == 0) {
    Service* s = new Service(fake(token, args), "fake", log_path(token));
    for (int i = 0; i < 100 && running(token).size() < processes; ++i) std::this_thread::sleep_for(20ms);
    (void)s;
    raise(SIGKILL);
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  for (int i = 0; i < 200 && !running(token).empty(); ++i) std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(running(token).empty());
}

// The guard stops the service's group.
TEST(ServiceFault, NothingIsLeftWhenTheTestProcessIsKilled) {
  expect_nothing_left_after_the_test_dies("svc-orphan", {}, 1);
}

TEST(ServiceFault, WhatItStartsOutsideItsGroupIsStoppedWithIt) {
  const std::string token = "svc-setsid";
  Service s(fake(token, {"--setsid-child"}), "fake", log_path("setsid"));
  const int pid = s.pid();
  std::vector<int> both;
  for (int i = 0; i < 100 && (both = running(token)).size() < 2; ++i) std::this_thread::sleep_for(20ms);
  ASSERT_EQ(both.size(), 2u) << "the service and its setsid child";
  EXPECT_TRUE(running("", pid).size() == 1u) << "the child left the service's process group";
  const ServiceStatus st = s.stop();
  EXPECT_NE(st.ended.find("1 process it started outside its group (setsid) outlived it: killed with SIGKILL"),
            std::string::npos)
      << st.ended;
  EXPECT_TRUE(running(token).empty());
}

// And what the service started outside its group (setsid), found by its marker.
TEST(ServiceFault, WhatItStartsOutsideItsGroupIsStoppedWhenTheTestProcessIsKilled) {
  expect_nothing_left_after_the_test_dies("svc-setsid-orphan", {"--setsid-child"}, 2);
}

// A service that prints without end fills its log up to the limit, then only its last MiB is
// kept, after a line that says how much was cut.
TEST(ServiceFault, ALogPastItsLimitKeepsItsStartAndItsEnd) {
  ProcessSpec spec = fake("svc-spew", {"--spew-mb", "6"});
  spec.log_limit = 1 << 20;
  Service s(spec, "fake", log_path("spew"));
  for (int i = 0; i < 250 && (s.tail(1).empty() || s.tail(1)[0] != "spew end"); ++i) std::this_thread::sleep_for(20ms);
  ASSERT_EQ(s.tail(1), std::vector<std::string>{"spew end"}) << "tail() reads the end, past the limit";
  s.stop();
  const std::string log = slurp(log_path("spew"));
  EXPECT_LE(log.size(), (2u << 20) + 1000) << "1 MiB from the start, 1 MiB from the end, one note";
  EXPECT_GE(log.size(), 2u << 20);
  EXPECT_NE(log.find("svc-spew"), std::string::npos) << "the start is kept";
  EXPECT_NE(log.find("spew line 000000000000"), std::string::npos);
  const auto note = log.find("[loadgate: the service wrote ");
  ASSERT_NE(note, std::string::npos);
  EXPECT_NE(log.find(" bytes were cut here]\n", note), std::string::npos);
  const auto end = log.rfind("spew end\n");
  ASSERT_NE(end, std::string::npos) << "the end is kept";
  EXPECT_GT(end, note);
  EXPECT_EQ(log.substr(end), "spew end\nfake_service: stopped\n") << "and what it said on SIGTERM";
}

// --- loadgate run ------------------------------------------------------------------------------

int run_cli(const std::string& baseline, const std::string& key, std::string* out) {
  const std::string path = reports_dir() + "/service-test/run.out";
  testing::Subprocess p({LOADGATE_BIN, "run", "-baselines=" + baseline, "-scenario=" + key}, path, path);
  const int code = p.wait(60s);
  *out = slurp(path);
  return code;
}

TEST(Run, ExitsZeroThreeOrTwoAsCheckDoes) {
  std::string out;
  const Scenario& ok = fake_scenario("runok", fake("svc-run", {}), R"({"rate": "20/1s", "duration": "1s"})");
  EXPECT_EQ(run_cli(ok.file, "fake.runok", &out), 0) << out;
  EXPECT_NE(out.find("Verdict: PASS"), std::string::npos) << out;
  const Scenario& breach = fake_scenario("runbreach", fake("svc-run", {}), R"({"rate": "20/1s", "duration": "1s"})",
                                         R"({"p99": "1ns"})");
  EXPECT_EQ(run_cli(breach.file, "fake.runbreach", &out), 3) << out;
  EXPECT_NE(out.find("Verdict: FAIL"), std::string::npos) << out;
  EXPECT_EQ(run_cli(breach.file, "fake.nothing", &out), 2) << out;
  EXPECT_TRUE(running("svc-run").empty());
}

// #27 row 7: a run cut short by SIGINT wrote "Verdict: PASS" and exited 0. Whenever the signal
// lands (readiness, load or drain), the exit is 130 and the verdict is never a pass.
TEST(Run, AnInterruptedRunIsNeverAPass) {
  const Scenario& sc = fake_scenario("runint", fake("svc-runint", {}), R"({"rate": "20/1s", "duration": "20s"})");
  const std::string path = reports_dir() + "/service-test/runint.out";
  testing::Subprocess p({LOADGATE_BIN, "run", "-baselines=" + sc.file, "-scenario=fake.runint"}, path, path);
  for (int i = 0; i < 500 && running("svc-runint").empty(); ++i) std::this_thread::sleep_for(20ms);
  std::this_thread::sleep_for(1s);
  p.signal(SIGINT);
  EXPECT_EQ(p.wait(30s), 130) << slurp(path);
  const std::string out = slurp(path);
  EXPECT_EQ(out.find("Verdict: PASS"), std::string::npos) << out;
  EXPECT_NE(out.find("interrupted"), std::string::npos) << out;
  for (int i = 0; i < 200 && !running("svc-runint").empty(); ++i) std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(running("svc-runint").empty());
}

// #27 row 6: SIGINT while `run` waits for a service that never gets ready waited out the whole
// readiness timeout and exited 1. The wait ends at its next probe; the exit is 130.
TEST(Run, ASignalEndsTheWaitForReadiness) {
  ProcessSpec spec = fake("svc-neverready", {"--health", "503"});
  spec.timeout = 60s;
  const Scenario& sc = fake_scenario("runnever", spec, R"({"rate": "20/1s", "duration": "1s"})");
  const std::string path = reports_dir() + "/service-test/runnever.out";
  testing::Subprocess p({LOADGATE_BIN, "run", "-baselines=" + sc.file, "-scenario=fake.runnever"}, path, path);
  for (int i = 0; i < 500 && running("svc-neverready").empty(); ++i) std::this_thread::sleep_for(20ms);
  p.signal(SIGINT);
  EXPECT_EQ(p.wait(30s), 130) << slurp(path);  // well before the 60 s the readiness wait allows
  EXPECT_NE(slurp(path).find("interrupted"), std::string::npos) << slurp(path);
  for (int i = 0; i < 200 && !running("svc-neverready").empty(); ++i) std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(running("svc-neverready").empty());
}

}  // namespace
}  // namespace loadgate

int main(int argc, char** argv) {
  setenv("LOADGATE_REPORTS_DIR", LOADGATE_BINARY_DIR "/reports-test", 1);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
