// calibration.h (gate layer): how noisy is this runner? (issue #24) A/A trials of a scenario (the same load,
// run back to back) give each figure's spread between runs; from it follow the tolerance and the
// number of trials at which a gate judged with statistics (judge.h) raises a false alarm at a
// chosen rate. `loadgate calibrate` runs the trials and writes the result into the baseline.
//
//   loadgate::Calibration c = loadgate::calibrate(trial_summaries, {});
//   std::cout << loadgate::calibration_table(c);
#pragma once

#include <string>
#include <vector>

#include "loadgate/metrics.h"

namespace loadgate {

/// FigureNoise is one figure's spread between A/A trials and the tolerance it calls for.
struct FigureNoise {
  std::string figure;      ///< "p99"
  double median = 0;       ///< over the trials, in the figure's unit
  double spread = 0;       ///< robust standard deviation of the log of the figure (1.4826 x MAD): ~ the relative spread
  double tolerance = 0;    ///< the tolerance chosen at Calibration::trials trials a side (relative)
};

/// CalibrationOptions set the aim.
struct CalibrationOptions {
  std::vector<std::string> figures;  ///< judged; empty = p50 p90 p99 success throughput
  double false_alarm = 0.05;         ///< chance that an A/A gate run fails, all figures together
  double target = 0.10;              ///< the tolerance wanted: trials are added until every figure's fits
  int max_trials = 20;               ///< at most this many trials a side
  double floor = 0.01;               ///< no tolerance below this
};

/// Calibration is what the A/A trials say of this runner.
struct Calibration {
  int runs = 0;              ///< A/A trials measured
  double false_alarm = 0;    ///< as asked
  int trials = 0;            ///< trials a side chosen: the fewest at which every tolerance <= target
  bool reached = false;      ///< whether `trials` <= max_trials reached the target
  std::vector<FigureNoise> figures;
};

/// From the summaries of A/A trials (at least 3). A figure's estimated change between two gate
/// runs of k trials each (the Hodges-Lehmann shift of the logs) has a standard deviation of about
/// 1.02 x spread x sqrt(2 / k); its tolerance is that times the normal quantile of
/// 1 - false_alarm / figures (one-sided, Bonferroni over the figures), rounded up to 0.5 %.
/// Throws InputError with fewer than 3 trials.
Calibration calibrate(const std::vector<Summary>& trials, const CalibrationOptions& o = {});

/// The table behind a calibration: each figure's median, spread and tolerance, the trials chosen.
std::string calibration_table(const Calibration& c);

}  // namespace loadgate
