// capacity.cc: cost tables, the Need of a load, and the cost file.
#include "loadgate/capacity.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <sys/stat.h>

#include "loadgate/environment.h"
#include "loadgate/load.h"
#include "loadgate/size.h"

namespace loadgate {
namespace {

// The reference machine's tables (2 cores of a virtual machine, server and client on a core
// each): ws from ci/bench-ws (1000 connections, the embedded echo server); http from
// ci/bench-http's open model against nginx (issue #25's table; the embedded API's own cost
// taken as nginx's); grpc from ci/bench-grpc (the kernel service).
std::vector<CostPoint> reference(const std::string& protocol) {
  if (protocol == "ws")
    return {{1000, 0.05, 0.03}, {10000, 0.30, 0.16}, {20000, 0.50, 0.30}, {50000, 0.80, 0.62}, {100000, 1.05, 0.90}};
  if (protocol == "grpc") return {{1000, 0.05, 0.05}, {10000, 0.35, 0.30}, {28000, 0.90, 0.60}};
  return {{1000, 0.05, 0.05}, {10000, 0.44, 0.40}, {30000, 0.62, 0.60}, {50000, 0.71, 0.70}, {70000, 1.01, 1.00}};
}

std::string unit_of(const std::string& protocol) {
  if (protocol == "ws") return "msg/s";
  if (protocol == "grpc") return "calls/s";
  return "req/s";
}

std::string with_commas(double v) {
  std::string digits = std::to_string(static_cast<long long>(std::llround(v)));
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<size_t>(i), ",");
  return digits;
}

std::string cores_text(double c) {
  char buf[32];
  std::snprintf(buf, sizeof buf, c >= 1 ? "%.1f" : "%.2f", c);
  return buf;
}

nlohmann::json read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return nlohmann::json::object();
  auto j = nlohmann::json::parse(in, nullptr, false);
  return j.is_object() ? j : nlohmann::json::object();
}

}  // namespace

std::string cost_file() {
  if (auto f = env(Env::kCostFile)) return *f;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/loadgate/cost.json";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/loadgate/cost.json";
  return "";
}

std::vector<CostPoint> cost_table(const std::string& protocol) {
  std::vector<CostPoint> table;
  const std::string path = cost_file();
  if (!path.empty()) {
    const auto j = read_file(path);
    if (j.contains(protocol) && j[protocol].is_array())
      for (const auto& p : j[protocol])
        if (p.is_array() && p.size() == 3 && p[0].is_number() && p[1].is_number() && p[2].is_number())
          table.push_back({p[0].get<double>(), p[1].get<double>(), p[2].get<double>()});
  }
  // Measured points first; the reference fills the rates they do not cover (and a service's
  // cost they did not measure).
  const std::vector<CostPoint> ref = reference(protocol);
  for (CostPoint& p : table)
    if (p.service_cores <= 0) p.service_cores = cost_at(ref, p.rate).service_cores;
  for (const CostPoint& r : ref) {
    const bool covered = std::any_of(table.begin(), table.end(), [&](const CostPoint& p) {
      return std::abs(p.rate - r.rate) <= 0.25 * r.rate;
    });
    if (!covered) table.push_back(r);
  }
  std::sort(table.begin(), table.end(), [](const CostPoint& a, const CostPoint& b) { return a.rate < b.rate; });
  return table;
}

CostPoint cost_at(const std::vector<CostPoint>& t, double rate) {
  if (t.empty() || rate <= 0) return {rate, 0, 0};
  auto lerp = [rate](const CostPoint& a, const CostPoint& b) {
    const double f = b.rate > a.rate ? (rate - a.rate) / (b.rate - a.rate) : 0;
    return CostPoint{rate, a.generator_cores + f * (b.generator_cores - a.generator_cores),
                     a.service_cores + f * (b.service_cores - a.service_cores)};
  };
  if (rate <= t.front().rate) return lerp(CostPoint{0, 0, 0}, t.front());
  for (size_t k = 1; k < t.size(); ++k)
    if (rate <= t[k].rate) return lerp(t[k - 1], t[k]);
  if (t.size() == 1) return {rate, t[0].generator_cores * rate / t[0].rate, t[0].service_cores * rate / t[0].rate};
  return lerp(t[t.size() - 2], t.back());
}

bool Need::fits(double share) const { return generator_cores + (service_here ? service_cores : 0) <= share * cores; }

