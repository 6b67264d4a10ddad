// cmd_report.cc: `loadgate report` and `loadgate encode`.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include "commands.h"
#include "loadgate/error.h"
#include "loadgate/report.h"
#include "loadgate/results_file.h"
#include "signals.h"

namespace loadgate::cli {
namespace {

// Writes one report of `type` for `m` (and `hist` for hist types).
void write_report(std::ostream& out, const std::string& type, const Metrics& m, const HistBuckets* hist,
                  const ReportOptions& o) {
  if (type == "text")
    write_text_report(out, m, o);
  else if (type == "json")
    write_json_report(out, m, o);
  else if (type == "html")
    write_html_report(out, m, HtmlOptions{"loadgate report", nullptr});
  else if (type == "hdrplot")
    write_hdrplot_report(out, m);
  else if (hist)
    hist->write(out);
  out.flush();
}

}  // namespace

int report(const ReportFlags& f) {
  std::optional<HistBuckets> hist;
  Nanos every{0};
  try {
    if (f.type.rfind("hist", 0) == 0)
      hist.emplace(f.type);
    else if (f.type != "text" && f.type != "json" && f.type != "hdrplot" && f.type != "html")
      throw InputError("", 0, "-type",
                       "unknown report type \"" + f.type + "\" (want text, json, html, hist[...], hdrplot)");
    auto e = parse_duration(f.every);
    if (!e || e->count() < 0) throw InputError("", 0, "-every", "\"" + f.every + "\" is not a duration");
    every = *e;
    if (!f.by.empty() && f.by != "target")
      throw InputError("", 0, "-by", "unknown breakdown \"" + f.by + "\" (want target)");
  } catch (const InputError& e) {
    return fail("report", e.what(), kBadInput);
  }
  std::ofstream file;
  if (f.output != "stdout" && f.output != "-") {
    file.open(f.output);
    if (!file) return fail("report", f.output + ": cannot open output file", kFailure);
  }
  std::ostream& out = file.is_open() ? file : std::cout;

  ReportOptions o;
  o.by_target = f.by == "target";
  // Keep reading through the first Ctrl-C: the attacker upstream flushes and closes the pipe.
  install_stop_signals();
  Metrics m;
  int64_t last = steady_now_ns();
  const std::string err = read_metrics(f.inputs, m, [&](const Result& r) {
    if (hist) hist->add(r);
    if (every.count() > 0 && steady_now_ns() - last >= every.count()) {
      write_report(out, f.type, m, hist ? &*hist : nullptr, o);
      last = steady_now_ns();
    }
  });
  if (!err.empty()) {
    // Report what was read before the bad record: measured results are never lost.
    if (m.count() > 0) write_report(out, f.type, m, hist ? &*hist : nullptr, o);
    return fail("report", err, kBadInput);
  }
  write_report(out, f.type, m, hist ? &*hist : nullptr, o);
  return kOk;
}

int plot(const PlotFlags& f) {
  const std::vector<std::string> inputs = f.inputs.empty() ? std::vector<std::string>{"-"} : f.inputs;
  install_stop_signals();
  std::vector<Metrics> runs(inputs.size());
  std::vector<std::string> names(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    names[i] = inputs[i] == "-" ? "stdin" : inputs[i];
    const std::string err = read_metrics({inputs[i]}, runs[i], nullptr, [&](const AttackInfo& info) {
      if (!info.name.empty()) names[i] = info.name;
    });
    if (!err.empty()) return fail("plot", err, kBadInput);
  }
  std::vector<std::pair<std::string, const Metrics*>> series;
  for (size_t i = 0; i < runs.size(); ++i) series.emplace_back(names[i], &runs[i]);
  std::ofstream file;
  if (f.output != "stdout" && f.output != "-") {
    file.open(f.output);
    if (!file) return fail("plot", f.output + ": cannot open output file", kFailure);
  }
  write_html_plot(file.is_open() ? file : std::cout, series, f.title);
  return kOk;
}

int encode(const EncodeFlags& f) {
  Encoding to;
  try {
    to = parse_encoding(f.to);
  } catch (const InputError& e) {
    return fail("encode", e.what(), kBadInput);
  }
  std::FILE* out = stdout;
  if (f.output != "stdout" && f.output != "-") {
    out = std::fopen(f.output.c_str(), "wb");
    if (!out) return fail("encode", f.output + ": cannot open output file", kFailure);
  }
  install_stop_signals();
  ResultWriter writer(out, to);
  const std::string err = read_results(
      f.inputs, [&](const Result& r) { writer.write(&r, 1); },
      [&](const std::string& sample) { writer.frame(4, sample); },
      [&](const AttackInfo& info) { writer.header(info); });
  const bool ok = writer.flush();
  if (out != stdout) std::fclose(out);
  if (!err.empty()) return fail("encode", err, kBadInput);
  if (!ok) return fail("encode", "writing failed (closed pipe or full disk)", kFailure);
  return kOk;
}

}  // namespace loadgate::cli
