// main.cc: the `loadgate` command line: a table of commands. Accepts Go-style flags
// (-rate=50, -duration 30s) as Vegeta does, by rewriting single-dash long flags to CLI11's
// double-dash form before parsing.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <iostream>

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
    {"replay", "Send an access log, JSON-lines log or HAR file again with its recorded timing (open model)",
     &loadgate::cli::replay_command},
    {"convert", "Turn an access log or HAR file into targets or journeys, secrets dropped", &loadgate::cli::convert_command},
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

// Edit distance of `a` and `b` (insertions, deletions, substitutions, and swaps of neighbours).
size_t distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

// The names closest to `word` (within a third of its length, at least 2 edits), or a name it
// begins; "" when none is near.
std::string closest(const std::string& word, const std::vector<std::string>& names) {
  std::string best;
  size_t best_d = std::max<size_t>(2, word.size() / 3) + 1;
  for (const std::string& n : names) {
    const size_t d = distance(word, n);
    if (d < best_d) best = n, best_d = d;
  }
  if (best.empty())
    for (const std::string& n : names)
      if (word.size() >= 3 && n.rfind(word, 0) == 0) return n;
  return best;
}

// Help as the README and Vegeta write flags: "-rate", not "--rate"; "-keepalive, -no-keepalive".
class GoStyleHelp : public CLI::Formatter {
 public:
  std::string make_option_name(const CLI::Option* opt, bool positional) const override {
    if (positional) return opt->get_name(true, false);
    std::string out;
    for (const std::string& n : opt->get_snames()) out += (out.empty() ? "-" : ", -") + n;
    for (const std::string& n : opt->get_lnames()) out += (out.empty() ? "-" : ", -") + n;
    return out;
  }
};

// "--duraton" -> "-duraton" in CLI11's messages, as the user typed it.
std::string go_spelling(std::string text) {
  for (size_t at = text.find("--"); at != std::string::npos; at = text.find("--", at + 1))
    if (at + 2 < text.size() && std::isalpha(static_cast<unsigned char>(text[at + 2]))) text.erase(at, 1);
  return text;
}

// The flags of `args` (after the command) that `sub` does not know, each with its nearest name.
std::string unknown_flags(const CLI::App& sub, const std::vector<std::string>& args) {
  std::vector<std::string> names;
  for (const CLI::Option* o : sub.get_options()) {
    for (const std::string& n : o->get_lnames()) names.push_back(n);
  }
  std::string out;
  for (const std::string& a : args) {
    if (a.rfind("--", 0) != 0 || a.size() < 3) continue;
    const std::string name = a.substr(2, a.find('=') == std::string::npos ? std::string::npos : a.find('=') - 2);
    if (std::find(names.begin(), names.end(), name) != names.end() || name == "help") continue;
    const std::string near = closest(name, names);
    out += "unknown flag -" + name + (near.empty() ? std::string() : " (did you mean -" + near + "?)") + "\n";
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  // Failed calls are results, not log lines: keep gRPC's own logging quiet unless asked for.
  setenv("GRPC_VERBOSITY", "NONE", 0);
  CLI::App app{"loadgate: load tests that gate CI (HTTP, gRPC, WebSocket)", "loadgate"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "loadgate 0.1.0");
  app.formatter(std::make_shared<GoStyleHelp>());
  app.option_defaults()->always_capture_default();  // -h shows each flag's default
  // A mistyped command: say so, with the nearest one, rather than "A subcommand is required".
  if (argc > 1 && argv[1][0] != '-') {
    std::vector<std::string> names;
    for (const Entry& e : kCommands) names.push_back(e.name);
    if (std::find(names.begin(), names.end(), argv[1]) == names.end()) {
      const std::string near = closest(argv[1], names);
      std::cerr << "loadgate: unknown command \"" << argv[1] << "\""
                << (near.empty() ? std::string() : "; did you mean \"" + near + "\"?")
                << " (loadgate -h lists the commands)\n";
      return loadgate::cli::kBadInput;
    }
  }
  std::vector<std::pair<CLI::App*, std::unique_ptr<Command>>> commands;
  for (const Entry& e : kCommands) {
    CLI::App* sub = app.add_subcommand(e.name, e.help);
    commands.emplace_back(sub, e.make());
    loadgate::cli::FlagSet flags(sub);
    commands.back().second->define(flags);
  }
  const std::vector<std::string> args = go_style(argc, argv);
  try {
    app.parse(std::vector<std::string>(args));
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // -h, --version
    // The command that was being parsed (the deepest one), and the flags it does not know.
    const CLI::App* sub = nullptr;
    for (const CLI::App* s = &app; s;) {
      const CLI::App* next = nullptr;
      for (const CLI::App* c : s->get_subcommands([](const CLI::App* a) { return a->parsed(); })) next = c;
      if (next) sub = next;
      s = next;
    }
    std::vector<std::string> in_order(args.rbegin(), args.rend());
    const std::string unknown = sub ? unknown_flags(*sub, in_order) : "";
    const std::string who = sub ? "loadgate " + sub->get_name() : "loadgate";
    if (!unknown.empty()) {
      std::cerr << who << ": " << unknown << "(" << who << " -h lists the flags)\n";
    } else {
      std::cerr << who << ": " << go_spelling(e.what()) << "\n(" << who << " -h for help)\n";
    }
    return loadgate::cli::kBadInput;
  }
  for (auto& [sub, command] : commands)
    if (sub->parsed()) return command->run();
  return loadgate::cli::kBadInput;
}
