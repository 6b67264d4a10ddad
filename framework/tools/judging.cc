// judging.cc: a comparison's table and outcome, as compare and ab print them.
#include "judging.h"

#include <sstream>

#include "command.h"

namespace loadgate::cli {
namespace {

std::string trials_of(const Side& s) {
  return std::to_string(s.trials.size()) + (s.trials.size() == 1 ? " run" : " trials");
}

}  // namespace

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

int print_judgement(const std::string& command, const Side& a, const Side& b, const JudgeOptions& o,
                    std::ostream& out) {
  out << "old: " << a.name << " (" << trials_of(a) << ")\nnew: " << b.name << " (" << trials_of(b) << ")\n\n";
  // Runs in which nothing succeeded have no latency of the service to compare: the latencies are
  // those of refused connections or timeouts, and "no regression" would read as green.
  for (const Side* s : {&a, &b}) {
    bool any = false;
    for (const Figures& f : s->trials) {
      auto it = f.values.find("success");
      any = any || it == f.values.end() || it->second > 0;
    }
    if (any) continue;
    out << outcome_name(Outcome::kInconclusive) << ": no successful requests in " << (s == &a ? "old" : "new") << " ("
        << s->name << "): nothing of the service to compare\n";
    return written(command, out, kInconclusive);
  }
  const std::vector<Judgement> js = judge(a, b, o);
  out << judgement_table(js) << "\n";
  if (!js.empty()) out << "method: " << js.front().method << "\n";
  if (a.trials.size() < 2 || b.trials.size() < 2)
    out << "note: with one run a side, drift between runs is not measured; -trials=N (or loadgate ab) measures it\n";
  const Outcome verdict = overall(js);
  out << "\n" << outcome_name(verdict);
  std::string sep = ": ";
  for (const Judgement& j : js)
    if (j.outcome == verdict && verdict != Outcome::kNoChange) {
      out << sep << j.evidence();
      sep = "; ";
    }
  if (js.empty()) out << ": no figure both runs have";
  out << "\n";
  const int code = verdict == Outcome::kRegression ? kBreach : verdict == Outcome::kInconclusive ? kInconclusive : kOk;
  return written(command, out, code);
}

}  // namespace loadgate::cli
