// cmd_breakpoint.cc: `loadgate breakpoint [grpc|ws]`: the highest constant rate at which HTTP
// targets, a gRPC method or a WebSocket server still meet an objective (p99, success, keeping
// up), found by rising steps and bisection. The search flags are the same for all three:
//   loadgate breakpoint -targets t.txt -p99 100ms
//   loadgate breakpoint grpc -addr :50051 -call pkg.Svc/Method -data '{}' -p99 50ms
//   loadgate breakpoint ws -addr 127.0.0.1:8000 -connections 50 -p99 20ms   (messages per second)
// Shards search together: each runs the same command with -shard=i/n, one -start-at and one
// -exchange directory; the steps start at the same planned times and every shard judges every
// shard's figures (step_exchange.h), so all find the same capacity.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "command.h"
#include "flags.h"
#include "loadgate/breakpoint.h"
#include "loadgate/dashboard.h"
#include "loadgate/error.h"
#include "loadgate/grpc.h"
#include "loadgate/ws.h"
#include "loadgate/report.h"
#include "loadgate/step_exchange.h"
#include "signals.h"

namespace loadgate::cli {
namespace {

class BreakpointCommand final : public Command {
 public:
  BreakpointCommand() { search_.start = 50; }

  void define(FlagSet& f) override {
    grpc_cmd_ = std::make_unique<FlagSet>(f.optional_subcommand(
        "grpc", "Search a gRPC method's capacity (calls per second); ghz's call flags, the search flags below"));
    grpc_.define(*grpc_cmd_);
    ws_cmd_ = std::make_unique<FlagSet>(f.optional_subcommand(
        "ws", "Search a WebSocket server's capacity (messages per second over -connections)"));
    ws_.define(*ws_cmd_);
    http_.define(f);
    f.string("timeout", &timeout_, "Timeout of each request (a step must not wait long for an overloaded service)");
    f.optional_integer("workers", &load_.workers, "Initial number of workers (connections)");
    f.optional_integer("max-workers", &load_.max_workers, "Maximum number of workers (connections)");
    f.optional_integer("connections", &load_.connections, "Maximum number of open connections");
    define_cpus(f, &load_.cpus);
    define_shard(f, load_, "each step's hits k with k mod n == i, the steps at the same planned times from -start-at");
    f.string("exchange", &exchange_,
             "With -shard: a directory every shard sees, where each leaves its step's results and reads the others'");
    f.string("settle", &settle_,
             "With -shard: time from a step's end to the next step, for in-flight requests and the exchange "
             "(default: -timeout + 2s)");
    f.flag("quiet", &quiet_, "No line per step on stderr");
    monitor_.define(f);
    prom_.define(f);
    f.number("start", &search_.start, "First rate (per second)");
    f.number("max-rate", &search_.max_rate, "Highest rate ever tried");
    f.number("growth", &search_.growth, "Factor between rising steps");
    f.string("step", &step_, "Duration of each step");
    f.string("max-time", &max_time_, "No step ends after this much time");
    f.number("precision", &search_.precision, "Stop refining when broken/held < 1 + this");
    f.string("cooldown", &cooldown_, "Pause after a broken step (default: twice -step)");
    f.string("p99", &p99_, "Objective: p99 below this");
    f.number("success", &success_, "Objective: success ratio at least this (0..1)");
    f.number("rate-tolerance", &objective_.rate_tolerance, "Objective: throughput at least rate x (1 - this)");
    f.number("min-capacity", &min_capacity_, "Exit 3 when the capacity found is lower");
    f.string("output", &output_, "HTML page of the search (rate against p99, success, throughput)");
    f.string("json", &json_,
             "The search and its verdict as JSON (steps, capacity, broke_at, why; pass against -min-capacity), "
             "as a breakpoint scenario's report");
  }

