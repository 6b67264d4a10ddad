// test_results.h: deterministic synthetic results for codec and report tests.
#pragma once

#include <algorithm>
#include <mutex>
#include <vector>

#include "loadgate/attack.h"
#include "loadgate/interner.h"
#include "loadgate/result.h"

namespace loadgate::testing {

/// `n` results of a 100 req/s attack starting at `start_ns` over three targets: every 10th is
/// a 500, every 50th a connection error, latencies 1..~5 ms, a few sent 2 ms late.
inline std::vector<Result> synthetic_results(int n, int64_t start_ns = 1'700'000'000'000'000'000) {
  const uint32_t targets[] = {intern("GET http://127.0.0.1:8000/health"), intern("GET http://127.0.0.1:8000/api/items"),
                              intern("POST http://127.0.0.1:8000/api/items")};
  std::vector<Result> out;
  for (int i = 0; i < n; ++i) {
    Result r;
    r.scheduled_ns = start_ns + int64_t{i} * 10'000'000;
    r.send_delay_ns = i % 97 == 0 ? 2'000'000 : 50'000 + i % 7 * 1000;
    r.latency_ns = r.send_delay_ns + 1'000'000 + (i * 7919 % 4000) * 1000;
    r.first_ns = 900'000;
    r.target = targets[i % 3];
    r.bytes_in = 100 + static_cast<uint64_t>(i % 3) * 50;
    r.bytes_out = i % 3 == 2 ? 30 : 0;
    r.status = 200;
    if (i % 10 == 9) {
      r.status = 500;
      r.error_kind = ErrorKind::kStatus;
      r.error = intern("500 Internal Server Error");
    }
    if (i % 50 == 49) {
      r.status = 0;
      r.error_kind = ErrorKind::kConnect;
      r.error = intern("connect 127.0.0.1:8000: Connection refused");
      r.bytes_in = 0;
    }
    out.push_back(r);
  }
  return out;
}

/// RecordingSink keeps what an attack hands its sink, so that tests assert against scheduled
/// times, which do not depend on how busy the machine is, rather than against the clock.
class RecordingSink final : public ResultsSink {
 public:
  void header(const AttackInfo& i) override { info = i; }
  void results(const Result* r, size_t n) override { all.insert(all.end(), r, r + n); }
  void sample(const Sample&) override {}
  void end(const RunEnd& e) override { run_end = e; }
  /// Scheduled times of the results of `kind`, as offsets from the attack's start (ns), sorted.
  std::vector<int64_t> scheduled(Kind kind) const {
    std::vector<int64_t> out;
    for (const Result& r : all)
      if (r.kind == kind) out.push_back(r.scheduled_ns - info.started_ns);
    std::sort(out.begin(), out.end());
    return out;
  }
  AttackInfo info;          ///< the header
  std::vector<Result> all;  ///< every result, in the order received
  RunEnd run_end;           ///< the end record
};

}  // namespace loadgate::testing
