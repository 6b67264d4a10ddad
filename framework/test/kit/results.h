// results.h: results for tests: one built field by field (Hit), deterministic synthetic runs
// for codec and report tests, and a sink that records what an attack hands it.
#pragma once

#include <algorithm>
#include <mutex>
#include <vector>

#include "loadgate/attack.h"
#include "loadgate/interner.h"
#include "loadgate/result.h"

namespace loadgate::testing {

/// Hit builds one Result field by field, so that a test's table says only what matters:
/// `Hit().at(1'000'000'000).took(2'000'000).status(500)` (times in ns). By default an HTTP 200
/// scheduled at 0 with no latency.
class Hit {
 public:
  Hit() { r_.status = 200; }
  Hit& at(int64_t scheduled_ns) { r_.scheduled_ns = scheduled_ns; return *this; }      ///< due time (ns)
  Hit& took(int64_t latency_ns) { r_.latency_ns = latency_ns; return *this; }          ///< corrected latency (ns)
  Hit& late(int64_t send_delay_ns) { r_.send_delay_ns = send_delay_ns; return *this; } ///< send delay (ns)
  Hit& status(uint16_t code) { r_.status = code; return *this; }                       ///< status by kind
  Hit& kind(Kind k) { r_.kind = k; return *this; }                                     ///< what it measured
  Hit& target(const std::string& label) { r_.target = intern(label); return *this; }   ///< target label
  Hit& bytes(uint64_t in, uint64_t out = 0) { r_.bytes_in = in; r_.bytes_out = out; return *this; }
  /// A failure of `kind` with the text `error` (status kept as set).
  Hit& failed(ErrorKind kind, const std::string& error = "") {
    r_.error_kind = kind;
    if (!error.empty()) r_.error = intern(error);
    return *this;
  }
  operator Result() const { return r_; }  // NOLINT: a Hit is written where a Result is wanted

 private:
  Result r_;
};

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
