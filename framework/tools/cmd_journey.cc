// cmd_journey.cc: `loadgate journey`: a journey file (journey.h) run by virtual users, journeys
// started at -rate (open model) or -max-workers users looping (-rate=0); results as attack's.
#include "loadgate/error.h"
#include "loadgate/http.h"
#include "loadgate/journey.h"
#include "attack_command.h"
#include "flags.h"

namespace loadgate::cli {
namespace {

class JourneyCommand final : public AttackCommand {
 public:
  JourneyCommand() : AttackCommand("journey", Output::kResults) {}

 protected:
  void define_protocol(FlagSet& f) override {
    f.string("file", &file_, "Journey file (JSON: name, think, on_failure, feeder, steps)");
    f.require("file");
    f.string("origin", &origin_, "Send every HTTP step to this origin instead (e.g. http://127.0.0.1:8000)");
    f.strings("service", &services_,
              "NAME=ADDRESS: point the gRPC steps whose addr is NAME at host:port ADDRESS, or the WebSocket "
              "steps whose URL's host is NAME at ws(s)://ADDRESS (repeatable), e.g. kernel=127.0.0.1:50051, "
              "websocket=ws://127.0.0.1:8001");
    load_.define(f);
    http_flags_.define_connection(f);  // attack's, but the body and feeder: the journey file has its own
  }
  Load prepare() override {
    journey_ = load_journey(file_);
    if (!origin_.empty()) rebase_journey(journey_, origin_);
    for (const std::string& s : services_) {
      const auto eq = s.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == s.size())
        throw InputError("", 0, "-service", "\"" + printable(s) + "\": want NAME=host:port or NAME=ws://host:port");
      const std::string name = s.substr(0, eq), address = s.substr(eq + 1);
      const bool ws = address.rfind("ws://", 0) == 0 || address.rfind("wss://", 0) == 0;
      point_journey(journey_, name, ws ? "" : address, ws ? address : "");
    }
    http_flags_.adjust(load_.spec);
    http_flags_.parse_connection(http_, load_.spec);
    return load_.parse();
  }
  AttackRun attack(const AttackOptions& o) override { return attack_journey(journey_, http_, o); }
  std::string default_name() const override { return journey_.name; }

 private:
  std::string file_, origin_;
  std::vector<std::string> services_;
  LoadFlags load_;
  HttpFlags http_flags_;
  HttpOptions http_;
  Journey journey_;
};

}  // namespace

std::unique_ptr<Command> journey_command() { return std::make_unique<JourneyCommand>(); }

}  // namespace loadgate::cli
