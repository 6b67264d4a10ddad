// attacker.h (internal): runs any Driver under AttackOptions.
#pragma once

#include "engine/driver.h"
#include "loadgate/attack.h"

namespace loadgate::engine {

/// Runs the attack described by `options` through `driver` and returns its measurements.
/// Blocks until the schedule has ended and every request has completed, timed out or been
/// cancelled. Throws InputError if the options are invalid.
AttackRun attack(Driver& driver, const AttackOptions& options);

}  // namespace loadgate::engine
