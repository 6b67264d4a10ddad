// gate.cc: evaluate thresholds, references and windows into a Verdict.
#include "loadgate/gate.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "format/number.h"
#include "format/tabwriter.h"
#include "loadgate/environment.h"
#include "loadgate/error.h"
#include "loadgate/interner.h"
#include "loadgate/judge.h"

namespace loadgate {
namespace {

using format::format_number;

Check make(const std::string& name, double measured, double limit, Check::Op op, Unit unit, const std::string& source) {
  Check c;
  c.name = name;
  c.measured = measured;
  c.limit = limit;
  c.op = op;
  c.unit = unit;
  c.source = source;
  switch (op) {
    case Check::Op::kBelow:
      c.pass = measured < limit;
      break;
    case Check::Op::kAtLeast:
      c.pass = measured >= limit;
      break;
    case Check::Op::kAtMost:
      c.pass = measured <= limit;
      break;
  }
  if (std::isnan(measured)) c.pass = false;
  return c;
}

std::string at(const std::string& source, const std::string& key) { return source.empty() ? "" : source + "." + key; }

// A latency threshold of `t`: its figure ("p99") and its limit.
struct LatencyLimit {
  const Figure* figure;
  Nanos limit;
};

// The latency limits `t` sets, in the figures' order.
std::vector<LatencyLimit> latency_limits(const Thresholds& t) {
  std::vector<LatencyLimit> out;
  for (const Figure& f : all_figures())
    if (const auto limit = t.latency_limit(f.name)) out.push_back({&f, *limit});
  return out;
}

// The worst window for each latency/success threshold, as one check each.
void evaluate_windows(const Group& g, const Thresholds& t, const std::string& source, Verdict& v) {
  const auto windows = g.series.rebucket(*t.window);
  if (windows.size() < 1) return;
  // The width actually used: a whole number of the series' windows (which widen on long runs).
  const int64_t unit = g.series.width().count();
  const Nanos width(unit * std::max<int64_t>(1, (t.window->count() + unit / 2) / unit));
  if (windows.empty()) return;
  const int64_t origin = windows.front().start_ns;
  auto span = [&](const Window& w) {
    return format_duration(Nanos(w.start_ns - origin)) + ".." + format_duration(Nanos(w.start_ns - origin) + width);
  };
  for (const LatencyLimit& l : latency_limits(t)) {
    if (l.figure->percentile < 0) continue;
    const Window* worst = nullptr;
    double worst_v = -1;
    for (const Window& w : windows) {
      if (w.latency.count() == 0) continue;
      const double x = latency_value(*l.figure, w.latency);
      if (x > worst_v) worst_v = x, worst = &w;
    }
    if (!worst) continue;
    v.checks.push_back(make(std::string(l.figure->name) + " in window " + span(*worst), worst_v,
                            static_cast<double>(l.limit.count()), Check::Op::kBelow, Unit::kNanos,
                            at(source, std::string(l.figure->name) + " (window " + format_duration(width) + ")")));
  }
  if (t.success) {
    const Window* worst = nullptr;
    double worst_v = 2;
    for (const Window& w : windows) {
      if (w.requests == 0) continue;
      const double x = static_cast<double>(w.success) / static_cast<double>(w.requests);
      if (x < worst_v) worst_v = x, worst = &w;
    }
    if (worst)
      v.checks.push_back(make("success in window " + span(*worst), worst_v, *t.success, Check::Op::kAtLeast,
                              Unit::kRatio, at(source, "success (window " + format_duration(width) + ")")));
  }
}

}  // namespace

std::string Check::measured_text() const { return format_value(measured, unit); }

std::string Check::limit_text() const {
  const char* op_text = op == Op::kBelow ? "< " : op == Op::kAtLeast ? ">= " : "<= ";
  return op_text + format_value(limit, unit);
}

std::string Check::line() const {
  std::string out =
      std::string(state()) + (pass && !warned ? "   " : " ") + name + "  measured " + measured_text() + "  limit " + limit_text();
  if (!source.empty()) out += "  (" + source + ")";
  return out;
}

bool Verdict::pass() const { return failures() == 0; }

size_t Verdict::failures() const {
  size_t n = 0;
  for (const Check& c : checks) n += c.pass ? 0 : 1;
  return n;
}

std::string Verdict::table() const {
  format::Tabwriter tw;
  for (const Check& c : checks)
    tw.row({c.state(), c.name, "measured " + c.measured_text(), "limit " + c.limit_text(),
            c.source.empty() ? "" : "(" + c.source + ")"});
  std::ostringstream out;
  tw.flush(out);
  if (!context.empty()) out << "context: " << context << "\n";
  return out.str();
}

Kind kind_for(const Metrics& m, const std::string& name) {
  if (name.empty()) return m.primary();
  if (auto k = kind_from_name(name)) return *k;
  throw InputError("", 0, "kind", "unknown result kind \"" + name + "\" (want " + kind_names() + ")");
}

namespace {

// Mean CPU of the generator process as a share of its I/O threads (0..), or -1 when unknown;
// without the time its threads busy-polled with nothing to do (that CPU was there to be had).
double generator_cpu_share(const Metrics& m) {
  const GeneratorStats& g = m.generator();
  if (g.threads <= 0 || m.resources().series("generator").empty()) return -1;
  return std::max(0.0, m.resources().mean_cpu("generator") / (100.0 * g.threads) - g.polled_share());
}

}  // namespace

void generator_checks(const Metrics& m, Verdict& v, bool delay_counted, const std::function<bool()>& failures_stand) {
  const GeneratorStats& g = m.generator();
  const size_t first = v.checks.size();
  if (g.scheduled > 0) {
    const double scheduled = static_cast<double>(g.scheduled);
    v.checks.push_back(make("generator", static_cast<double>(g.own_late()) / scheduled,
                            std::max(kGeneratorLateLimit, kGeneratorLateAllowance / scheduled), Check::Op::kAtMost,
                            Unit::kRatio,
                            "hits the generator itself sent late, stalls of the machine apart: 1 %, and at least 10 "
                            "of them (\"generator\": false to skip)"));
  }
  if (const double cpu = generator_cpu_share(m); cpu >= 0)
    v.checks.push_back(make("generator cpu", cpu, kGeneratorCpuLimit, Check::Op::kBelow, Unit::kRatio,
                            "mean CPU of the generator's threads (\"generator\": false to skip)"));
  // Can the run flatter the service? Not when every hit was sent, every latency counts the
  // delay from its scheduled send, and every other check passed with that delay in it.
  const auto begin = v.checks.begin(), mine = begin + static_cast<std::ptrdiff_t>(first);
  const auto passed = [](const Check& c) { return c.pass; };
  if (std::all_of(mine, v.checks.end(), passed)) return;  // on time: nothing to excuse
  const bool others_pass = std::all_of(begin, mine, passed);
  bool all_sent = true;  // of every kind: a hit the generator dropped was never measured
  for (int k = 0; k < kKindCount; ++k)
    if (const Group* group = m.group(static_cast<Kind>(k))) all_sent = all_sent && group->total.dropped == 0;
  if (!delay_counted || !all_sent || (!others_pass && !(failures_stand && failures_stand()))) return;
  for (size_t i = first; i < v.checks.size(); ++i) {
    Check& c = v.checks[i];
    if (c.pass) continue;
    c.pass = true;
    c.warned = true;
    c.source = std::string(others_pass ? "the generator fell behind, but every hit was sent and every figure passed "
                                         "with its delay counted from the scheduled send: it could only have made "
                                         "the service look worse; "
                                       : "the generator fell behind, but the failed checks fail as well with latency "
                                         "from the actual send: its delay is not what failed them; ") +
               c.source;
  }
}

std::string generator_warning(const Metrics& m) {
  const GeneratorStats& g = m.generator();
  std::string what;
  const auto own = static_cast<double>(g.own_late());
  if (g.scheduled > 0 && own > kGeneratorLateLimit * static_cast<double>(g.scheduled) && own > kGeneratorLateAllowance)
    what = format_number("%.1f", 100.0 * own / static_cast<double>(g.scheduled)) + " % of hits late";
  if (const double cpu = generator_cpu_share(m); cpu >= kGeneratorCpuLimit)
    what += (what.empty() ? "" : ", ") + format_number("%.0f", cpu * 100) + " % CPU of its " +
            std::to_string(g.threads) + " thread" + (g.threads > 1 ? "s" : "");
  return what.empty() ? "" : "generator fell behind: " + what + "; figures include its delay";
}

std::string stall_note(const Metrics& m) {
  const GeneratorStats& g = m.generator();
  if (g.stalled == 0 || g.scheduled == 0) return "";
  return format_number("%.2f", 100.0 * static_cast<double>(g.stalled) / static_cast<double>(g.scheduled)) +
         " % of hits went out late in " + std::to_string(g.stalls) + " stall" + (g.stalls == 1 ? "" : "s") +
         " of the machine (" + format_duration_short(Nanos(g.stall_ns)) +
         " in all: the kernel or the hypervisor held the generator's core, by the stall probes, which saw the cores "
         "held " + format_duration_short(Nanos(std::max<int64_t>(0, g.machine_stall_ns))) + " in all); their latency "
         "counts the delay";
}

void check_measured(const Metrics& m, Kind kind, Verdict& v) {
  const Group* g = m.group(kind);
  const double requests = g ? static_cast<double>(g->total.requests) : 0;
  const double success = g ? static_cast<double>(g->total.success) : 0;
  v.checks.push_back(make("requests", requests, 1, Check::Op::kAtLeast, Unit::kCount, "measured something"));
  v.checks.push_back(make("successes", success, 1, Check::Op::kAtLeast, Unit::kCount, "the service answered"));
}

namespace {

// The checks of `t` on one set of stats (a kind's total or one target's), names prefixed.
void evaluate_stats(const Stats& st, const Summary& s, const Thresholds& t, const std::string& source,
                    const std::string& prefix, Verdict& v) {
  const Histogram& h = t.uncorrected ? st.uncorrected : st.latency;
  const std::string suffix = t.uncorrected ? " (uncorrected)" : "";
  for (const LatencyLimit& l : latency_limits(t)) {
    v.checks.push_back(make(prefix + l.figure->name + suffix, latency_value(*l.figure, h),
                            static_cast<double>(l.limit.count()), Check::Op::kBelow, Unit::kNanos,
                            at(source, l.figure->name)));
  }
  if (t.first)
    v.checks.push_back(make(prefix + "first p99", static_cast<double>(st.first.percentile(99)),
                            static_cast<double>(t.first->count()), Check::Op::kBelow, Unit::kNanos,
                            at(source, "first")));
  for (const auto& [phase, limits] : t.phases) {
    const Histogram* ph = st.phases ? phase_histogram(*st.phases, phase) : nullptr;
    for (const Figure& f : all_figures()) {
      const auto limit = limits.find(f.name);
      if (limit == limits.end()) continue;
      const std::string where = at(source, "phases." + phase + "." + f.name);
      if (ph == nullptr || ph->count() == 0) {  // nothing to judge: a failure, never a pass
        Check c = make(prefix + phase + " " + f.name, 0, static_cast<double>(limit->second.count()), Check::Op::kBelow,
                       Unit::kNanos, where + " (no phases measured: only HTTP results have them)");
        c.pass = false;
        v.checks.push_back(c);
        continue;
      }
      v.checks.push_back(make(prefix + phase + " " + f.name, latency_value(f, *ph),
                              static_cast<double>(limit->second.count()), Check::Op::kBelow, Unit::kNanos, where));
    }
  }
  if (t.success)
    v.checks.push_back(make(prefix + "success", s.success_ratio, *t.success, Check::Op::kAtLeast, Unit::kRatio,
                            at(source, "success")));
  if (t.throughput)
    v.checks.push_back(make(prefix + "throughput", s.throughput, *t.throughput, Check::Op::kAtLeast, Unit::kPerSecond,
                            at(source, "throughput")));
  if (t.rate)
    v.checks.push_back(
        make(prefix + "rate", s.rate, *t.rate, Check::Op::kAtLeast, Unit::kPerSecond, at(source, "rate")));
  if (t.errors)
    v.checks.push_back(make(prefix + "errors", static_cast<double>(s.requests - s.success),
                            static_cast<double>(*t.errors), Check::Op::kAtMost, Unit::kCount, at(source, "errors")));
  if (t.late)  // dropped hits were never sent: later than late
    v.checks.push_back(make(prefix + "late",
                            s.requests ? static_cast<double>(s.late + s.dropped) / static_cast<double>(s.requests) : 0,
                            *t.late, Check::Op::kAtMost, Unit::kRatio, at(source, "late")));
}

// Stats of the target `key`: its exact label, or the one label ending with it ("/health").
const Stats* find_target(const Group& g, const std::string& key) {
  const Stats* found = nullptr;
  for (auto& [id, stats] : g.targets) {
    const std::string& label = interned(id);
    if (label == key) return stats.get();
    if (label.size() > key.size() && label.compare(label.size() - key.size(), key.size(), key) == 0)
      found = stats.get();
  }
  return found;
}

void evaluate_resources(const Metrics& m, const Thresholds& t, const std::string& source, Verdict& v) {
  for (const auto& [role, limits] : t.resources) {
    const std::string src = (source.empty() ? "" : source + ".") + "resources." + role;
    const bool seen = !m.resources().series(role).empty();
    if (!seen) {
      v.checks.push_back(
          make(role + " samples", 0, 1, Check::Op::kAtLeast, Unit::kCount, src + " (was it monitored?)"));
      continue;
    }
    if (limits.rss_bytes)
      v.checks.push_back(make(role + " peak rss MB", static_cast<double>(m.resources().peak_rss(role)) / 1048576.0,
                              static_cast<double>(*limits.rss_bytes) / 1048576.0, Check::Op::kAtMost, Unit::kCount,
                              src + ".rss"));
    if (limits.cpu_percent)
      v.checks.push_back(make(role + " peak cpu %", m.resources().peak_cpu(role), *limits.cpu_percent,
                              Check::Op::kAtMost, Unit::kCount, src + ".cpu"));
    if (limits.fds)
      v.checks.push_back(make(role + " peak fds", m.resources().peak_fds(role), *limits.fds, Check::Op::kAtMost,
                              Unit::kCount, src + ".fds"));
  }
}

}  // namespace

std::string window_breach(const Window& w, const Thresholds& t) {
  if (w.requests == 0) return "";
  for (const LatencyLimit& l : latency_limits(t)) {
    if (l.figure->percentile < 0) continue;
    const double v = latency_value(*l.figure, w.latency);
    if (v >= static_cast<double>(l.limit.count()))
      return std::string(l.figure->name) + " " + format_value(v, Unit::kNanos) +
             " >= " + format_value(static_cast<double>(l.limit.count()), Unit::kNanos);
  }
  if (t.success) {
    const double ratio = static_cast<double>(w.success) / static_cast<double>(w.requests);
    if (ratio < *t.success)
      return "success " + format_value(ratio, Unit::kRatio) + " < " + format_value(*t.success, Unit::kRatio);
  }
  return "";
}

namespace {

// `t` gating latency from the actual send (the generator's delay left out), without the
// generator checks, for itself, its kinds and its targets.
Thresholds without_delay(Thresholds t) {
  t.uncorrected = true;
  t.generator = false;
  for (auto* subs : {&t.kinds, &t.targets})
    for (auto& [name, sub] : *subs) sub = without_delay(sub);
  return t;
}

// Whether no thresholds of t.kinds or t.targets gate on uncorrected latency.
bool delay_counted_in_kinds(const Thresholds& t) {
  for (const auto* subs : {&t.kinds, &t.targets})
    for (const auto& [name, sub] : *subs)
      if (sub.uncorrected || !delay_counted_in_kinds(sub)) return false;
  return true;
}

// evaluate(m, t, source), giving the summary of the gated kind to `summary`.
Verdict evaluate_kind(const Metrics& m, const Thresholds& t, const std::string& source, Summary& summary) {
  Verdict v;
  const Kind kind = kind_for(m, t.kind);
  const Group* g = m.group(kind);
  summary = m.summarize(kind);
  v.context = context_line(summary);
  if (g) {
    evaluate_stats(g->total, summary, t, source, "", v);
    if (t.window) evaluate_windows(*g, t, source, v);
    for (const auto& [key, sub] : t.targets) {
      // The gated kind's target, else another kind's (a journey's gRPC or WebSocket step).
      Kind found = kind;
      const Stats* st = find_target(*g, key);
      for (int k = 0; !st && k < kKindCount; ++k)
        if (const Group* other = m.group(static_cast<Kind>(k)); other && other != g) {
          st = find_target(*other, key);
          found = static_cast<Kind>(k);
        }
      const std::string src = (source.empty() ? "" : source + ".") + "targets." + key;
      if (!st) {
        v.checks.push_back(make(key + " requests", 0, 1, Check::Op::kAtLeast, Unit::kCount, src + " (no such target)"));
        continue;
      }
      evaluate_stats(*st, summarize(*st, found), sub, src, key + " ", v);
    }
  }
  evaluate_resources(m, t, source, v);
  check_measured(m, kind, v);
  for (const auto& [name, sub] : t.kinds) {
    Thresholds kind_thresholds = sub;
    kind_thresholds.generator = false;  // one generator, checked once
    Verdict k = evaluate(m, kind_thresholds, source.empty() ? "" : source + ".kinds." + name);
    for (Check& c : k.checks) {
      if (c.source == "the service answered") continue;  // the primary kind's check says it
      c.name = name + " " + c.name;
      v.checks.push_back(std::move(c));
    }
  }
  // Last: whether a late generator fails the run depends on every other check, and on whether
  // the failed ones fail as well without its delay.
  if (t.generator)
    generator_checks(m, v, !t.uncorrected && delay_counted_in_kinds(t),
                     [&] { return !evaluate(m, without_delay(t), source).pass(); });
  return v;
}

}  // namespace

Verdict evaluate(const Metrics& m, const Thresholds& t, const std::string& source) {
  Summary ignored;
  return evaluate_kind(m, t, source, ignored);
}

namespace {

// The reference as a side of a comparison: its trials, or its one run with its intervals.
Side reference_side(const Reference& r, const std::string& name) {
  Side out;
  out.name = name;
  size_t n = 0;
  for (const auto& [figure, values] : r.trials) n = std::max(n, values.size());
  for (size_t i = 0; i < n; ++i) {
    Figures f;
    f.name = name;
    for (const auto& [figure, values] : r.trials)
      if (i < values.size()) f.values[figure] = values[i];
    out.trials.push_back(std::move(f));
  }
  if (out.trials.empty()) {
    out.trials.push_back(Figures{name, r.figures});
    for (const auto& [figure, iv] : r.intervals)
      if (auto it = r.figures.find(figure); it != r.figures.end())
        out.intervals[figure] = Interval{it->second, iv.first, iv.second, true};
  }
  return out;
}

}  // namespace

std::vector<Check> reference_checks(const Summary& s, const Criteria& against, const std::vector<Summary>& trials) {
  std::vector<Check> out;
  if (!against.reference) return out;
  const Reference& r = *against.reference;
  const bool statistical = r.trials.size() > 0 || !r.intervals.empty();
  const std::string recorded = r.recorded_at.empty() ? "" : ", recorded " + r.recorded_at;
  std::vector<Judgement> judged;
  if (statistical) {
    JudgeOptions o;
    for (auto& [name, tolerance] : against.tolerance) {
      o.figures.push_back(name);
      o.per_figure[name] = tolerance;
    }
    judged = judge(reference_side(r, against.source("reference")),
                   side_of(trials.size() > 1 ? trials : std::vector<Summary>{s}, "this run"), o);
  }
  for (auto& [name, tolerance] : against.tolerance) {
    const Figure& f = *find_figure(name);  // validated when the baseline was loaded
    const double ref = r.figures.at(name);
    const std::string& figure = name;  // (a structured binding cannot be captured before C++20's clang 16)
    auto j = std::find_if(judged.begin(), judged.end(), [&figure](const Judgement& x) { return x.figure == figure; });
    if (j == judged.end()) {
      const std::string source = against.source("reference." + name) + " " + format_value(ref, f.unit) + " " +
                                 (f.higher_is_better ? "-" : "+") + format_number("%.0f%%", tolerance * 100) + recorded;
      out.push_back(make(name + " regression", f.of(s), tolerance_limit(f, ref, tolerance),
                         f.higher_is_better ? Check::Op::kAtLeast : Check::Op::kAtMost, f.unit, source));
      continue;
    }
    // With statistics: the change (worse is positive) against the tolerance; it fails only when
    // it is also significant.
    Check c;
    c.name = name + " regression";
    c.measured = f.higher_is_better ? -j->change : j->change;
    c.limit = j->tolerance;
    c.op = Check::Op::kAtMost;
    c.unit = Unit::kRatio;
    c.pass = j->outcome != Outcome::kRegression;
    c.source = j->evidence() + ": " + outcome_name(j->outcome) + " (" + j->method + ", against " +
               against.source("reference." + name) + " " + format_value(ref, f.unit) + recorded + ")";
    out.push_back(std::move(c));
  }
  return out;
}

Verdict evaluate(const Metrics& m, const Criteria& against, const std::vector<Summary>& trials) {
  Summary s;
  Verdict v = evaluate_kind(m, against.thresholds, against.source("thresholds"), s);
  // Before the "measured something" checks, after the thresholds.
  auto pos =
      std::find_if(v.checks.begin(), v.checks.end(), [](const Check& c) { return c.source == "measured something"; });
  const std::vector<Check> refs = reference_checks(s, against, trials);
  v.checks.insert(pos, refs.begin(), refs.end());
  return v;
}

Check event_check(const std::string& name, const std::string& source) {
  return make(name, 1, 0, Check::Op::kAtMost, Unit::kCount, source);
}

Check latency_check(const Metrics& m, double percentile, Nanos limit, const std::string& source) {
  const Group* g = m.group(m.primary());
  const double measured = g ? static_cast<double>(g->total.latency.percentile(percentile)) : 0;
  const std::string name = percentile >= 100 ? "max" : "p" + format_number("%g", percentile);
  return make(name, measured, static_cast<double>(limit.count()), Check::Op::kBelow, Unit::kNanos, source);
}

std::string context_line(const Summary& s) {
  std::string top = "none";
  uint64_t most = 0;
  for (size_t i = 0; i < s.errors.size(); ++i)
    if (s.error_counts[i] > most) most = s.error_counts[i], top = s.errors[i] + " (x" + std::to_string(most) + ")";
  return std::to_string(s.requests) + " requests at " + format_number("%.2f", s.rate) + "/s, success " +
         format_number("%.2f%%", s.success_ratio * 100) + ", p50 " + format_duration_short(Nanos(s.latency.p50)) +
         ", p99 " + format_duration_short(Nanos(s.latency.p99)) + ", late " + std::to_string(s.late) +
         ", top error: " + top;
}

void append_history(const std::string& path, const std::string& scenario, const Summary& s, const Verdict& v,
                    const std::vector<Summary>& trials) {
  nlohmann::ordered_json j;
  j["time"] = format_rfc3339(unix_now_ns());
  j["scenario"] = scenario;
  // Ours, else the first of CI's own names for the same thing that is set.
  auto first_env = [](Env ours, std::initializer_list<const char*> ci) -> std::string {
    if (auto v = env(ours)) return *v;
    for (const char* n : ci)
      if (const char* v = std::getenv(n); v && *v) return v;
    return "";
  };
  if (auto c = first_env(Env::kCommit, {"GITHUB_SHA", "CI_COMMIT_SHA"}); !c.empty()) j["commit"] = c;
  if (auto r = first_env(Env::kRunId, {"GITHUB_RUN_ID", "CI_PIPELINE_ID"}); !r.empty()) j["run"] = r;
  j["pass"] = v.pass();
  j["failures"] = v.failures();
  for (auto& [k, x] : reference_figures(s)) j["figures"][k] = x;
  j["figures"]["requests"] = s.requests;
  j["figures"]["late"] = s.late;
  for (const std::string& k : reference_figure_names()) {
    auto it = s.intervals.find(k);
    if (it != s.intervals.end() && it->second.known) j["intervals"][k] = {it->second.low, it->second.high};
  }
  for (const Summary& t : trials) {
    nlohmann::ordered_json f;
    for (auto& [k, x] : reference_figures(t)) f[k] = x;
    j["trials"].push_back(f);
  }
  for (const Check& c : v.checks)
    j["checks"].push_back({{"name", c.name}, {"measured", c.measured}, {"limit", c.limit}, {"pass", c.pass}, {"warned", c.warned}});
  std::ofstream out(path, std::ios::app);
  if (!out) throw InputError(path, 0, "", "cannot append to history file");
  out << j.dump() << "\n";
  out.flush();
  if (!out) throw InputError(path, 0, "", "writing to the history file failed (full disk?)");
}

}  // namespace loadgate
