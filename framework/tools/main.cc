// main.cc: the `loadgate` command line: a table of commands. Accepts Go-style flags
// (-rate=50, -duration 30s) as Vegeta does, by rewriting single-dash long flags to CLI11's
// double-dash form before parsing.
#include <CLI/CLI.hpp>
#include <cstdlib>

#include "command.h"

namespace {

using loadgate::cli::Command;

// The commands, in `loadgate --help` order.
struct Entry {
  const char* name;
  const char* help;
  std::unique_ptr<Command> (*make)();
};
const Entry kCommands[] = {
    {"attack", "Attack HTTP targets and write results (binary) to stdout", &loadgate::cli::attack_command},
    {"report", "Report on results files (default stdin)", &loadgate::cli::report_command},
    {"encode", "Transcode results between binary, json and csv", &loadgate::cli::encode_command},
    {"plot", "Plot results files (one series each) as a self-contained HTML page", &loadgate::cli::plot_command},
    {"compare", "Compare two runs (results files, JSON reports or a history); exit 3 on a regression",
     &loadgate::cli::compare_command},
    {"ab", "Run two sides alternately (A B B A ...) for N trials each and judge the change with statistics",
     &loadgate::cli::ab_command},
    {"calibrate", "Run a scenario as A/A trials: this runner's noise per figure, and the tolerances and trials for a false-alarm rate (-write)",
     &loadgate::cli::calibrate_command},
    {"history", "Change points of every scenario and figure in a history file; -html trend page; -gate exits 3 on a new regression",
     &loadgate::cli::history_command},
    {"check", "Gate results against a baseline scenario; exit 3 on a breach", &loadgate::cli::check_command},
    {"baseline", "Manage baseline files", &loadgate::cli::baseline_command},
    {"breakpoint", "Find the highest rate at which HTTP targets, a gRPC method (grpc) or a WebSocket server (ws) meet an objective", &loadgate::cli::breakpoint_command},
    {"grpc", "Load a gRPC service: any method, from a .proto, a protoset or server reflection", &loadgate::cli::grpc_command},
    {"ws", "Load a WebSocket server: connections on a ramp, paced messages, round trips", &loadgate::cli::ws_command},
    {"run", "Start a baseline scenario's service, load it, gate it, stop it", &loadgate::cli::run_command},
    {"journey", "Run a multi-step journey file: journeys per second, values carried between steps", &loadgate::cli::journey_command},
    {"serve", "Run an embedded reference service until interrupted", &loadgate::cli::serve_command},
};

// "-rate=50" -> "--rate=50"; leaves "-1", "--x", "-" and values alone.
std::vector<std::string> go_style(int argc, char** argv) {
  std::vector<std::string> out;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    const bool single_dash_long =
        a.size() > 2 && a[0] == '-' && a[1] != '-' && !(a[1] >= '0' && a[1] <= '9') && a[1] != '.';
    out.push_back(single_dash_long ? "-" + a : a);
  }
  std::reverse(out.begin(), out.end());  // CLI11 parses a reversed vector
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  // Failed calls are results, not log lines: keep gRPC's own logging quiet unless asked for.
  setenv("GRPC_VERBOSITY", "NONE", 0);
  CLI::App app{"loadgate: load tests that gate CI (HTTP, gRPC, WebSocket)", "loadgate"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "loadgate 0.1.0");
  std::vector<std::pair<CLI::App*, std::unique_ptr<Command>>> commands;
  for (const Entry& e : kCommands) {
    CLI::App* sub = app.add_subcommand(e.name, e.help);
    commands.emplace_back(sub, e.make());
    loadgate::cli::FlagSet flags(sub);
    commands.back().second->define(flags);
  }
  try {
    app.parse(go_style(argc, argv));
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : loadgate::cli::kBadInput;
  }
  for (auto& [sub, command] : commands)
    if (sub->parsed()) return command->run();
  return loadgate::cli::kBadInput;
}
