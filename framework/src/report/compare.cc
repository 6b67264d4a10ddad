// compare.cc: load runs' figures and compare them.
#include "loadgate/compare.h"

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

Figures figures_of(const Summary& s, const std::string& name) {
  Figures f;
  f.name = name;
  f.values = reference_figures(s);
  return f;
}

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
  std::ifstream in(path);
  if (!in) throw InputError(path, 0, "", "cannot read history file");
  std::vector<Figures> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("figures"))
      throw InputError(path, n, "figures", "not a history entry");
    const std::string s = j.value("scenario", "");
    if (!scenario.empty() && s != scenario) continue;
    Figures f;
    f.name = s + " @ " + j.value("time", "?");
    for (auto& [k, v] : j["figures"].items())
      if (v.is_number()) f.values[k] = v.get<double>();
    out.push_back(f);
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
