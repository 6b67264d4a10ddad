// run_attack.cc: results output, signals and progress around any attack.
#include "run_attack.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <cerrno>
#include <memory>
#include <thread>

#include "command.h"
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

int run_attack(const std::string& command, const std::string& path, const OutputFlags& out, AttackOptions& load,
               const std::function<AttackRun(const AttackOptions&)>& attack, AttackRun& run,
               const PrometheusFlags* prom) {
  std::unique_ptr<PrometheusExporter> exporter;
  Nanos linger{0};
  if (prom) {
    try {
      const PrometheusOptions po = prom->options();
      linger = prom->linger();
      if (!po.listen.empty() || !po.push.empty()) exporter = std::make_unique<PrometheusExporter>(po);
    } catch (const InputError& e) {
      return fail(command, e.what(), kBadInput);
    }
  }
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
    load.sink = sink.get();
  }
  std::unique_ptr<ResultsSink> prom_sink;
  if (exporter) {
    prom_sink = exporter->sink(load, load.sink);
    load.sink = prom_sink.get();
    load.live = exporter->live(load);
  }
  load.stop = &install_stop_signals();
  if (!out.quiet && (out.progress || isatty(STDERR_FILENO))) load.progress = stderr;
  try {
    run = run_trials(load, attack);
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
  if (exporter) {
    if (linger.count() > 0 && !load.stop->load()) std::this_thread::sleep_for(linger);
    if (const std::string why = exporter->push(); !why.empty()) std::fprintf(stderr, "loadgate %s: %s\n", command.c_str(), why.c_str());
  }
  const bool ok = !sink || sink->ok();
  if (file && file != stdout) std::fclose(file);
  if (!ok) return fail(command, "writing results failed (closed pipe or full disk)", kFailure);
  return kOk;
}

}  // namespace loadgate::cli
