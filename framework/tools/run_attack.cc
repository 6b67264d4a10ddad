// run_attack.cc: results output, signals and progress around any attack.
#include "run_attack.h"

#include <unistd.h>

#include <cstdio>
#include <mutex>

#include "commands.h"
#include "loadgate/error.h"
#include "signals.h"

namespace loadgate::cli {

int fail(const std::string& command, const std::string& message, int code) {
  std::fprintf(stderr, "loadgate %s: %s\n", command.c_str(), message.c_str());
  return code;
}

std::vector<Monitor::Target> monitor_flags(const std::vector<std::string>& values) {
  std::vector<Monitor::Target> out;
  for (const std::string& v : values) {
    const auto eq = v.find('=');
    std::string role = eq == std::string::npos ? "" : v.substr(0, eq);
    const std::string pid_text = eq == std::string::npos ? v : v.substr(eq + 1);
    char* end = nullptr;
    const long pid = std::strtol(pid_text.c_str(), &end, 10);
    if (pid_text.empty() || *end != '\0' || pid <= 0)
      throw InputError("", 0, "-monitor-pid", "\"" + v + "\": want PID or ROLE=PID");
    if (!read_process(static_cast<int>(pid))) throw InputError("", 0, "-monitor-pid", "no process " + pid_text);
    if (role.empty()) role = out.empty() ? "sut" : "sut" + std::to_string(out.size() + 1);
    out.push_back({static_cast<int>(pid), role});
  }
  return out;
}

int run_attack(const std::string& command, const Output& out, AttackInfo info, AttackOptions& load,
               const std::function<AttackRun(const AttackOptions&)>& attack, AttackRun& run) {
  std::FILE* file = nullptr;
  if (out.path == "stdout" || out.path == "-") {
    file = stdout;
  } else if (!out.path.empty()) {
    file = std::fopen(out.path.c_str(), "wb");
    if (!file) return fail(command, out.path + ": cannot open output file", kFailure);
  }
  std::unique_ptr<ResultWriter> writer;
  std::mutex mu;
  if (file) {
    writer = std::make_unique<ResultWriter>(file, Encoding::kBinary);
    info.started_ns = unix_now_ns();
    info.duration_ns = load.duration.count();
    writer->header(info);
    // Results come from the collector thread, samples from the monitor's: one writer, one lock.
    load.sink = [&writer, &mu](const Result* r, size_t n) {
      std::lock_guard lock(mu);
      writer->write(r, n);
      writer->flush();  // a reader at the other end of a pipe sees results as they happen
    };
    load.sample_sink = [&writer, &mu](const Sample& s) {
      std::lock_guard lock(mu);
      writer->frame(4, s.to_json());
    };
  }
  load.stop = &install_stop_signals();
  if (!out.quiet && (out.progress || isatty(STDERR_FILENO))) load.progress = stderr;
  try {
    run = attack(load);
  } catch (const InputError& e) {
    return fail(command, e.what(), kBadInput);
  }
  const Summary s = run.metrics.summarize();
  if (run.interrupted || load.progress)
    std::fprintf(stderr, "loadgate %s: %s%llu results in %s, %.2f req/s, %llu workers, %llu late, %llu dropped\n",
                 command.c_str(), run.interrupted ? "interrupted; " : "",
                 static_cast<unsigned long long>(run.metrics.count()), format_duration_short(run.elapsed).c_str(),
                 s.rate, static_cast<unsigned long long>(run.workers), static_cast<unsigned long long>(s.late),
                 static_cast<unsigned long long>(s.dropped));
  const bool ok = !writer || writer->flush();
  if (file && file != stdout) std::fclose(file);
  if (!ok) return fail(command, "writing results failed (closed pipe or full disk)", kFailure);
  return kOk;
}

}  // namespace loadgate::cli