  int run() override {
    AttackOptions options;
    HttpOptions http;
    std::vector<Target> targets;
    GrpcOptions g;
    WsOptions w;
    std::string what;  // what is searched, for the page's title
    SearchShards shards;  // -exchange, -settle
    try {
      load_.rate = "1";  // each step sets its own rate and duration
      http_.adjust(load_);
      load_.timeout = timeout_;
      options.load = parse_load(load_, LoadSource::flags());
      options.monitor = monitor_.parse();
      shards.dir = exchange_;
      shards.settle = settle_.empty() ? Nanos(0) : duration_flag("settle", settle_);
      shard_settle(options, shards);  // before any target is read: a search that cannot be is said at once
      if (grpc_cmd_->chosen()) {
        g = grpc_.parse();
        const GrpcCallInfo info = describe_grpc_call(g);  // bad proto, method or data: exit 2 now
        what = "grpc " + info.path.substr(1) + " at " + g.addr;
      } else if (ws_cmd_->chosen()) {
        w = ws_.parse();
        what = "ws " + w.url + " (" + std::to_string(w.connections) + " connections)";
      } else {
        http_.parse(http, targets, load_);
        what = http_.targets;
      }
      const Nanos p99 = duration_flag("p99", p99_);
      if (p99.count() > 0) objective_.p99 = p99;
      if (success_ < 0 || success_ > 1) throw InputError("", 0, "-success", "want a ratio 0..1");
      if (success_ > 0) objective_.success = success_;
      search_.step = duration_flag("step", step_);
      search_.max_time = duration_flag("max-time", max_time_);
      search_.cooldown = duration_flag("cooldown", cooldown_);
    } catch (const InputError& e) {
      return fail("breakpoint", e.what(), kBadInput);
    }
    std::unique_ptr<PrometheusExporter> exporter;
    std::unique_ptr<Dashboard> dashboard;
    try {
      exporter = make_exporter(prom_.options());
      dashboard = make_dashboard(prom_.dashboard_addr());
    } catch (const InputError& e) {
      return fail("breakpoint", e.what(), kBadInput);
    }
    if (dashboard && !quiet_) std::fprintf(stderr, "loadgate breakpoint: dashboard: http://127.0.0.1:%u/\n", static_cast<unsigned>(dashboard->port()));
    const std::atomic<bool>& stop = install_stop_signals();
    search_.stop = &stop;
    if (!quiet_)
      search_.on_step = [](const BreakpointStep& st) {
        std::fprintf(stderr, "loadgate breakpoint: %.1f/s%s: %s\n", st.rate, st.retry ? " again" : "",
                     st.held ? "held" : ("broke: " + st.why).c_str());
      };
    Breakpoint b;
    try {
      options.stop = &stop;
      if (options.name.empty()) options.name = "breakpoint";
      b = search_capacity(
          options,
          [&](AttackOptions o, double rate) {
            std::unique_ptr<ResultsSink> sink;  // one series for the whole search; the target rate says which step
            if (exporter) sink = exporter->attach(o);
            std::unique_ptr<ResultsSink> dash_sink;  // the page follows each step in turn
            if (dashboard) dash_sink = dashboard->attach(o);
            if (grpc_cmd_->chosen()) return attack_grpc(g, o);
            if (ws_cmd_->chosen()) return attack_ws(ws_at_rate(w, rate), o);
            return attack_http(targets, http, o);
          },
          objective_, search_, shards);
    } catch (const InputError& e) {
      return fail("breakpoint", e.what(), kBadInput);
    } catch (const RunError& e) {
      return fail("breakpoint", e.what(), kFailure);
    }
    if (exporter)
      if (const std::string why = exporter->push(); !why.empty()) std::fprintf(stderr, "loadgate breakpoint: %s\n", why.c_str());
    if (dashboard) {
      std::ostringstream page;
      write_breakpoint_html(page, b, "loadgate breakpoint");
      dashboard->finish(page.str());
    }
    std::cout << breakpoint_text(b);
    if (written("breakpoint", std::cout, kOk) != kOk) return kFailure;
    if (!output_.empty()) {
      std::ofstream html(output_);
      if (!html) return cannot_open_output("breakpoint", output_);
      write_breakpoint_html(html, b, "loadgate breakpoint: " + what);
      if (written("breakpoint", html, kOk) != kOk) return kFailure;
    }
    if (!json_.empty()) {
      std::ofstream json(json_);
      if (!json) return cannot_open_output("breakpoint", json_);
      write_breakpoint_json(json, b, BreakpointVerdict{"breakpoint", search_.start, search_.max_rate, min_capacity_, {}});
      if (written("breakpoint", json, kOk) != kOk) return kFailure;
    }
    if (min_capacity_ > 0 && !capacity_holds(b, min_capacity_)) {
      std::fprintf(stderr, "loadgate breakpoint: capacity %.1f/s is below -min-capacity %.1f/s\n", b.capacity,
                   min_capacity_);
      return kBreach;
    }
    return kOk;
  }

 private:
  HttpFlags http_;
  GrpcFlags grpc_;
  WsFlags ws_;
  std::unique_ptr<FlagSet> grpc_cmd_, ws_cmd_;  // `breakpoint grpc`, `breakpoint ws`
  LoadSpec load_;
  std::string timeout_ = "5s";
  bool quiet_ = false;
  MonitorFlags monitor_;
  LiveFlags prom_;
  SearchOptions search_;
  Objective objective_;
  std::string step_ = "5s", max_time_ = "5m", cooldown_ = "0", p99_ = "500ms";
  double success_ = 0.99;
  double min_capacity_ = 0;
  std::string output_, json_;
  std::string exchange_, settle_;  // -exchange, -settle (shards)
};

}  // namespace

std::unique_ptr<Command> breakpoint_command() { return std::make_unique<BreakpointCommand>(); }

}  // namespace loadgate::cli
