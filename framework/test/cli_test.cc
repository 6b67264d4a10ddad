// cli_test.cc: the command line as a user meets it with bad input or a broken output: every
// row a command, its exit code and what stderr says; nothing aborts, hangs or stays silent.
#include <gtest/gtest.h>

#include "kit/cli.h"

#include <fstream>

namespace {

using loadgate::testing::Ran;
using loadgate::testing::sh;

const std::string L = LOADGATE_BIN;

std::string temp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

struct Row {
  std::string cmd;
  int code;
  std::string err;  // a substring of stderr
};

TEST(Cli, BadInputIsExitTwoWithTheFieldNamed) {
  const std::string t = temp("cli_targets.txt", "GET http://127.0.0.1:1/\n");
  const std::string huge = temp("cli_huge.json", R"({"service":"api","scenarios":{"a":{"tier":"light","load":{"rate":"1/1s","duration":"1s"},"thresholds":{"p99":"1s"},"x":1e400}}})");
  const Row rows[] = {
      {L + " attack -targets=" + t + " -duration=1s -cpus=1000", 2, "-cpus: want 0 (one thread per core) to"},
      {L + " attack -targets=" + t + " -duration=1s -max-workers=-1", 2, "-max-workers: must be at least 1, got -1"},
      {L + " attack -targets=" + t + " -duration=1s -connections=0", 2, "-connections: must be at least 1, got 0"},
      {L + " attack -targets=" + t + " -duration=1s -rate=1e12", 2, "the most a pacer schedules"},
      {L + " attack -targets=" + t + " -duration=1s -body=/dev/zero", 2, "/dev/zero: -body: cannot read body file (is a device, not a file)"},
      {L + " attack -targets=" + t + " -duration=1s -body=/tmp", 2, "-body: cannot read body file (is a directory)"},
      {L + " attack -targets=" + t + " -duration=1s -header \"$(printf 'X-A: v\\r\\nX-Injected: 1')\"", 2,
       "-header: value of header X-A holds a control byte"},
      {L + " attack -targets=" + t + " -duration=1s -shard=4/4", 2, "-shard: \"4/4\": want i/n with 0 <= i < n"},
      {L + " attack -targets=" + t + " -duration=1s -keep-headers=2MB", 2, "-keep-headers: \"2MB\" is not a size of at most 1MB"},
      {L + " attack -targets=" + t + " -duration=1s -start-at=tomorrow", 2, "-start-at: \"tomorrow\""},
      // A start in the past would send the whole schedule as one burst (#31 item 3).
      {L + " attack -targets=" + t + " -duration=1s -start-at=2026-12-01T10:00:00Z", 2,
       "-start-at: \"2026-12-01T10:00:00Z\" is "},
      {L + " attack -targets=" + t + " -duration=1s -start-at=+1s -start-at-late=maybe", 2, "-start-at-late: \"maybe\": want ok"},
      {L + " grpc -addr 127.0.0.1:1 -requests 1 -metadata '{\"x-echo\":\"\xc3\xa9\"}'", 2, "-metadata.x-echo: value"},
      {L + " grpc -addr 127.0.0.1:1 -requests 1 -metadata \"x:$(printf 'a\\001b')\"", 2, "-metadata"},
      {L + " grpc -addr 127.0.0.1:1 -requests 1 -connections 100000", 2, "-connections: want 1 to 1000 channels"},
      {L + " check -baselines=" + huge + " -scenario=api.a /dev/null", 2, "number overflow parsing '1e400'"},
      {L + " journey -file=/nonexistent.json", 2, "cannot read journey file"},
      {L + " journey -file=" LOADGATE_SOURCE_DIR "/journeys/cross.json -duration=1s -service=kernel", 2,
       "-service: \"kernel\": want NAME=host:port or NAME=ws://host:port"},
      // A repeated flag keeps every occurrence: the second header is the one checked here.
      {L + " attack -targets=" + t + " -duration=1s -header X-A:1 -header \"$(printf 'X-B: v\\r\\nX-Injected: 1')\"", 2,
       "-header: value of header X-B holds a control byte"},
      {L + " journey -file=" LOADGATE_SOURCE_DIR "/journeys/shop.json -duration=1s -max-body=x", 2,
       "-max-body: \"x\" is not a size"},
      {L + " attack -targets=" + t + " -duration=1s -rate=1/s -output=/nonexistent/dir/r.bin", 2,
       "/nonexistent/dir/r.bin: -output: cannot open output file (No such file or directory)"},
      {"printf '' | " + L + " report -output=/nonexistent/r.txt", 2,
       "/nonexistent/r.txt: -output: cannot open output file (No such file or directory)"},
  };
  for (const Row& r : rows) {
    const Ran ran = sh(r.cmd + " >/dev/null");
    EXPECT_EQ(ran.code, r.code) << r.cmd << "\n" << ran.err;
    EXPECT_NE(ran.err.find(r.err), std::string::npos) << r.cmd << "\n" << ran.err;
  }
}

// -start-at-late=ok: a past start is taken on purpose; the run says how late it began.
TEST(Cli, APastStartRunsWhenToldItIsOk) {
  const std::string t = temp("cli_targets.txt", "GET http://127.0.0.1:1/\n");
  const Ran ran = sh(L + " attack -targets=" + t + " -rate=2/s -duration=1s -start-at=2026-12-01T10:00:00Z -start-at-late=ok" +
                     " | " + L + " report -type=json");
  EXPECT_EQ(ran.code, 0) << ran.err;
  EXPECT_NE(ran.err.find("after -start-at: hits already due go out at once, late"), std::string::npos) << ran.err;
  EXPECT_NE(ran.out.find("\"requests\":2"), std::string::npos) << ran.out;
}

// A newcomer's first hour (#31 item 5): results with nothing in them, or with nothing that
// succeeded, never read as figures: report warns, compare is inconclusive (exit 4), check fails.
TEST(Cli, ResultsWithNoSuccessSaySo) {
  const std::string t = temp("cli_dead.txt", "GET http://127.0.0.1:1/\n");
  const std::string dead = ::testing::TempDir() + "/cli_dead.bin", empty = temp("cli_empty.bin", "");
  ASSERT_EQ(sh(L + " attack -targets=" + t + " -rate=20/s -duration=500ms > " + dead).code, 0);
  const struct {
    std::string cmd;
    int code;
    std::string out, err;
  } rows[] = {
      {L + " report " + empty, 0, "", "warning: no results in " + empty},
      {L + " report " + dead, 0, "Success       [ratio]                           0.00%", "warning: no successful requests in " + dead + ": all 10 failed"},
      {L + " compare " + dead + " " + dead, 4, "inconclusive: no successful requests in old", ""},
  };
  for (const auto& r : rows) {
    const Ran ran = sh(r.cmd);
    EXPECT_EQ(ran.code, r.code) << r.cmd << "\n" << ran.err;
    EXPECT_NE(ran.out.find(r.out), std::string::npos) << r.cmd << "\n" << ran.out;
    EXPECT_NE(ran.err.find(r.err), std::string::npos) << r.cmd << "\n" << ran.err;
  }
}

// A newcomer's first hour (#31 item 8): a mistyped command or flag gets the nearest name, in
// the -flag spelling the README and Vegeta use; -h writes flags that way, with their defaults.
TEST(Cli, MistypedNamesGetTheNearestOne) {
  const Row rows[] = {
      {L + " atack", 2, "loadgate: unknown command \"atack\"; did you mean \"attack\"?"},
      {L + " repotr x.bin", 2, "did you mean \"report\"?"},
      {L + " frobnicate", 2, "loadgate: unknown command \"frobnicate\" (loadgate -h lists the commands)"},
      {L + " attack -duraton=10s", 2, "loadgate attack: unknown flag -duraton (did you mean -duration?)"},
      {L + " report -typ=json", 2, "loadgate report: unknown flag -typ (did you mean -type?)"},
      {L + " grpc -cal=x", 2, "unknown flag -cal (did you mean -call?)"},
      {L + " check", 2, "loadgate check: -baselines is required"},
  };
  for (const Row& r : rows) {
    const Ran ran = sh(r.cmd);
    EXPECT_EQ(ran.code, r.code) << r.cmd << "\n" << ran.err;
    EXPECT_NE(ran.err.find(r.err), std::string::npos) << r.cmd << "\n" << ran.err;
  }
  const Ran help = sh(L + " attack -h");
  EXPECT_EQ(help.code, 0);
  for (const char* want : {"  -rate TEXT=50/1s ", "  -timeout TEXT=30s ", "  -keepalive, -no-keepalive "})
    EXPECT_NE(help.out.find(want), std::string::npos) << want << "\n" << help.out;
  EXPECT_EQ(help.out.find("--"), std::string::npos) << "no --flag spelling in help:\n" << help.out;
}

TEST(Cli, WriteErrorsAreExitOneAndSaid) {
  const std::string t = temp("cli_targets.txt", "GET http://127.0.0.1:1/\n");
  const std::string results = ::testing::TempDir() + "cli_results.bin";
  ASSERT_EQ(sh(L + " attack -targets=" + t + " -rate=20 -duration=1s -output=" + results).code, 0);
  const std::string b = temp("cli_b.json", R"({"service":"api","scenarios":{"a":{"tier":"light","load":{"rate":"1/1s","duration":"1s"},"thresholds":{"p99":"1s"}}}})");
  const Row rows[] = {
      {L + " report " + results + " > /dev/full", 1, "writing the output failed"},
      {L + " report -type=json " + results + " > /dev/full", 1, "writing the output failed"},
      {L + " plot " + results + " > /dev/full", 1, "writing the output failed"},
      {L + " check -baselines=" + b + " -scenario=api.a " + results + " > /dev/full", 1, "writing the output failed"},
      {L + " compare " + results + " " + results + " > /dev/full", 1, "writing the output failed"},
      {L + " encode -to=json " + results + " > /dev/full", 1, "writing failed"},
  };
  for (const Row& r : rows) {
    const Ran ran = sh(r.cmd);
    EXPECT_EQ(ran.code, r.code) << r.cmd << "\n" << ran.err;
    EXPECT_NE(ran.err.find(r.err), std::string::npos) << r.cmd << "\n" << ran.err;
  }
}

// A closed output ends a 30 s attack at once, with a message: the sink stops it.
TEST(Cli, AClosedOutputEndsTheAttackPromptly) {
  const std::string t = temp("cli_targets.txt", "GET http://127.0.0.1:1/\n");
  const std::string code = ::testing::TempDir() + "cli_code";
  Ran ran = sh("( " + L + " attack -targets=" + t + " -rate=200 -duration=30s; echo $? > " + code +
               " ) | head -c 100 > /dev/null");
  std::ifstream in(code);
  int attack_code = -1;
  in >> attack_code;
  EXPECT_EQ(attack_code, 1);
  EXPECT_LT(ran.seconds, 15.0) << "of a 30 s attack";
  EXPECT_NE(ran.err.find("writing results failed (closed pipe or full disk)"), std::string::npos) << ran.err;
  ran = sh(L + " attack -targets=" + t + " -rate=200 -duration=30s -output=/dev/full");
  EXPECT_EQ(ran.code, 1);
  EXPECT_LT(ran.seconds, 15.0);
}

}  // namespace
