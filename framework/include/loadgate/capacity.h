// capacity.h (core layer): what a load asks of this machine, said before it runs.
//
// A Need is the CPU a load's generator (and its service, when that runs here too) will use at
// the load's peak rate, read off a cost table of this machine: cores used against hits per
// second, per protocol, measured by earlier runs here (record_cost(), kept in the cost file)
// or, before any, by ci/bench-* on the reference machine (2 cores of a virtual machine).
//
//   loadgate::Need n = loadgate::estimate_need("ws", 100000, true);
//   if (!n.fits()) std::cerr << n.line() << "\n";
//   // 100,000 msg/s needs about 1.0 core of generator and 0.90 of service; 2 cores here, shared
//   // with the service
#pragma once

#include <string>
#include <vector>

#include "loadgate/duration.h"
#include "loadgate/pacer.h"
#include "loadgate/resources.h"

namespace loadgate {

/// The share of this machine's cores a load may need in all (generator and a service here) to
/// count as fitting: the rest is headroom for the machine's own noise (its stalls, see
/// GeneratorStats::stalled), which a paced generator cannot absorb when its cores are full.
inline constexpr double kFitShare = 0.5;

/// CostPoint is one measured point of a protocol's cost on this machine.
struct CostPoint {
  double rate = 0;             ///< hits (messages, calls) per second
  double generator_cores = 0;  ///< the generator's CPU at that rate (cores)
  double service_cores = 0;    ///< the service's, when it ran here (cores; 0 = not measured)
};

/// Need is a load's estimated CPU on this machine.
struct Need {
  std::string protocol;        ///< "http", "grpc", "ws"
  double rate = 0;             ///< peak hits per second
  double generator_cores = 0;  ///< estimated generator CPU (cores)
  double service_cores = 0;    ///< estimated service CPU, when the service runs here (cores)
  int cores = 1;               ///< this machine's
  bool service_here = false;   ///< the service shares this machine
  /// Whether generator and service together need at most `share` of the cores.
  bool fits(double share = kFitShare) const;
  /// One line: "100,000 msg/s needs about 1.0 core of generator and 0.90 of service; 2 cores
  /// here, shared with the service".
  std::string line() const;
};

/// The cost table of `protocol` on this machine: measured points from the cost file, else the
/// reference machine's, in rate order.
std::vector<CostPoint> cost_table(const std::string& protocol);

/// Cores at `rate` by the table: linear between points, from zero below the first, along the
/// last segment's slope past the last.
CostPoint cost_at(const std::vector<CostPoint>& table, double rate);

/// The Need of `rate` hits/s of `protocol`; `service_here` counts the service's CPU too.
Need estimate_need(const std::string& protocol, double rate, bool service_here);

/// The largest factor (at most 1) by which `rate` may be scaled for its Need to take at most
/// `share` of this machine's cores (kFitShare by default).
double fit_factor(const std::string& protocol, double rate, bool service_here, double share = kFitShare);

/// Records what a run of `protocol` cost here: `rate` hits/s (its peak), and the generator's and
/// the service's mean CPU in cores (service 0 = not measured). Runs shorter than 2 s and rates
/// of 0 (closed model) are not recorded. A point within 25 % of the rate of one
/// already there moves it halfway to the new figures.
/// Errors writing the file are ignored: the table is a hint, never a result.
void record_cost(const std::string& protocol, double rate, double generator_cores, double service_cores,
                 Nanos elapsed);

/// record_cost() of a run's own samples: the "generator" role's mean CPU, and the "sut" role's
/// when the service was watched.
void record_cost(const std::string& protocol, double rate, const Resources& resources, Nanos elapsed);

/// Threads for a generator that needs `generator_cores`: enough that none runs past 60 % of a
/// core, at most one per core (fewer threads, less competition with a service sharing them).
int threads_for(double generator_cores);

/// The cost file: $LOADGATE_COST_FILE, else $XDG_CACHE_HOME/loadgate/cost.json, else
/// ~/.cache/loadgate/cost.json.
std::string cost_file();

/// The highest rate `pacer` asks for within `duration` (hits/s; sampled at 200 instants).
double peak_rate(const Pacer& pacer, Nanos duration);

}  // namespace loadgate
