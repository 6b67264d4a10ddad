// cmd_history.cc: `loadgate history FILE`: the change points of every scenario and figure in a
// history file (history.h), an HTML trend page (-html), and a gate (-gate): exit 3 when the
// latest runs began a new regression.
#include <cmath>
#include <fstream>
#include <iostream>

#include "command.h"
#include "judging.h"
#include "loadgate/error.h"
#include "loadgate/history.h"

namespace loadgate::cli {
namespace {

class History final : public Command {
 public:
  void define(FlagSet& f) override {
    f.string("scenario", &scenario_, "Only this scenario's runs (default every scenario in the file)");
    f.string("figures", &figures_, "Figures searched, comma-separated (default p50,p90,p99,success,throughput)");
    f.number("tolerance", &tolerance_, "A shift smaller than this (relative, 0.05 = 5 %) is neither regression nor improvement");
    f.number("alpha", &alpha_, "Significance of each change point (permutation test)");
    f.string("html", &html_, "Write the trend page (each figure over runs, intervals, change points) here");
    f.flag("gate", &gate_, "Exit 3 when a regression starts within the last -recent runs of a scenario");
    f.integer("recent", &recent_, "With -gate: how many of the latest runs count as new");
    f.required_positional("file", &file_, "The history file (JSON lines from LOADGATE_HISTORY or check -history)");
  }

  int run() override {
    std::vector<Trend> trends;
    try {
      if (file_.empty()) throw InputError("", 0, "", "want a history file: loadgate history FILE");
      if (tolerance_ < 0) throw InputError("", 0, "-tolerance", "must not be negative");
      if (!(alpha_ > 0 && alpha_ < 1)) throw InputError("", 0, "-alpha", "want 0 < alpha < 1");
      if (recent_ < 1) throw InputError("", 0, "-recent", "want at least 1");
      TrendOptions o;
      o.figures = split_list(figures_);
      o.tolerance = tolerance_;
      o.search.alpha = alpha_;
      trends = read_trends(file_, scenario_, o);
      if (trends.empty())
        throw InputError(file_, 0, "", scenario_.empty() ? "no runs in it" : "no runs of " + scenario_ + " in it");
    } catch (const InputError& e) {
      return fail("history", e.what(), kBadInput);
    }
    std::cout << trends_table(trends);
    if (!html_.empty()) {
      std::ofstream page(html_);
      write_trends_html(page, trends, "History: " + file_);
      if (!page.flush()) return fail("history", html_ + ": cannot write the page", kFailure);
      std::cout << "trend page: " << html_ << "\n";
    }
    int code = kOk;
    if (gate_) {
      const auto found = recent_regressions(trends, static_cast<size_t>(recent_));
      std::cout << "\ngate: ";
      if (found.empty()) std::cout << "no regression begins in the last " << recent_ << " runs\n";
      for (const auto& [t, c] : found)
        std::cout << "FAIL " << t->scenario << " " << c->figure << " " << (c->change >= 0 ? "+" : "")
                  << static_cast<int>(std::lround(c->change * 1000)) / 10.0 << " % from run " << c->index + 1
                  << " of " << t->runs.size() << "\n";
      if (!found.empty()) code = kBreach;
    }
    return written("history", std::cout, code);
  }

 private:
  std::string scenario_, figures_, html_, file_;
  double tolerance_ = 0.05, alpha_ = 0.01;
  bool gate_ = false;
  int recent_ = 5;
};

}  // namespace

std::unique_ptr<Command> history_command() { return std::make_unique<History>(); }

}  // namespace loadgate::cli
