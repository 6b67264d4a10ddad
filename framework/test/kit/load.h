// load.h: the attack options tests use most: a constant rate for a time, a count of hits on a
// number of connections, or a time alone (protocols that pace themselves).
#pragma once

#include <cstdint>

#include "loadgate/attack.h"
#include "loadgate/pacer.h"

namespace loadgate::testing {

/// The open model: `per_second` hits/s at a constant rate for `duration`.
inline AttackOptions open_load(double per_second, Nanos duration) {
  AttackOptions o;
  o.rate.pacer = constant_pacer(per_second);
  o.duration = duration;
  return o;
}

/// The closed model: `requests` hits in all over `connections` connections.
inline AttackOptions closed_load(int connections, uint64_t requests) {
  AttackOptions o;
  o.workers = connections;
  o.requests = requests;
  return o;
}

/// An attack bounded by `duration` alone, each exchange by `timeout`.
inline AttackOptions lasting(Nanos duration, Nanos timeout) {
  AttackOptions o;
  o.duration = duration;
  o.timeout = timeout;
  return o;
}

}  // namespace loadgate::testing
