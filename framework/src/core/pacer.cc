// pacer.cc: constant, linear, steps and sine pacers.
//
// Each pacer is defined by its cumulative hit function H(t) (hits due by time t, H(0) = 0);
// hit n is due at the t where H(t) = n, so due() inverts H. Constant, linear and steps invert
// in closed form; sine inverts numerically (H is monotonic when amp <= mean).
#include "loadgate/pacer.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "loadgate/error.h"

namespace loadgate {
namespace {

constexpr double kNsPerSec = 1e9;

// Nanoseconds, saturating: a due time past int64 (a rate of 1e-95/s) is "never", not a wrap to
// a time in the past (found by fuzz_flags: a ramp down to a tiny rate made due times decrease).
Nanos saturating_ns(long double ns) {
  if (!(ns < static_cast<long double>(INT64_MAX))) return Nanos::max();
  if (ns < 0) return Nanos{0};
  return Nanos{static_cast<int64_t>(std::llround(static_cast<double>(ns)))};
}
Nanos from_seconds(double s) { return saturating_ns(static_cast<long double>(s) * kNsPerSec); }
double seconds(Nanos d) { return static_cast<double>(d.count()) / kNsPerSec; }

std::string rate_text(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", r);
  return buf;
}

class ConstantPacer final : public Pacer {
 public:
  ConstantPacer(double freq, Nanos per) : freq_(freq), per_(per) {}
  std::optional<Nanos> due(uint64_t hit) const override {
    // hit * per / freq without losing precision for large hit counts.
    return saturating_ns(static_cast<long double>(hit) * per_.count() / freq_);
  }
  double rate(Nanos) const override { return freq_ / seconds(per_); }
  std::string describe() const override { return rate_text(freq_) + "/" + format_duration(per_); }

 private:
  double freq_;
  Nanos per_;
};

// rate(t) = from + slope * t for t < ramp, then `to`.
// H(t) = from * t + slope * t^2 / 2 (t <= ramp), inverted with the quadratic formula.
class LinearPacer final : public Pacer {
 public:
  LinearPacer(double from, double to, Nanos ramp)
      : from_(from),
        to_(to),
        ramp_s_(seconds(ramp)),
        slope_((to - from) / seconds(ramp)),
        ramp_hits_(from * ramp_s_ + slope_ * ramp_s_ * ramp_s_ / 2) {}
  std::optional<Nanos> due(uint64_t hit) const override {
    const double n = static_cast<double>(hit);
    if (n >= ramp_hits_) {
      if (to_ <= 0) return std::nullopt;
      return from_seconds(ramp_s_ + (n - ramp_hits_) / to_);
    }
    if (hit == 0) return Nanos{0};  // a ramp from 0 starts at 0 too (0 / 0 below would be NaN)
    if (std::fabs(slope_) < 1e-12) return from_seconds(n / from_);
    // Numerically stable root of slope/2 t^2 + from t - n = 0.
    const double disc = from_ * from_ + 2 * slope_ * n;
    const double t = 2 * n / (from_ + std::sqrt(std::max(0.0, disc)));
    return from_seconds(t);
  }
  double rate(Nanos elapsed) const override {
    const double t = seconds(elapsed);
    return t >= ramp_s_ ? to_ : from_ + slope_ * t;
  }
  std::string describe() const override {
    return rate_text(from_) + ".." + rate_text(to_) + "@" + format_duration(from_seconds(ramp_s_));
  }

