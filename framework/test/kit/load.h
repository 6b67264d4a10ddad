// load.h: the attack options tests use most: a constant rate for a time, a count of hits on a
// number of connections, or a time alone (protocols that pace themselves).
#pragma once

#include <cstdint>

#include "loadgate/attack.h"
#include "loadgate/pacer.h"

namespace loadgate::testing {

/// Connections an open-model test may open. Under a sanitizer the embedded service is slow
/// enough for the generator to grow its pool far (201 to 285 connections at 3,000/s under TSan),
/// each connection a service thread: the tests of the schedule need neither. (With the API
/// service's fixed pool of 64 threads then, the connections beyond it waited unanswered for
/// the 30 s timeout; its pool now grows, services/api/connection_pool.h.)
inline constexpr int kTestMaxWorkers = 48;

/// The open model: `per_second` hits/s at a constant rate for `duration`, on at most
/// kTestMaxWorkers connections.
inline AttackOptions open_load(double per_second, Nanos duration) {
  AttackOptions o;
  o.load.rate.pacer = constant_pacer(per_second);
  o.load.duration = duration;
  o.load.max_workers = kTestMaxWorkers;
  return o;
}

/// The closed model: `requests` hits in all over `connections` connections.
inline AttackOptions closed_load(int connections, uint64_t requests) {
  AttackOptions o;
  o.load.workers = connections;
  o.load.requests = requests;
  return o;
}

/// An attack bounded by `duration` alone, each exchange by `timeout`.
inline AttackOptions lasting(Nanos duration, Nanos timeout) {
  AttackOptions o;
  o.load.duration = duration;
  o.load.timeout = timeout;
  return o;
}

}  // namespace loadgate::testing