std::string Need::line() const {
  std::string s = with_commas(rate) + " " + unit_of(protocol) + " needs about " + cores_text(generator_cores) +
                  (generator_cores >= 0.95 && generator_cores < 1.05 ? " core" : " cores") + " of generator";
  if (service_here) s += " and " + cores_text(service_cores) + " of service";
  s += "; " + std::to_string(cores) + (cores == 1 ? " core" : " cores") + " here";
  if (service_here) s += ", shared with the service";
  return s;
}

Need estimate_need(const std::string& protocol, double rate, bool service_here) {
  const CostPoint c = cost_at(cost_table(protocol), rate);
  Need n;
  n.protocol = protocol;
  n.rate = rate;
  n.generator_cores = c.generator_cores;
  n.service_cores = service_here ? c.service_cores : 0;
  n.cores = cores();
  n.service_here = service_here;
  return n;
}

double fit_factor(const std::string& protocol, double rate, bool service_here, double share) {
  if (rate <= 0 || estimate_need(protocol, rate, service_here).fits(share)) return 1;
  double lo = 0, hi = 1;  // the need grows with the rate: bisect
  for (int i = 0; i < 30; ++i) {
    const double mid = (lo + hi) / 2;
    (estimate_need(protocol, rate * mid, service_here).fits(share) ? lo : hi) = mid;
  }
  return lo;
}

void record_cost(const std::string& protocol, double rate, double generator_cores, double service_cores,
                 Nanos elapsed) {
  const std::string path = cost_file();
  if (path.empty() || rate <= 0 || generator_cores <= 0 || elapsed < std::chrono::seconds(2)) return;
  auto j = read_file(path);
  std::vector<CostPoint> points;
  if (j.contains(protocol) && j[protocol].is_array())
    for (const auto& p : j[protocol])
      if (p.is_array() && p.size() == 3 && p[0].is_number() && p[1].is_number() && p[2].is_number())
        points.push_back({p[0].get<double>(), p[1].get<double>(), p[2].get<double>()});
  // A point near this rate moves halfway to the new figures: one run on a noisy machine does not
  // set the table alone.
  CostPoint point{rate, generator_cores, service_cores};
  for (const CostPoint& p : points)
    if (std::abs(p.rate - rate) <= 0.25 * rate) {
      point.generator_cores = (p.generator_cores + generator_cores) / 2;
      if (p.service_cores > 0 && service_cores > 0) point.service_cores = (p.service_cores + service_cores) / 2;
    }
  points.erase(std::remove_if(points.begin(), points.end(),
                              [&](const CostPoint& p) { return std::abs(p.rate - rate) <= 0.25 * rate; }),
               points.end());
  points.push_back(point);
  std::sort(points.begin(), points.end(), [](const CostPoint& a, const CostPoint& b) { return a.rate < b.rate; });
  nlohmann::json arr = nlohmann::json::array();
  for (const CostPoint& p : points) arr.push_back({p.rate, p.generator_cores, p.service_cores});
  j[protocol] = arr;
  const auto slash = path.rfind('/');
  if (slash != std::string::npos) {  // mkdir -p of the folder
    for (size_t at = 1; at != std::string::npos && at <= slash; at = path.find('/', at + 1))
      ::mkdir(path.substr(0, at).c_str(), 0755);
  }
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp);
    if (!out) return;
    out << j.dump() << "\n";
    if (!out) return;
  }
  std::rename(tmp.c_str(), path.c_str());
}

void record_cost(const std::string& protocol, double rate, const Resources& r, Nanos elapsed) {
  if (r.series("generator").empty()) return;
  const double service = r.series("sut").empty() ? 0 : r.mean_cpu("sut") / 100;
  record_cost(protocol, rate, r.mean_cpu("generator") / 100, service, elapsed);
}

int threads_for(double generator_cores) {
  return std::clamp(static_cast<int>(std::ceil(generator_cores / 0.6)), 1, cores());
}

double peak_rate(const Pacer& pacer, Nanos duration) {
  const int64_t d = duration.count() > 0 ? duration.count() : 60'000'000'000;
  double peak = 0;
  for (int k = 0; k <= 200; ++k) peak = std::max(peak, pacer.rate(Nanos(d * k / 200)));
  return peak;
}

}  // namespace loadgate
