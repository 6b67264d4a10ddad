// attack_command.h: what every attacking command (attack, journey, grpc, ws) shares, declared once:
// -name, where results go, -monitor-*, -prometheus-*, Ctrl-C, the progress line and the closing
// summary line. A command declares only its protocol's flags and says how it attacks.
#pragma once

#include <string>

#include "command.h"
#include "flags.h"
#include "loadgate/attack.h"

namespace loadgate::cli {

/// AttackCommand is the base of every attacking command.
class AttackCommand : public Command {
 public:
  /// How a command gives its results on stdout.
  enum class Output {
    kResults,  ///< Vegeta's: results to -output, stdout by default (attack, journey)
    kSummary,  ///< ghz's: a summary on a terminal, results when piped or to -output (grpc, ws)
  };
  /// `verb` ("attack") prefixes every message.
  AttackCommand(const char* verb, Output output) : verb_(verb), output_(output) {}

  /// The command's own flags (define_protocol()), then -name, the output, monitor and
  /// Prometheus flags.
  void define(FlagSet& f) final;
  /// Parses (prepare()), attacks (attack()), writes results, then the summary when asked.
  int run() override;

 protected:
  /// Declares the command's own flags: its protocol's and its load's.
  virtual void define_protocol(FlagSet& f) = 0;
  /// Parses the command's own flags and returns the load. Throws InputError (exit 2).
  virtual Load prepare() = 0;
  /// Runs one attack (one trial) with `o`.
  virtual AttackRun attack(const AttackOptions& o) = 0;
  /// Writes the summary to stdout (Output::kSummary, when stdout gets one).
  virtual void summary(const AttackRun& run) { (void)run; }
  /// The attack's name when -name is not given.
  virtual std::string default_name() const { return ""; }

  const char* verb() const { return verb_; }
  const OutputFlags& out() const { return out_; }

 private:
  const char* verb_;
  Output output_;
  std::string name_;
  OutputFlags out_;
  MonitorFlags monitor_;
  LiveFlags prom_;
};

}  // namespace loadgate::cli
