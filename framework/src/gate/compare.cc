// compare.cc: load runs' figures and compare them.
#include "loadgate/compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "format/number.h"
#include "format/tabwriter.h"
#include "loadgate/error.h"
#include "loadgate/figures.h"
#include "loadgate/file.h"
#include "loadgate/results_file.h"

namespace loadgate {
namespace {

// Figures from a JSON report: Vegeta's keys ("latencies"."99th" in ns, "success", "throughput").
Figures from_report(const nlohmann::json& j, const std::string& name) {
  Figures out;
  out.name = name;
  for (const std::string& figure : reference_figure_names()) {
    const nlohmann::json::json_pointer key(find_figure(figure)->vegeta_key);
    if (j.contains(key)) out.values[figure] = j.at(key).get<double>();
  }
  return out;
}

}  // namespace


Figures load_figures(const std::string& path) {
  const std::string text = read_file_or_throw(path, "", "cannot read");
  // A JSON report is one object with "latencies"; results files are records.
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.contains("latencies") && j.at("latencies").is_object()) {
    try {
      return from_report(j, path);
    } catch (const nlohmann::json::exception& e) {
      throw InputError(path, 0, "latencies", std::string("not a report: ") + e.what());
    }
  }
  Metrics m;
  try {
    set_shard_check(ShardCheck::kOff);  // OLD and NEW are one run each
    read_metrics({path}, m);
  } catch (const InputError& e) {
    throw InputError(path, 0, "", std::string("neither a JSON report nor a results file (") + e.what() + ")");
  }
  if (m.count() == 0) throw InputError(path, 0, "", "no results in it");
  return figures_of(m.summarize(), path);
}

std::vector<Figures> history_figures(const std::string& path, const std::string& scenario) {
  std::vector<Figures> out;
  for (const HistoryEntry& e : read_history(path, scenario)) {
    Figures f;
    f.name = e.scenario + " @ " + e.time;
    // A run of several trials: the median of each figure over them.
    for (const std::string& name : reference_figure_names()) {
      std::vector<double> v;
      for (const Figures& t : e.side.trials)
        if (auto it = t.values.find(name); it != t.values.end()) v.push_back(it->second);
      if (!v.empty()) f.values[name] = median(std::move(v));
    }
    out.push_back(f);
  }
  return out;
}

std::vector<HistoryEntry> read_history(const std::string& path, const std::string& scenario) {
  std::ifstream in(path);
  if (!in) throw InputError(path, 0, "", "cannot read history file");
  std::vector<HistoryEntry> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("figures") || !j["figures"].is_object())
      throw InputError(path, n, "figures", "not a history entry");
    HistoryEntry e;
    e.line = n;
    e.scenario = j.value("scenario", "");
    if (!scenario.empty() && e.scenario != scenario) continue;
    e.time = j.value("time", "?");
    e.commit = j.value("commit", "");
    e.run = j.value("run", "");
    e.pass = j.value("pass", false);
    e.side.name = e.scenario + " @ " + e.time;
    auto figures_of_json = [](const nlohmann::json& o) {
      Figures f;
      for (auto& [k, v] : o.items())
        if (v.is_number()) f.values[k] = v.get<double>();
      return f;
    };
    if (j.contains("trials") && j["trials"].is_array() && !j["trials"].empty()) {
      for (const auto& t : j["trials"])
        if (t.is_object()) e.side.trials.push_back(figures_of_json(t));
    } else {
      e.side.trials.push_back(figures_of_json(j["figures"]));
      if (j.contains("intervals") && j["intervals"].is_object())
        for (auto& [k, v] : j["intervals"].items()) {
          auto value = j["figures"].find(k);
          if (v.is_array() && v.size() == 2 && v[0].is_number() && v[1].is_number() && value != j["figures"].end() &&
              value->is_number())
            e.side.intervals[k] = Interval{value->get<double>(), v[0].get<double>(), v[1].get<double>(), true};
        }
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<Delta> compare(const Figures& a, const Figures& b, double tolerance,
                           const std::map<std::string, double>& per) {
  std::vector<Delta> out;
  for (const std::string& name : reference_figure_names()) {
    auto x = a.values.find(name), y = b.values.find(name);
    if (x == a.values.end() || y == b.values.end()) continue;
    Delta d;
    d.figure = name;
    d.old_value = x->second;
    d.new_value = y->second;
    d.change = d.old_value != 0 ? (d.new_value - d.old_value) / std::fabs(d.old_value) : 0;
    auto t = per.find(name);
    d.tolerance = t == per.end() ? tolerance : t->second;
    d.regression = regressed(*find_figure(name), d.old_value, d.new_value, d.tolerance);
    out.push_back(d);
  }
  return out;
}

std::string compare_table(const std::vector<Delta>& deltas) {
  format::Tabwriter tw;
  tw.row({"figure", "old", "new", "change", "verdict"});
  for (const Delta& d : deltas) {
    const Figure& f = *find_figure(d.figure);
    const std::string tol = (f.higher_is_better ? "< -" : "> +") + format::format_number("%.0f%%", d.tolerance * 100);
    tw.row({d.figure, format_value(d.old_value, f.unit), format_value(d.new_value, f.unit),
            format::format_number("%+.1f%%", d.change * 100), d.regression ? "REGRESSION (" + tol + ")" : "ok"});
  }
  std::ostringstream out;
  tw.flush(out);
  return out.str();
}

}  // namespace loadgate


namespace loadgate {

Side load_side(const std::string& path) {
  const std::string text = read_file_or_throw(path, "", "cannot read");
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.contains("latencies") && j.at("latencies").is_object()) {
    Side s;
    s.name = path;
    s.trials.push_back(load_figures(path));
    if (j.contains("intervals") && j["intervals"].is_object())
      for (auto& [k, v] : j["intervals"].items())
        if (v.is_object() && v.contains("low") && v.contains("high") && v.contains("value"))
          s.intervals[k] = Interval{v["value"].get<double>(), v["low"].get<double>(), v["high"].get<double>(), true};
    return s;
  }
  std::vector<RunOfFile> runs;
  try {
    set_shard_check(ShardCheck::kOff);
    runs = read_runs(path);
  } catch (const InputError& e) {
    throw InputError(path, 0, "", std::string("neither a JSON report nor a results file (") + e.what() + ")");
  }
  std::vector<Summary> trials;
  for (const RunOfFile& r : runs)
    if (r.metrics.count() > 0) trials.push_back(r.metrics.summarize());
  if (trials.empty()) throw InputError(path, 0, "", "no results in it");
  return side_of(trials, path);
}

}  // namespace loadgate
