// run_attack.h: what every attacking command shares: the results output, Ctrl-C, the progress
// line, and the closing summary line.
#pragma once

#include <functional>
#include <string>

#include "loadgate/attack.h"

namespace loadgate::cli {

/// Parses -monitor-pid values: "PID" (role "sut", "sut2", ...) or "ROLE=PID". Throws InputError.
std::vector<Monitor::Target> monitor_flags(const std::vector<std::string>& values);

/// Where results and the human summary go.
struct Output {
  std::string path = "stdout";  ///< binary results: "stdout", "-", a file, or "" for none
  bool quiet = false;           ///< no progress line and no closing line
  bool progress = false;        ///< progress even when stderr is not a terminal
};

/// Runs `attack` with results written to `out.path`, SIGINT/SIGTERM ending it cleanly and a
/// progress line on a terminal; returns the exit code and fills `run`. `command` prefixes
/// messages. InputError becomes exit 2.
int run_attack(const std::string& command, const Output& out, AttackInfo info, AttackOptions& load,
               const std::function<AttackRun(const AttackOptions&)>& attack, AttackRun& run);

}  // namespace loadgate::cli
