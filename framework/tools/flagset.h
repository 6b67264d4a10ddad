// flagset.h: how a command declares its flags, Go style (-rate=50, -duration 30s, --rate=50),
// without seeing CLI11: only flagset.cc compiles it (it is slow to compile).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}  // namespace CLI

namespace loadgate::cli {

/// FlagSet declares the flags of one command. A name may carry a one-letter alias after a
/// comma ("requests,n"). Every value keeps the default it had when declared.
class FlagSet {
 public:
  /// Wraps a CLI11 (sub)command.
  explicit FlagSet(CLI::App* app) : app_(app) {}
  /// A string flag.
  void string(const char* name, std::string* v, const char* help);
  /// A repeatable string flag (-header a -header b); with `delimiter`, one value may hold
  /// several ("a,b").
  void strings(const char* name, std::vector<std::string>* v, const char* help, char delimiter = 0);
  /// An integer flag.
  void integer(const char* name, int* v, const char* help);
  /// An integer flag whose absence is known (nullopt until given).
  void optional_integer(const char* name, std::optional<int>* v, const char* help);
  /// A count flag (0 and up).
  void count(const char* name, uint64_t* v, const char* help);
  /// A number flag.
  void number(const char* name, double* v, const char* help);
  /// A boolean flag: -x, -x=true, -x=false; `negation` adds -no-x.
  void flag(const char* name, bool* v, const char* help, const char* negation = nullptr);
  /// Positional arguments after the flags.
  void positional(const char* name, std::vector<std::string>* v, const char* help);
  /// One required positional argument.
  void required_positional(const char* name, std::string* v, const char* help);
  /// Marks flag `name` (declared before) as required.
  void require(const char* name);
  /// A nested command ("baseline record").
  FlagSet subcommand(const char* name, const char* help);
  /// A nested command that may be given or not ("breakpoint grpc"): flags it does not know go
  /// to this command, so that shared flags can be given before or after its name.
  FlagSet optional_subcommand(const char* name, const char* help);
  /// Whether this (nested) command was the one given.
  bool chosen() const;

 private:
  CLI::App* app_;
};

}  // namespace loadgate::cli
