// cmd_attack.cc: `loadgate attack`, Vegeta's attack over the HTTP driver.
#include "loadgate/http.h"
#include "attack_command.h"

namespace loadgate::cli {
namespace {

class Attack final : public AttackCommand {
 public:
  Attack() : AttackCommand("attack", Output::kResults) {}

 protected:
  void define_protocol(FlagSet& f) override {
    load_.define(f);
    http_.define(f);
  }
  Load prepare() override {
    http_.adjust(load_.spec);
    const Load load = load_.parse();
    http_.parse(http_options_, targets_, load_.spec);
    return load;
  }
  AttackRun attack(const AttackOptions& o) override { return attack_http(targets_, http_options_, o); }

 private:
  LoadFlags load_;
  HttpFlags http_;
  HttpOptions http_options_;
  std::vector<Target> targets_;
};

}  // namespace

std::unique_ptr<Command> attack_command() { return std::make_unique<Attack>(); }

}  // namespace loadgate::cli
