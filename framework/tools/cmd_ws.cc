// cmd_ws.cc: `loadgate ws`: the seed's `-addr localhost:8000 -connections 100 -duration 60s`.
#include <unistd.h>

#include <iostream>

#include "loadgate/error.h"
#include "loadgate/file.h"
#include "loadgate/report.h"
#include "loadgate/ws.h"
#include "attack_command.h"

namespace loadgate::cli {
namespace {

// A plain number is a rate per second; anything else a schedule, as -rate. Unlimited (0) is
// nullopt for a schedule.
bool number(const std::string& text, double& out) {
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return !text.empty() && *end == '\0';
}

class Ws final : public AttackCommand {
 public:
  Ws() : AttackCommand("ws", Output::kSummary) {
    load_.rate = "1";  // unused: connections and their messages have their own schedules
    load_.duration = "10s";
    load_.timeout = "5s";
  }

 protected:
  void define_protocol(FlagSet& f) override {
    ws_.define(f);
    f.string("connect-rate", &connect_rate_, "Connections opened per second, or a schedule: 10..500@30s");
    f.string("rate-per-conn", &rate_per_conn_,
             "Messages per second per connection (0 = idle), or a schedule: 10,50,100@20s");
    f.flag("push", &push_, "Count and time what the server pushes instead of matching echoes");
    f.string("duration", &load_.duration, "Duration, ramp included");
    f.string("timeout", &load_.timeout, "How long to wait for missing echoes at the end");
    define_generator(f, load_, "connections g with g mod n == i");
  }
  Load prepare() override {
    w_ = ws_.parse();
    w_.push = push_;
    const Load load = parse_load(load_, LoadSource::flags());
    if (!number(connect_rate_, w_.connect_rate)) {
      RateSpec r = parse_rate(connect_rate_, load.duration);
      if (r.unlimited()) throw InputError("", 0, "-connect-rate", "must be positive");
      w_.connect_pacer = r.pacer;
    }
    if (!number(rate_per_conn_, w_.rate_per_conn)) w_.message_pacer = parse_rate(rate_per_conn_, load.duration).pacer;
    return load;
  }
  AttackRun attack(const AttackOptions& o) override { return attack_ws(w_, o); }
  void summary(const AttackRun& run) override {
    write_text_report(std::cout, run.metrics);
    // Message payloads beside what the handshakes and frames took (after permessage-deflate).
    const Summary s = run.metrics.summarize();
    std::cout << "Wire          [out, in; payload out, in]      " << run.wire_bytes_out << ", " << run.wire_bytes_in
              << "; " << s.bytes_out << ", " << s.bytes_in << "\n";
  }

 private:
  WsFlags ws_;
  WsOptions w_;
  bool push_ = false;
  std::string connect_rate_ = "1000", rate_per_conn_ = "10";
  LoadSpec load_;
};

}  // namespace

std::unique_ptr<Command> ws_command() { return std::make_unique<Ws>(); }

}  // namespace loadgate::cli
