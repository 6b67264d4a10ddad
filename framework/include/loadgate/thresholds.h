// thresholds.h (gate layer): what a run is judged against: thresholds, a reference and its
// tolerances, and where they were written (every check names its source).
//
// The suite reads them from baseline files (baseline.h: Scenario::criteria()); the gate judges a
// run against them (gate.h: evaluate()), knowing nothing of scenarios, loads or services.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "loadgate/duration.h"

namespace loadgate {

/// ResourceLimits bound the peaks of one monitored process ("sut", "generator").
struct ResourceLimits {
  std::optional<uint64_t> rss_bytes;  ///< peak resident memory at most
  std::optional<double> cpu_percent;  ///< peak CPU at most (100 = one core)
  std::optional<double> fds;          ///< peak open files at most
};

/// Thresholds a run must meet. Unset fields are not checked. Latency limits are exclusive
/// (p99 < limit); success, throughput and rate are inclusive minimums.
struct Thresholds {
  /// Latency limits by latency figure's name ("p50" ... "p99.9", "max", "mean": figures.h).
  std::map<std::string, Nanos> latency;
  std::optional<double> success;     ///< minimum success ratio (0..1)
  std::optional<double> throughput;  ///< minimum successful requests per second
  std::optional<double> rate;        ///< minimum achieved request rate (per second)
  std::optional<uint64_t> errors;    ///< maximum failed results
  std::optional<double> late;        ///< maximum ratio of requests sent late (0..1)
  bool uncorrected = false;          ///< gate on latency from the actual send instead
  bool generator = true;             ///< check that the generator kept up (see generator_checks())
  std::string kind;                  ///< result kind to gate ("" = the run's primary kind)
  std::optional<Nanos> window;       ///< also check latency/success in every window this wide
  std::optional<Nanos> first;        ///< time to first byte/message below (streams)
  /// Limits on where HTTP requests' time went (metrics.h PhaseStats), exclusive as latency
  /// limits: phase ("waiting", phase_names()) -> latency figure's name ("p99") -> limit. Judged
  /// on a kind's whole, never per target (targets keep no phases).
  std::map<std::string, std::map<std::string, Nanos>> phases;
  /// Thresholds for other kinds of results of the same run, by kind name, e.g.
  /// {"ws-handshake": {"success": 0.99}, "ws-close": {"success": 0.99}}.
  std::map<std::string, Thresholds> kinds;
  /// Thresholds for one target of the run: its label, or the end of it ("/api/items").
  std::map<std::string, Thresholds> targets;
  /// Limits on monitored processes' peaks, by role.
  std::map<std::string, ResourceLimits> resources;

  /// The limit on latency figure `name` ("p99"), if one is set.
  std::optional<Nanos> latency_limit(const std::string& name) const {
    const auto it = latency.find(name);
    return it == latency.end() ? std::nullopt : std::optional<Nanos>(it->second);
  }
};

/// Reference holds the figures of the last accepted run, for regression checks.
struct Reference {
  std::string recorded_at;                ///< RFC 3339 time of the recording
  std::map<std::string, double> figures;  ///< "p99" -> ns, "throughput" -> per s, "success" -> ratio
  /// Each trial's value of a figure, when the reference was recorded from trials ("trials" in
  /// the file): the regression check then judges with statistics over them (compare.h).
  std::map<std::string, std::vector<double>> trials;
  /// The 95 % intervals of a one-run reference ("intervals"): the check judges with them.
  std::map<std::string, std::pair<double, double>> intervals;
};

/// Criteria is everything a run is judged against: its thresholds, the reference of the last
/// accepted run with a tolerance per figure, and where they were written.
struct Criteria {
  Thresholds thresholds;
  std::optional<Reference> reference;
  std::map<std::string, double> tolerance;  ///< figure -> allowed relative regression (0.2 = 20 %)
  std::string file;  ///< the file they came from ("baselines/api.json"), named in every check
  std::string key;   ///< the key path of their entry in it ("scenarios.heavy"), "" = its top
  /// Where `field` of the entry was written: "baselines/api.json: scenarios.heavy.thresholds".
  std::string source(const std::string& field) const {
    return file + ": " + (key.empty() ? field : key + "." + field);
  }
};

}  // namespace loadgate
