// pacer.h (core layer): when each hit is due.
//
// A Pacer maps hit numbers to due times, so the attacker always knows when a request *should*
// have been sent (the basis of coordinated-omission correction). Vegeta's interface,
// Pace(elapsed, hits) -> (wait, stop), is derived from it by pace().
//
//   auto p = loadgate::parse_rate("10..500@60s");   // linear ramp, 10 -> 500 req/s over 60 s
//   p.value()->due(1000);                             // offset of hit #1000 from the start
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loadgate/duration.h"

namespace loadgate {

/// Pacer decides when hit number n (0-based) is due, as an offset from the attack's start.
class Pacer {
 public:
  virtual ~Pacer() = default;
  /// Offset from the start at which hit `hit` is due; non-decreasing in `hit`. nullopt means
  /// the pacer sends no more hits.
  virtual std::optional<Nanos> due(uint64_t hit) const = 0;
  /// Instantaneous rate at `elapsed`, in hits per second (for progress lines and plots).
  virtual double rate(Nanos elapsed) const = 0;
  /// The spec this pacer was parsed from, e.g. "50/1s".
  virtual std::string describe() const = 0;
};

/// Pace is Vegeta's answer: how long to wait before the next hit, or stop.
struct Pace {
  Nanos wait{0};
  bool stop = false;
};
/// Vegeta's Pace(elapsed, hits): wait until hit number `hits` is due (0 when overdue).
Pace pace(const Pacer& pacer, Nanos elapsed, uint64_t hits);

/// Constant rate: `freq` hits every `per` (freq > 0, per > 0).
std::unique_ptr<Pacer> constant_pacer(double freq, Nanos per = std::chrono::seconds(1));
/// Linear ramp from `from` to `to` hits/s over `ramp`, then held at `to`. from, to >= 0,
/// not both 0; ramp > 0.
std::unique_ptr<Pacer> linear_pacer(double from, double to, Nanos ramp);
/// Steps: rates[k] hits/s during [k * step, (k + 1) * step); the last rate is held.
std::unique_ptr<Pacer> steps_pacer(std::vector<double> rates, Nanos step);
/// Sine: mean + amp * sin(2 pi t / period) hits/s; requires 0 <= amp <= mean, mean > 0.
std::unique_ptr<Pacer> sine_pacer(double mean, double amp, Nanos period);

/// Highest constant rate a pacer schedules (per second): beyond it, hits would be due at the
/// same nanosecond. "As fast as possible" is rate 0 (the closed model).
inline constexpr double kMaxRate = 1e8;

/// RateSpec is a parsed -rate flag: either a pacer (open model) or "as fast as possible" (0).
struct RateSpec {
  std::shared_ptr<const Pacer> pacer;  ///< null when unlimited (rate 0 / infinity)
  bool unlimited() const { return pacer == nullptr; }
};

/// Parses a -rate value. Accepted forms:
///   "50", "50/1s", "50/s", "3000/1m"   constant (Vegeta's freq/per)
///   "0", "infinity"                     unlimited: closed model, needs -max-workers
///   "10..500", "10..500@60s"            linear ramp (over `ramp`, default `duration`)
///   "50,100,200", "50,100,200@30s"      steps of `step` (default duration / number of steps)
///   "sine:100:50:60s"                   sine, mean 100, amplitude 50, period 60 s
/// `duration` is the attack's duration (0 = unbounded) used for the defaults above.
/// Throws InputError (its message quotes `spec` and names the accepted format) on anything else,
/// and for a constant rate above kMaxRate.
RateSpec parse_rate(std::string_view spec, Nanos duration = Nanos{0}, Nanos step = Nanos{0});

}  // namespace loadgate