 private:
  double from_, to_, ramp_s_, slope_, ramp_hits_;
};

// H at the start of step k is the sum of rate * step of the steps before it.
class StepsPacer final : public Pacer {
 public:
  StepsPacer(std::vector<double> rates, Nanos step) : rates_(std::move(rates)), step_(step) {
    double h = 0;
    for (double r : rates_) {
      starts_.push_back(h);
      h += r * seconds(step_);
    }
  }
  std::optional<Nanos> due(uint64_t hit) const override {
    const double n = static_cast<double>(hit);
    // Last step whose start count is <= n and that has a positive rate (or the last step).
    size_t k = static_cast<size_t>(std::upper_bound(starts_.begin(), starts_.end(), n) - starts_.begin()) - 1;
    while (k + 1 < rates_.size() && rates_[k] <= 0) ++k;  // zero-rate steps hold no hits
    if (k + 1 == rates_.size() && rates_[k] <= 0) return std::nullopt;
    return from_seconds(static_cast<double>(k) * seconds(step_) + (n - starts_[k]) / rates_[k]);
  }
  double rate(Nanos elapsed) const override {
    const auto k = static_cast<size_t>(elapsed.count() / std::max<int64_t>(1, step_.count()));
    return rates_[std::min(k, rates_.size() - 1)];
  }
  std::string describe() const override {
    std::string out;
    for (double r : rates_) out += (out.empty() ? "" : ",") + rate_text(r);
    return out + "@" + format_duration(step_);
  }

 private:
  std::vector<double> rates_;
  std::vector<double> starts_;
  Nanos step_;
};

// rate(t) = mean + amp sin(w t), w = 2 pi / period.
// H(t) = mean t + (amp / w) (1 - cos(w t)), monotonic since amp <= mean; inverted by Newton's
// method from the constant-rate guess, safeguarded by bisection.
class SinePacer final : public Pacer {
 public:
  SinePacer(double mean, double amp, Nanos period)
      : mean_(mean), amp_(amp), period_(period), w_(2 * M_PI / seconds(period)) {}
  std::optional<Nanos> due(uint64_t hit) const override {
    const double n = static_cast<double>(hit);
    double lo = (n - 2 * amp_ / w_) / mean_, hi = n / mean_ + 1e-9;
    lo = std::max(0.0, lo);
    double t = n / mean_;
    for (int i = 0; i < 60; ++i) {
      const double f = hits(t) - n;
      if (std::fabs(f) < 1e-7) break;
      if (f > 0)
        hi = t;
      else
        lo = t;
      const double r = mean_ + amp_ * std::sin(w_ * t);
      double next = r > 1e-9 ? t - f / r : (lo + hi) / 2;
      if (next <= lo || next >= hi) next = (lo + hi) / 2;
      t = next;
    }
    return from_seconds(t);
  }
  double rate(Nanos elapsed) const override { return mean_ + amp_ * std::sin(w_ * seconds(elapsed)); }
  std::string describe() const override {
    return "sine:" + rate_text(mean_) + ":" + rate_text(amp_) + ":" + format_duration(period_);
  }

