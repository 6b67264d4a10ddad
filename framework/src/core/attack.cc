// attack.cc: an attack's run record: trials run back to back and merged into one run.
#include "loadgate/attack.h"

namespace loadgate {

AttackRun run_trials(const AttackOptions& options, const std::function<AttackRun(const AttackOptions&)>& attack) {
  if (options.load.trials <= 1) return attack(options);
  AttackRun all;
  for (int k = 1; k <= options.load.trials; ++k) {
    AttackOptions o = options;
    o.trial = std::to_string(k) + "/" + std::to_string(options.load.trials);
    AttackRun one = attack(o);
    if (k == 1) all.info = one.info;
    all.trials.push_back(one.metrics.summarize());
    all.metrics.merge(one.metrics);
    all.workers += one.workers;
    all.elapsed += one.elapsed;
    all.wire_bytes_in += one.wire_bytes_in;
    all.wire_bytes_out += one.wire_bytes_out;
    if (!one.abort_reason.empty()) all.abort_reason = one.abort_reason;
    if (one.interrupted) {
      all.interrupted = true;
      break;
    }
  }
  all.info.trial = "";
  return all;
}

}  // namespace loadgate
