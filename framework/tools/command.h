// command.h: a command of the `loadgate` CLI. One file per command (cmd_*.cc) declares its
// flags and runs; main.cc keeps the table of commands.
#pragma once

#include <memory>
#include <ostream>
#include <string>

#include "flagset.h"

namespace loadgate::cli {

/// Exit codes shared by every command.
enum Exit : int {
  kOk = 0,
  kFailure = 1,   ///< runtime failure (I/O, server could not start)
  kBadInput = 2,  ///< bad flags, targets, results or baseline files
  kBreach = 3,    ///< a gate found a threshold breached (check, compare)
  kInconclusive = 4,  ///< a comparison could not tell (compare, ab): more trials, or a longer run
  kInterrupted = 130, ///< cut short by SIGINT or SIGTERM: what was measured is written, never a pass
};

/// Command is one verb: `define()` declares its flags (before parsing), `run()` acts on them.
class Command {
 public:
  virtual ~Command() = default;
  /// Declares the command's flags; their values are read by run().
  virtual void define(FlagSet& flags) = 0;
  /// Runs with the parsed flags; returns the exit code.
  virtual int run() = 0;
};

/// The factories of the commands, one per cmd_*.cc file, listed in main.cc.
std::unique_ptr<Command> attack_command();
std::unique_ptr<Command> report_command();
std::unique_ptr<Command> encode_command();
std::unique_ptr<Command> plot_command();
std::unique_ptr<Command> compare_command();
std::unique_ptr<Command> check_command();
std::unique_ptr<Command> baseline_command();
std::unique_ptr<Command> breakpoint_command();
std::unique_ptr<Command> grpc_command();
std::unique_ptr<Command> ws_command();
std::unique_ptr<Command> run_command();
std::unique_ptr<Command> journey_command();
std::unique_ptr<Command> serve_command();
std::unique_ptr<Command> ab_command();
std::unique_ptr<Command> history_command();
std::unique_ptr<Command> calibrate_command();
std::unique_ptr<Command> replay_command();
std::unique_ptr<Command> convert_command();

/// Prints "loadgate <command>: <message>" to stderr and returns `code`.
int fail(const std::string& command, const std::string& message, int code);

/// Says that the output file `path` could not be opened, with the reason in errno ("No such file
/// or directory"), and returns kBadInput when the path itself is wrong (a missing directory, a
/// directory, no permission), else kFailure.
int cannot_open_output(const std::string& command, const std::string& path);

/// Flushes `out` and returns `code`, or, when anything written to it was lost (a closed pipe, a
/// full disk), says so and returns kFailure: a report is never lost silently.
int written(const std::string& command, std::ostream& out, int code);

}  // namespace loadgate::cli
