// cmd_attack.cc: `loadgate attack`, Vegeta's attack over the HTTP driver.
#include <cstdio>

#include "command.h"
#include "flags.h"
#include "loadgate/error.h"
#include "loadgate/http.h"
#include "run_attack.h"

namespace loadgate::cli {
namespace {

class Attack final : public Command {
 public:
  void define(FlagSet& f) override {
    f.string("name", &name_, "Attack name");
    load_.define(f);
    http_.define(f);
    out_.output = "stdout";
    out_.define(f, "Output file (default stdout)");
    monitor_.define(f);
    prom_.define(f);
  }

  int run() override {
    AttackOptions load;
    HttpOptions http;
    std::vector<Target> targets;
    try {
      http_.adjust(load_.spec);
      static_cast<Load&>(load) = load_.parse();
      load.name = name_;
      load.monitor = monitor_.parse();
      http_.parse(http, targets, load_.spec);
    } catch (const InputError& e) {
      return fail("attack", e.what(), kBadInput);
    }
    AttackRun run;
    return run_attack(
        "attack", out_.output, out_, load, [&](const AttackOptions& o) { return attack_http(targets, http, o); }, run, &prom_);
  }

 private:
  std::string name_;
  LoadFlags load_;
  HttpFlags http_;
  OutputFlags out_;
  MonitorFlags monitor_;
  PrometheusFlags prom_;
};

}  // namespace

std::unique_ptr<Command> attack_command() { return std::make_unique<Attack>(); }

}  // namespace loadgate::cli
