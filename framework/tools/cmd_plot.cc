// cmd_plot.cc: `loadgate plot`: several results files as series of one HTML page.
#include <fstream>
#include <iostream>

#include "command.h"
#include "loadgate/error.h"
#include "loadgate/report.h"
#include "loadgate/results_file.h"
#include "signals.h"

namespace loadgate::cli {
namespace {

class Plot final : public Command {
 public:
  void define(FlagSet& f) override {
    f.string("title", &title_, "Title of the page");
    f.string("output", &output_, "Output file");
    f.positional("inputs", &inputs_, "Results files (default stdin)");
  }

  int run() override {
    const std::vector<std::string> inputs = inputs_.empty() ? std::vector<std::string>{"-"} : inputs_;
    install_stop_signals();
    std::vector<Metrics> runs(inputs.size());
    std::vector<std::string> names(inputs.size());
    try {
      for (size_t i = 0; i < inputs.size(); ++i) {
        names[i] = inputs[i] == "-" ? "stdin" : inputs[i];
        set_shard_check(ShardCheck::kOff);  // one series per file
        read_metrics({inputs[i]}, runs[i], nullptr, [&](const AttackInfo& info) {
          if (!info.name.empty()) names[i] = info.name;
        });
      }
    } catch (const InputError& e) {
      return fail("plot", e.what(), kBadInput);
    }
    std::vector<std::pair<std::string, const Metrics*>> series;
    for (size_t i = 0; i < runs.size(); ++i) series.emplace_back(names[i], &runs[i]);
    std::ofstream file;
    if (output_ != "stdout" && output_ != "-") {
      file.open(output_);
      if (!file) return cannot_open_output("plot", output_);
    }
    std::ostream& out = file.is_open() ? file : std::cout;
    write_html_plot(out, series, title_);
    return written("plot", out, kOk);
  }

 private:
  std::string title_ = "loadgate plot", output_ = "stdout";
  std::vector<std::string> inputs_;
};

}  // namespace

std::unique_ptr<Command> plot_command() { return std::make_unique<Plot>(); }

}  // namespace loadgate::cli
