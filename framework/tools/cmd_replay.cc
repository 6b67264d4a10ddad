// cmd_replay.cc: `loadgate replay LOG`: an access log, JSON-lines log or HAR file sent again with
// its recorded timing (open model, latency from the recorded-and-scaled schedule); results as
// attack's.
#include <cstdio>

#include "loadgate/error.h"
#include "loadgate/http.h"
#include "loadgate/replay.h"
#include "attack_command.h"

namespace loadgate::cli {

namespace {

class Replay final : public AttackCommand {
 public:
  Replay() : AttackCommand("replay", Output::kResults) {}

 protected:
  void define_protocol(FlagSet& f) override {
    f.required_positional("log", &log_, "The log to replay: an nginx or Apache access log, JSON lines, or a HAR file");
    log_flags_.define(f, "log-format");
    f.number("speed", &r_.speed, "Replay this many times faster than recorded (0.5 = half as fast)");
    f.number("rate", &r_.rate, "Scale time so that the mean rate is this per second, keeping the log's shape (instead of -speed)");
    f.string("from", &r_.from, "Start at this offset into the log (90s, 1h) or RFC 3339 time");
    f.string("to", &r_.to, "Stop before this offset into the log or RFC 3339 time");
    f.string("origin", &r_.origin,
             "Send to this scheme://host:port instead of the logged host (required for a log without hosts, or a host "
             "that is not this machine)");
    f.string("filter", &r_.filter, "Replay only requests whose \"METHOD /path?query\" matches this RE2 expression");
    f.integer("loop", &r_.loops, "Passes over the log (0 = until -duration)");
    f.string("same-second", &same_second_,
             "Requests stamped with the same whole second (a log without $msec): spread (evenly over it) or together");
    f.string("secrets", &secrets_,
             "Secret headers of the log (Authorization, Cookie, API keys): drop (default), keep, or template "
             "({{feed.authorization}}: a -feeder gives them)");
    f.strings("secret-header", &secret_headers_, "Treat this header as a secret too (repeatable)");
    f.flag("lazy", &lazy_, "Accepted for attack's spelling: a replay always streams its log (memory stays bounded)");
    load_.define(f, LoadFlags::Style::kReplay);
    http_.define_transport(f);
  }

  Load prepare() override {
    log_flags_.parse(r_.log);
    r_.secrets = parse_secret_mode(secrets_);
    if (same_second_ != "spread" && same_second_ != "together")
      throw InputError("", 0, "-same-second", "\"" + printable(same_second_) + "\": want spread or together");
    r_.spread_seconds = same_second_ == "spread";
    for (const std::string& h : secret_headers_) r_.secret_headers.push_back(h);
    if (r_.loops == 0 && load_.spec.duration == "0")
      throw InputError("", 0, "-loop", "0 (loop until -duration) needs a -duration");
    load_.spec.rate = "1/1s";  // replaced by the log's schedule below
    Load load = load_.parse();
    http_.parse_transport(http_options_, load_.spec);
    r_.body = std::move(http_options_.body);  // only for POST, PUT and PATCH requests the log has no body for
    http_options_.body.clear();
    ReplayPlan plan = plan_replay(log_, r_);
    if (!out().quiet) {
      std::fprintf(stderr, "replay: %s\n", plan.describe().c_str());
      for (const std::string& e : plan.unparsed_examples) std::fprintf(stderr, "replay: unparsed: %s\n", e.c_str());
      if (plan.unparsed > plan.unparsed_examples.size())
        std::fprintf(stderr, "replay: unparsed: ... %llu more\n",
                     static_cast<unsigned long long>(plan.unparsed - plan.unparsed_examples.size()));
    }
    http_options_.targeter = plan.targeter;
    load.rate.pacer = plan.pacer;
    // Not opened ahead by default: a server with a thread per connection (cpp-httplib's) stalls
    // on more connections than threads. The plan says how many a burst wants.
    if (!out().quiet && !load_.spec.workers && plan.burst > static_cast<uint64_t>(load.workers))
      std::fprintf(stderr, "replay: the largest burst is %llu requests within 10 ms: -workers=%llu opens their connections ahead\n",
                   static_cast<unsigned long long>(plan.burst), static_cast<unsigned long long>(plan.burst));
    return load;
  }
  AttackRun attack(const AttackOptions& o) override { return attack_http({}, http_options_, o); }
  std::string default_name() const override { return "replay"; }

 private:
  std::string log_, same_second_ = "spread", secrets_ = "drop";
  std::vector<std::string> secret_headers_;
  LogFlags log_flags_;
  bool lazy_ = true;
  ReplayOptions r_;
  LoadFlags load_;
  HttpFlags http_;
  HttpOptions http_options_;
};

}  // namespace

std::unique_ptr<Command> replay_command() { return std::make_unique<Replay>(); }

}  // namespace loadgate::cli
