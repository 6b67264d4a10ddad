// cmd_report.cc: `loadgate report`: Vegeta's reports (text, json, hist, hdrplot) and loadgate's
// HTML, over one or more results files, optionally every -every while reading.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "command.h"
#include "loadgate/error.h"
#include "loadgate/report.h"
#include "loadgate/results_file.h"
#include "signals.h"

namespace loadgate::cli {
namespace {

class Report final : public Command {
 public:
  void define(FlagSet& f) override {
    f.string("type", &type_, "Report type: text, json, html, hist[buckets], hdrplot, gbench (Google Benchmark JSON)");
    f.string("every", &every_, "Report interval while reading");
    f.string("output", &output_, "Output file");
    f.string("by", &by_, "Break down by: target, or shard (one summary per generator's file)");
    f.flag("strict", &strict_, "Fail (exit 2) when the shards given do not make a whole attack");
    f.positional("inputs", &inputs_, "Results files (default stdin)");
  }

  int run() override {
    Nanos every{0};
    try {
      if (type_.rfind("hist", 0) == 0)
        hist_.emplace(type_);
      else if (type_ != "text" && type_ != "json" && type_ != "hdrplot" && type_ != "html" && type_ != "gbench")
        throw InputError("", 0, "-type",
                         "unknown report type \"" + type_ + "\" (want text, json, html, hist[...], hdrplot, gbench)");
      auto e = parse_duration(every_);
      if (!e || e->count() < 0) throw InputError("", 0, "-every", "\"" + every_ + "\" is not a duration");
      every = *e;
      if (!by_.empty() && by_ != "target" && by_ != "shard")
        throw InputError("", 0, "-by", "unknown breakdown \"" + by_ + "\" (want target or shard)");
    } catch (const InputError& e) {
      return fail("report", e.what(), kBadInput);
    }
    std::ofstream file;
    if (output_ != "stdout" && output_ != "-") {
      file.open(output_);
      if (!file) return cannot_open_output("report", output_);
    }
    std::ostream& out = file.is_open() ? file : std::cout;
    options_.by_target = by_ == "target";
    set_shard_check(strict_ ? ShardCheck::kStrict : ShardCheck::kWarn);
    if (by_ == "shard") return by_shard(out);
    // Keep reading through the first Ctrl-C: the attacker upstream flushes and closes the pipe.
    install_stop_signals();
    Metrics m;
    int64_t last = steady_now_ns();
    try {
      read_metrics(
          inputs_, m,
          [&](const Result& r) {
            if (hist_) hist_->add(r);
            if (every.count() > 0 && steady_now_ns() - last >= every.count()) {
              write(out, m);
              last = steady_now_ns();
            }
          },
          [&](const AttackInfo& info) {
            options_.protocols.insert(info.target_protocols.begin(), info.target_protocols.end());
            if (!options_.info) {  // the first attack's name and load (gbench names entries by it)
              header_ = info;
              options_.info = &header_;
            }
          });
    } catch (const InputError& e) {
      // Report what was read before the bad record: measured results are never lost.
      if (m.count() > 0) write(out, m);
      written("report", out, kOk);
      return fail("report", e.what(), kBadInput);
    }
    write(out, m);
    warn_if_nothing_succeeded(m);
    return written("report", out, kOk);
  }

 private:
  // A report of zeros, or of failures only, reads like figures: say on stderr what it is.
  void warn_if_nothing_succeeded(const Metrics& m) const {
    const std::string from = inputs_.empty() ? std::string("stdin") : inputs_.front() + (inputs_.size() > 1 ? ", ..." : "");
    if (m.count() == 0) {
      std::fprintf(stderr, "loadgate report: warning: no results in %s: every figure is zero\n", from.c_str());
      return;
    }
    const Summary s = m.summarize();
    if (s.requests > 0 && s.success == 0)
      std::fprintf(stderr, "loadgate report: warning: no successful requests in %s: all %llu failed%s\n", from.c_str(),
                   static_cast<unsigned long long>(s.requests),
                   s.errors.empty() ? "" : (" (first error: " + s.errors.front() + ")").c_str());
  }

  // Writes one report of the chosen type for `m`.
  void write(std::ostream& out, const Metrics& m) const {
    if (type_ == "text")
      write_text_report(out, m, options_);
    else if (type_ == "json")
      write_json_report(out, m, options_);
    else if (type_ == "html")
      write_html_report(out, m, options_);
    else if (type_ == "hdrplot")
      write_hdrplot_report(out, m);
    else if (type_ == "gbench")
      write_gbench_report(out, m, options_);
    else if (hist_)
      hist_->write(out);
    out.flush();
  }

  // One summary per file (each a shard's), then the merged figures.
  int by_shard(std::ostream& out) {
    Metrics all;
    try {
      read_metrics(inputs_, all);  // warns, or fails with -strict, when the shards are not whole
      set_shard_check(ShardCheck::kOff);  // each file alone is a shard on purpose
      for (const std::string& path : inputs_) {
        Metrics m;
        AttackInfo info;
        read_metrics({path}, m, nullptr, [&](const AttackInfo& h) { info = h; });
        const Summary s = m.summarize(m.primary());
        if (type_ == "json") {
          shards_json_[info.shard.empty() ? path : info.shard] = {{"file", path}, {"host", info.host},
                                                                  {"requests", s.requests}, {"rate", s.rate},
                                                                  {"success", s.success_ratio},
                                                                  {"p50", s.latency.p50}, {"p99", s.latency.p99}};
          continue;
        }
        out << "[shard " << (info.shard.empty() ? "?" : info.shard) << " " << info.host << " " << path << "]\n";
        write_text_report(out, m, options_);
        out << "\n";
      }
    } catch (const InputError& e) {
      return fail("report", e.what(), kBadInput);
    }
    if (type_ == "json") {
      nlohmann::json j = {{"shards", shards_json_}};
      out << j.dump() << "\n";
    } else {
      out << "[all shards]\n";
      write_text_report(out, all, options_);
    }
    return written("report", out, kOk);
  }

  std::string type_ = "text", every_ = "0", output_ = "stdout", by_;
  bool strict_ = false;
  nlohmann::json shards_json_ = nlohmann::json::object();
  std::vector<std::string> inputs_;
  std::optional<HistBuckets> hist_;
  ReportOptions options_;
  AttackInfo header_;
};

}  // namespace

std::unique_ptr<Command> report_command() { return std::make_unique<Report>(); }

}  // namespace loadgate::cli
