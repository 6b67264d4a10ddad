// cmd_ab.cc: `loadgate ab -trials=N -a 'attack ...' -b 'attack ...'`: two sides run alternately,
// A B B A A B B A ..., so that the drift of the machine and the service over the minutes falls on
// both alike, then judged with statistics (compare.h) over every trial.
//
// A side is a loadgate command line that writes results to its standard output (attack, grpc,
// ws, journey): two targets, two services, or, when it starts with a path (./old/loadgate
// attack ...), two builds of loadgate.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "command.h"
#include "judging.h"
#include "loadgate/error.h"
#include "signals.h"

extern char** environ;

namespace loadgate::cli {
namespace {

// Splits a command line on blanks; single and double quotes group words (no other shell rule).
std::vector<std::string> words(const std::string& line, const std::string& flag) {
  std::vector<std::string> out;
  std::string cur;
  char quote = 0;
  bool in_word = false;
  for (char c : line) {
    if (quote) {
      if (c == quote)
        quote = 0;
      else
        cur += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t') {
      if (in_word) out.push_back(cur);
      cur.clear();
      in_word = false;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (quote) throw InputError("", 0, flag, "an unterminated quote in \"" + line + "\"");
  if (in_word) out.push_back(cur);
  if (out.empty()) throw InputError("", 0, flag, "missing: a loadgate command line such as 'attack -targets=t.txt -rate=100 -duration=3s'");
  return out;
}

// The program and arguments of a side: a path first (another build), else this loadgate.
std::vector<std::string> argv_of(const std::vector<std::string>& w) {
  std::vector<std::string> argv = w;
  if (w[0].find('/') == std::string::npos) {
    char self[4096];
    const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    argv.insert(argv.begin(), n > 0 ? std::string(self, static_cast<size_t>(n)) : "loadgate");
  }
  return argv;
}

// Runs argv with stdout appended to `path`; its exit code, or -1 when it could not start.
int run_side(const std::vector<std::string>& argv, const std::string& path) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int err = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (err != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

class Ab final : public Command {
 public:
  void define(FlagSet& f) override {
    f.string("a", &a_, "Side A: a loadgate command line writing results to stdout, e.g. 'attack -targets=a.txt -rate=200 -duration=3s'");
    f.string("b", &b_, "Side B: the same for the other side (another target, service, or ./other/loadgate build)");
    f.integer("trials", &trials_, "Trials per side, run A B B A A B B A ... (at least 3 for a verdict)");
    f.string("output-a", &out_a_, "Keep side A's results here (every trial, a header each)");
    f.string("output-b", &out_b_, "Keep side B's results here");
    f.number("tolerance", &tolerance_, "Relative change allowed before a change is a regression (0.1 = 10 %)");
    f.number("alpha", &alpha_, "Significance: a change is significant when p < alpha");
    f.string("figures", &figures_, "Figures judged, comma-separated (default p50,p90,p99,success,throughput)");
  }

  int run() override {
    std::vector<std::string> argv_a, argv_b;
    JudgeOptions o;
    try {
      argv_a = argv_of(words(a_, "-a"));
      argv_b = argv_of(words(b_, "-b"));
      if (trials_ < 1 || trials_ > 1000) throw InputError("", 0, "-trials", "want 1 to 1000");
      if (tolerance_ < 0) throw InputError("", 0, "-tolerance", "must not be negative");
      if (!(alpha_ > 0 && alpha_ < 1)) throw InputError("", 0, "-alpha", "want 0 < alpha < 1");
      o.tolerance = tolerance_;
      o.alpha = alpha_;
      o.figures = split_list(figures_);
    } catch (const InputError& e) {
      return fail("ab", e.what(), kBadInput);
    }
    const std::string dir = "/tmp/loadgate-ab." + std::to_string(getpid());
    const std::string file_a = out_a_.empty() ? dir + ".a.bin" : out_a_;
    const std::string file_b = out_b_.empty() ? dir + ".b.bin" : out_b_;
    std::ofstream(file_a, std::ios::trunc);
    std::ofstream(file_b, std::ios::trunc);
    const std::atomic<bool>& stop = install_stop_signals();
    int done = 0;
    for (int k = 0; k < trials_ && !stop.load(); ++k) {
      // A B, then B A: each side runs as often first as second.
      const bool a_first = k % 2 == 0;
      for (int side = 0; side < 2 && !stop.load(); ++side) {
        const bool is_a = (side == 0) == a_first;
        std::fprintf(stderr, "loadgate ab: trial %d of %d, side %s\n", k + 1, trials_, is_a ? "A" : "B");
        const int code = run_side(is_a ? argv_a : argv_b, is_a ? file_a : file_b);
        if (code != 0 && !stop.load()) {
          std::fprintf(stderr, "loadgate ab: side %s exited with %d; its results so far are kept in %s\n",
                       is_a ? "A" : "B", code, (is_a ? file_a : file_b).c_str());
          return kFailure;
        }
      }
      ++done;
    }
    int code;
    try {
      Side a = load_side(file_a), b = load_side(file_b);
      a.name = "A: " + a_;
      b.name = "B: " + b_;
      if (stop.load()) std::cout << "interrupted after " << done << " whole trials a side\n";
      code = print_judgement("ab", a, b, o, std::cout);
    } catch (const InputError& e) {
      code = fail("ab", e.what(), kFailure);
    }
    if (out_a_.empty()) std::remove(file_a.c_str());
    if (out_b_.empty()) std::remove(file_b.c_str());
    return stop.load() && code == kOk ? kInterrupted : code;
  }

 private:
  std::string a_, b_, out_a_, out_b_, figures_;
  int trials_ = 10;
  double tolerance_ = 0.1, alpha_ = 0.05;
};

}  // namespace

std::unique_ptr<Command> ab_command() { return std::make_unique<Ab>(); }

}  // namespace loadgate::cli
