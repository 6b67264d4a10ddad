// run_attack.h: what every attacking command shares: the results output, Ctrl-C, the progress
// line, and the closing summary line.
#pragma once

#include <functional>
#include <string>

#include "flags.h"
#include "loadgate/attack.h"

namespace loadgate::cli {

/// Runs `attack` with results written to `path` ("stdout", "-", a file, or "" for none),
/// SIGINT/SIGTERM ending it cleanly and a progress line on a terminal (unless out.quiet, or
/// always with out.progress); returns the exit code and fills `run`. `command` prefixes
/// messages; InputError becomes exit 2.
/// With `prom`, live figures are served (and pushed) as those flags say.
int run_attack(const std::string& command, const std::string& path, const OutputFlags& out, AttackOptions& load,
               const std::function<AttackRun(const AttackOptions&)>& attack, AttackRun& run,
               const PrometheusFlags* prom = nullptr);

}  // namespace loadgate::cli
