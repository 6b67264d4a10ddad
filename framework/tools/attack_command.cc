// attack_command.cc: what every attacking command shares: results output, signals, progress.
#include "attack_command.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <cstring>
#include <functional>
#include <cerrno>
#include <memory>
#include <thread>

#include "command.h"
#include "loadgate/dashboard.h"
#include "loadgate/error.h"
#include "loadgate/results_file.h"
#include "signals.h"

namespace loadgate::cli {

int fail(const std::string& command, const std::string& message, int code) {
  std::fprintf(stderr, "loadgate %s: %s\n", command.c_str(), message.c_str());
  return code;
}

int cannot_open_output(const std::string& command, const std::string& path) {
  const int e = errno;
  const bool bad_path = e == ENOENT || e == ENOTDIR || e == EISDIR || e == EACCES || e == EROFS || e == ENAMETOOLONG;
  return fail(command, path + ": -output: cannot open output file (" + std::strerror(e) + ")",
              bad_path ? kBadInput : kFailure);
}

int written(const std::string& command, std::ostream& out, int code) {
  out.flush();
  if (out.good()) return code;
  return fail(command, "writing the output failed (closed pipe or full disk)", kFailure);
}

namespace {

// Sleeps `d`, or until `stop` is set (a Ctrl-C ends the wait, not the process's reports).
void sleep_unless_stopped(Nanos d, const std::atomic<bool>& stop) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (!stop.load() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

// Runs `attack` with results written to `path` ("stdout", "-", a file, or "" for none), ended
// cleanly by `options.stop` (the command's SIGINT/SIGTERM), a progress line on a terminal (unless
// out.quiet, or always with out.progress) and live figures served (and pushed) as `prom` says;
// returns the exit code and fills `run`.
int attack_to_output(const std::string& command, const std::string& path, const OutputFlags& out, AttackOptions& options,
                     const std::function<AttackRun(const AttackOptions&)>& attack, AttackRun& run,
                     const LiveFlags& prom, bool summary_follows) {
  std::unique_ptr<PrometheusExporter> exporter;
  std::unique_ptr<Dashboard> dashboard;
  Nanos linger{0};
  try {
    linger = prom.linger();
    exporter = make_exporter(prom.options());
    dashboard = make_dashboard(prom.dashboard_addr());
  } catch (const InputError& e) {
    return fail(command, e.what(), kBadInput);
  }
  if (dashboard && !out.quiet)
    std::fprintf(stderr, "loadgate %s: dashboard: http://127.0.0.1:%u/\n", command.c_str(), static_cast<unsigned>(dashboard->port()));
  std::FILE* file = nullptr;
  if (path == "stdout" || path == "-") {
    file = stdout;
  } else if (!path.empty()) {
    file = std::fopen(path.c_str(), "wb");
    if (!file) return cannot_open_output(command, path);
  }
  std::unique_ptr<ResultsFileSink> sink;
  if (file) {
    sink = std::make_unique<ResultsFileSink>(file, Encoding::kBinary);
    options.sink = sink.get();
  }
  std::unique_ptr<ResultsSink> prom_sink;
  if (exporter) prom_sink = exporter->attach(options);
  std::unique_ptr<ResultsSink> dash_sink;
  if (dashboard) dash_sink = dashboard->attach(options);
  if (!out.quiet && (out.progress || isatty(STDERR_FILENO))) options.progress = stderr;
  try {
    run = run_trials(options, attack);
  } catch (const InputError& e) {
    return fail(command, e.what(), kBadInput);
  }
  const Summary s = run.metrics.summarize();
  // The totals once: a summary on stdout has them (ghz's), so stderr says only an interruption.
  if (run.interrupted || (options.progress && !summary_follows))
    std::fprintf(stderr, "loadgate %s: %s%llu results in %s, %.2f req/s, %llu workers, %llu late, %llu dropped\n",
                 command.c_str(), run.interrupted ? "interrupted; " : "",
                 static_cast<unsigned long long>(run.metrics.count()), format_duration_short(run.elapsed).c_str(),
                 s.rate, static_cast<unsigned long long>(run.workers), static_cast<unsigned long long>(s.late),
                 static_cast<unsigned long long>(s.dropped));
  if (dashboard) {
    ReportOptions ro;
    ro.title = "loadgate " + command + (run.info.name.empty() ? "" : ": " + run.info.name);
    ro.info = &run.info;
    ro.protocols = run.info.target_protocols;
    dashboard->finish(run.metrics, ro);
  }
  if ((exporter || dashboard) && linger.count() > 0 && !options.stop->load()) sleep_unless_stopped(linger, *options.stop);
  if (exporter) {
    if (const std::string why = exporter->push(); !why.empty()) std::fprintf(stderr, "loadgate %s: %s\n", command.c_str(), why.c_str());
  }
  const bool ok = !sink || sink->ok();
  if (file && file != stdout) std::fclose(file);
  if (!ok) return fail(command, "writing results failed (closed pipe or full disk)", kFailure);
  return kOk;
}

}  // namespace

void AttackCommand::define(FlagSet& f) {
  define_protocol(f);
  f.string("name", &name_, "Attack name");
  if (output_ == Output::kResults) {
    out_.output = "stdout";
    out_.define(f, "Output file (default stdout)");
  } else {
    out_.define(f, "Results file");
    out_.define_format(f);
  }
  monitor_.define(f);
  prom_.define(f);
}

int AttackCommand::run() {
  // Signals are taken from the start: a large input takes a while to load, and a Ctrl-C then
  // means "do not start", not "start, then stop".
  const std::atomic<bool>& stop = install_stop_signals();
  AttackOptions options;
  bool summarize = false;  // a summary on stdout, not results
  try {
    options.load = prepare();
    options.name = name_.empty() ? default_name() : name_;
    options.monitor = monitor_.parse();
    summarize = output_ == Output::kSummary && out_.summary();  // a bad -format is an error now
  } catch (const InputError& e) {
    return fail(verb_, e.what(), kBadInput);
  }
  if (stop.load()) return fail(verb_, "interrupted before the attack started: nothing was sent", kInterrupted);
  options.stop = &stop;
  AttackRun run;
  const std::string path = output_ == Output::kResults ? out_.output : out_.results_path();
  const int code = attack_to_output(
      verb_, path, out_, options, [this](const AttackOptions& o) { return attack(o); }, run, prom_, summarize);
  if (output_ == Output::kResults) return code;
  if (code == kOk && summarize) summary(run);
  return written(verb_, std::cout, code);
}

}  // namespace loadgate::cli
