// cmd_journey.cc: `loadgate journey`: a journey file (journey.h) run by virtual users, journeys
// started at -rate (open model) or -max-workers users looping (-rate=0); results as attack's.
#include "command.h"
#include "flags.h"
#include "loadgate/error.h"
#include "loadgate/http.h"
#include "loadgate/journey.h"
#include "run_attack.h"
#include "signals.h"

namespace loadgate::cli {
namespace {

class JourneyCommand final : public Command {
 public:
  void define(FlagSet& f) override {
    f.string("file", &file_, "Journey file (JSON: name, think, on_failure, feeder, steps)");
    f.require("file");
    f.string("origin", &origin_, "Send every step to this origin instead (e.g. http://127.0.0.1:8000)");
    f.string("name", &name_, "Attack name (default: the journey's)");
    load_.define(f);
    f.flag("insecure", &http_.insecure, "Ignore invalid server TLS certificates");
    f.strings("root-certs", &http_.root_certs, "TLS root certificate files (comma separated)", ',');
    f.flag("http2", &http_.http2, "HTTP/2 to https origins that offer h2 (-http2=false: HTTP/1.1)");
    f.flag("h2c", &http_.h2c, "Cleartext HTTP/2 with prior knowledge to http origins");
    out_.output = "stdout";
    out_.define(f, "Output file (default stdout)");
    monitor_.define(f);
    prom_.define(f);
  }

  int run() override {
    AttackOptions load;
    Journey j;
    // Signals are taken from the start: a large journey file takes a while to load, and a
    // Ctrl-C then means "do not start", not "start, then stop".
    const std::atomic<bool>& stop = install_stop_signals();
    try {
      j = load_journey(file_);
      if (!origin_.empty()) rebase_journey(j, origin_);
      static_cast<Load&>(load) = load_.parse();
      load.name = name_.empty() ? j.name : name_;
      load.monitor = monitor_.parse();
    } catch (const InputError& e) {
      return fail("journey", e.what(), kBadInput);
    }
    if (stop.load()) return fail("journey", "interrupted while loading " + file_ + ": nothing was sent", kInterrupted);
    AttackRun run;
    return run_attack(
        "journey", out_.output, out_, load, [&](const AttackOptions& o) { return attack_journey(j, http_, o); }, run,
        &prom_);
  }

 private:
  std::string file_, origin_, name_;
  LoadFlags load_;
  HttpOptions http_;
  OutputFlags out_;
  MonitorFlags monitor_;
  PrometheusFlags prom_;
};

}  // namespace

std::unique_ptr<Command> journey_command() { return std::make_unique<JourneyCommand>(); }

}  // namespace loadgate::cli
