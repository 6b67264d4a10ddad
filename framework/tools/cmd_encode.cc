// cmd_encode.cc: `loadgate encode`: results between binary, JSON (Vegeta's) and CSV.
#include <cstdio>

#include "command.h"
#include "loadgate/error.h"
#include "loadgate/results_file.h"
#include "signals.h"

namespace loadgate::cli {
namespace {

class Encode final : public Command {
 public:
  void define(FlagSet& f) override {
    f.string("to", &to_, "Output encoding: json, csv, binary");
    f.string("output", &output_, "Output file");
    f.positional("inputs", &inputs_, "Results files (default stdin)");
  }

  int run() override {
    Encoding to;
    try {
      to = parse_encoding(to_);
    } catch (const InputError& e) {
      return fail("encode", e.what(), kBadInput);
    }
    std::FILE* out = stdout;
    if (output_ != "stdout" && output_ != "-") {
      out = std::fopen(output_.c_str(), "wb");
      if (!out) return cannot_open_output("encode", output_);
    }
    install_stop_signals();
    ResultWriter writer(out, to);
    std::string error;
    std::vector<KeptResponse> body;  // what the next result kept of its response, if anything
    try {
      read_results(
          inputs_,
          [&](const Result& r) {
            writer.write(&r, 1, body);
            body.clear();
          },
          [&](const Sample& s) { writer.sample(s); }, [&](const AttackInfo& info) { writer.header(info); },
          [&](const RunEnd& e) { writer.end(e); },
          [&](const RecordExtras& x) {
            if (!x.body.empty() || !x.headers.empty() || x.opened.any() || !x.trace.empty())
              body = {KeptResponse{0, x.body, x.headers, x.opened, x.trace}};
            if (!x.attack.empty()) writer.set_attack(x.attack);
          });
    } catch (const InputError& e) {
      error = e.what();
    }
    const bool ok = writer.flush();
    if (out != stdout) std::fclose(out);
    if (!error.empty()) return fail("encode", error, kBadInput);
    if (!ok) return fail("encode", "writing failed (closed pipe or full disk)", kFailure);
    return kOk;
  }

 private:
  std::string to_ = "json", output_ = "stdout";
  std::vector<std::string> inputs_;
};

}  // namespace

std::unique_ptr<Command> encode_command() { return std::make_unique<Encode>(); }

}  // namespace loadgate::cli