 private:
  double hits(double t) const { return mean_ * t + (amp_ / w_) * (1 - std::cos(w_ * t)); }
  double mean_, amp_;
  Nanos period_;
  double w_;
};

std::optional<double> parse_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string str(s);
  char* end = nullptr;
  const double v = std::strtod(str.c_str(), &end);
  if (end != str.c_str() + str.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

// Splits "X@DUR" into X and the parsed duration (nullopt when there is no '@').
std::pair<std::string_view, std::optional<Nanos>> split_at(std::string_view spec) {
  const auto at = spec.find('@');
  if (at == std::string_view::npos) return std::pair{spec, std::optional<Nanos>{}};
  auto d = parse_duration(spec.substr(at + 1));
  if (!d || d->count() <= 0)
    throw InputError("", 0, "", "\"" + std::string(spec) + "\": bad duration after '@' (want e.g. @30s)");
  return std::pair{spec.substr(0, at), d};
}

}  // namespace

Pace pace(const Pacer& pacer, Nanos elapsed, uint64_t hits) {
  auto due = pacer.due(hits);
  if (!due) return Pace{Nanos{0}, true};
  return Pace{std::max(Nanos{0}, *due - elapsed), false};
}

std::unique_ptr<Pacer> constant_pacer(double freq, Nanos per) { return std::make_unique<ConstantPacer>(freq, per); }
std::unique_ptr<Pacer> linear_pacer(double from, double to, Nanos ramp) {
  return std::make_unique<LinearPacer>(from, to, ramp);
}
std::unique_ptr<Pacer> steps_pacer(std::vector<double> rates, Nanos step) {
  return std::make_unique<StepsPacer>(std::move(rates), step);
}
std::unique_ptr<Pacer> sine_pacer(double mean, double amp, Nanos period) {
  return std::make_unique<SinePacer>(mean, amp, period);
}

RateSpec parse_rate(std::string_view spec, Nanos duration, Nanos step) {
  const std::string quoted = "\"" + std::string(spec) + "\"";
  if (spec == "0" || spec == "infinity" || spec == "inf") return RateSpec{};

  if (spec.substr(0, 5) == "sine:") {
    auto parts = split(spec.substr(5), ':');
    if (parts.size() != 3) throw InputError("", 0, "", quoted + ": want sine:MEAN:AMP:PERIOD, e.g. sine:100:50:60s");
    auto mean = parse_number(parts[0]), amp = parse_number(parts[1]);
    auto period = parse_duration(parts[2]);
    if (!mean || !amp || !period || *mean <= 0 || *amp < 0 || *amp > *mean || period->count() <= 0)
      throw InputError("", 0, "", quoted + ": want sine:MEAN:AMP:PERIOD with 0 <= AMP <= MEAN, MEAN > 0, PERIOD > 0");
    return RateSpec{sine_pacer(*mean, *amp, *period)};
  }

  auto [body, at_duration] = split_at(spec);

  if (auto dots = body.find(".."); dots != std::string_view::npos) {
    auto from = parse_number(body.substr(0, dots)), to = parse_number(body.substr(dots + 2));
    if (!from || !to || *from < 0 || *to < 0 || (*from == 0 && *to == 0))
      throw InputError("", 0, "", quoted + ": want FROM..TO[@RAMP] with rates >= 0, e.g. 10..500@60s");
    Nanos ramp = at_duration.value_or(duration);
    if (ramp.count() <= 0) throw InputError("", 0, "", quoted + ": a ramp needs @DURATION or -duration");
    return RateSpec{linear_pacer(*from, *to, ramp)};
  }

  if (body.find(',') != std::string_view::npos) {
    std::vector<double> rates;
    for (auto part : split(body, ',')) {
      auto r = parse_number(part);
      if (!r || *r < 0) throw InputError("", 0, "", quoted + ": want comma-separated rates >= 0, e.g. 50,100,200@30s");
      rates.push_back(*r);
    }
    if (std::all_of(rates.begin(), rates.end(), [](double r) { return r <= 0; }))
      throw InputError("", 0, "", quoted + ": every step has rate 0");
    Nanos s = at_duration.value_or(step);
    if (s.count() <= 0 && duration.count() > 0) s = Nanos{duration.count() / static_cast<int64_t>(rates.size())};
    if (s.count() <= 0) throw InputError("", 0, "", quoted + ": steps need @STEP, -step or -duration");
    return RateSpec{steps_pacer(std::move(rates), s)};
  }

  if (at_duration) throw InputError("", 0, "", quoted + ": '@' applies to ramps and steps only");
  // Vegeta's freq/per.
  std::string_view freq_text = body, per_text = "1s";
  if (auto slash = body.find('/'); slash != std::string_view::npos) {
    freq_text = body.substr(0, slash);
    per_text = body.substr(slash + 1);
  }
  std::string per_str(per_text);
  if (!per_str.empty() && !(per_str[0] >= '0' && per_str[0] <= '9')) per_str = "1" + per_str;
  auto freq = parse_number(freq_text);
  auto per = parse_duration(per_str);
  if (!freq || !per || *freq < 0 || per->count() <= 0)
    throw InputError("", 0, "", quoted + ": doesn't match the \"freq/duration\" format (i.e. 50/1s)");
  if (*freq == 0) return RateSpec{};
  if (*freq / seconds(*per) > kMaxRate)
    throw InputError(
        "", 0, "",
        quoted + ": above " + rate_text(kMaxRate) + "/s, the most a pacer schedules (use 0 for as fast as possible)");
  return RateSpec{constant_pacer(*freq, *per)};
}

}  // namespace loadgate
