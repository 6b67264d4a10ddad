// ghz_report.cc: a summary in the layout of ghz's default output, for `loadgate grpc`.
#include <cmath>
#include <cstdio>

#include "format/tabwriter.h"
#include "loadgate/report.h"

namespace loadgate {
namespace {

// ghz's formatNanoUnit: "%d ns" under 10 µs, then "%4.2f ms", then "%4.2f s".
std::string nano_unit(int64_t ns) {
  char buf[64];
  if (ns < 10'000)
    std::snprintf(buf, sizeof buf, "%lld ns", static_cast<long long>(ns));
  else if (ns < 1'000'000'000)
    std::snprintf(buf, sizeof buf, "%4.2f ms", static_cast<double>(ns) / 1e6);
  else
    std::snprintf(buf, sizeof buf, "%4.2f s", static_cast<double>(ns) / 1e9);
  return buf;
}

}  // namespace

void write_ghz_summary(std::ostream& out, const Metrics& m) {
  const Kind kind = m.primary();
  const Group* g = m.group(kind);
  if (!g) {
    out << "\nSummary:\n  Count:\t0\n";
    return;
  }
  const Summary s = summarize(g->total, kind);
  const Histogram& h = g->total.latency;
  const int64_t total_ns = (s.duration + s.wait).count();
  char rps[32];
  std::snprintf(rps, sizeof rps, "%4.2f",
                total_ns > 0 ? static_cast<double>(s.requests) / (static_cast<double>(total_ns) / 1e9) : 0.0);
  out << "\nSummary:\n";
  out << "  Count:\t" << s.requests << "\n";
  out << "  Total:\t" << nano_unit(total_ns) << "\n";
  out << "  Slowest:\t" << nano_unit(h.max()) << "\n";
  out << "  Fastest:\t" << nano_unit(h.min()) << "\n";
  out << "  Average:\t" << nano_unit(static_cast<int64_t>(h.mean())) << "\n";
  out << "  Requests/sec:\t" << rps << "\n";
  if (s.messages > 0) {
    char line[128];
    std::snprintf(line, sizeof line, "  Messages:\t%llu (%.2f/s), first message p50 %s, p99 %s\n",
                  static_cast<unsigned long long>(s.messages),
                  total_ns > 0 ? static_cast<double>(s.messages) / (static_cast<double>(total_ns) / 1e9) : 0.0,
                  nano_unit(s.first.p50).c_str(), nano_unit(s.first.p99).c_str());
    out << line;
  }
  if (s.messages_sent > 0) {
    char line[128];
    std::snprintf(line, sizeof line, "  Sent:\t%llu messages (%.2f/s)\n", static_cast<unsigned long long>(s.messages_sent),
                  total_ns > 0 ? static_cast<double>(s.messages_sent) / (static_cast<double>(total_ns) / 1e9) : 0.0);
    out << line;
  }

  // Ten equal buckets from fastest to slowest, as ghz.
  out << "\nResponse time histogram:\n";
  if (h.count() > 0) {
    const double lo = static_cast<double>(h.min()), hi = static_cast<double>(h.max());
    std::vector<uint64_t> counts(11, 0);
    std::vector<double> marks(11);
    for (int i = 0; i <= 10; ++i) marks[static_cast<size_t>(i)] = lo + (hi - lo) * i / 10.0;
    h.for_each([&](const Histogram::Bucket& b) {
      size_t i = 0;
      while (i < 10 && static_cast<double>(b.lowest) > marks[i]) ++i;
      counts[i] += b.count;
    });
    const uint64_t max = *std::max_element(counts.begin(), counts.end());
    std::vector<std::string> labels, nums;
    size_t wl = 0, wn = 0;
    for (size_t i = 0; i <= 10; ++i) {
      char mark[32];
      std::snprintf(mark, sizeof mark, "%.3f", marks[i] / 1e6);
      labels.emplace_back(mark);
      nums.push_back(std::to_string(counts[i]));
      wl = std::max(wl, labels.back().size());
      wn = std::max(wn, nums.back().size());
    }
    for (size_t i = 0; i <= 10; ++i) {
      const size_t bar = max ? static_cast<size_t>((counts[i] * 40 + max / 2) / max) : 0;
      std::string bars;
      for (size_t k = 0; k < bar; ++k) bars += "\xE2\x88\x8E";  // ∎
      out << "  " << labels[i] << std::string(wl - labels[i].size(), ' ') << " [" << nums[i] << "]"
          << std::string(wn - nums[i].size(), ' ') << " |" << bars << "\n";
    }
  }
  out << "\nLatency distribution:";
  for (double p : {10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0})
    out << "\n  " << static_cast<int>(p) << " % in " << nano_unit(h.percentile(p)) << " ";
  out << "\n\n";
  format::Tabwriter tw(3);
  out << "Status code distribution:\n";
  for (auto& [code, n] : s.status_codes) tw.row({"  [" + code + "]", std::to_string(n) + " responses", ""});
  tw.flush(out);
  if (!s.errors.empty()) {
    out << "\nError distribution:\n";
    for (size_t i = 0; i < s.errors.size(); ++i)
      tw.row({"  [" + std::to_string(s.error_counts[i]) + "]", s.errors[i], ""});
    tw.flush(out);
  }
  out << "\n";
}

}  // namespace loadgate
