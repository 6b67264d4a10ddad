// fuzz_flags.cc: the value parsers behind flags and baselines: -rate (every pacer, then its due
// times), durations, sizes, RFC 3339 times, URLs and redirect locations, hist[...] buckets, and
// a whole load spec. The first byte picks the parser.
#include <string>

#include "loadgate/duration.h"
#include "loadgate/error.h"
#include "loadgate/load.h"
#include "loadgate/pacer.h"
#include "loadgate/report.h"
#include "loadgate/size.h"
#include "loadgate/url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    switch (data[0] % 7) {
      case 0: {
        const loadgate::RateSpec r = loadgate::parse_rate(text, std::chrono::seconds(10));
        if (r.pacer) {
          std::optional<loadgate::Nanos> last;
          for (uint64_t n = 0; n < 64; ++n) {
            auto d = r.pacer->due(n);
            if (!d) break;
            if (last && *d < *last) __builtin_trap();  // due times never decrease
            last = d;
          }
          loadgate::parse_rate(r.pacer->describe(), std::chrono::seconds(10));  // round trip
        }
        break;
      }
      case 1:
        if (auto d = loadgate::parse_duration(text)) loadgate::format_duration(*d);
        break;
      case 2:
        loadgate::parse_size(text);
        break;
      case 3:
        if (auto t = loadgate::parse_rfc3339(text)) loadgate::format_rfc3339(*t);
        break;
      case 4: {
        const auto half = text.size() / 2;
        if (auto u = loadgate::parse_url(text.substr(0, half))) loadgate::resolve_url(*u, text.substr(half));
        break;
      }
      case 5:
        loadgate::HistBuckets{text};
        break;
      default: {
        // A load spec from four '|'-separated fields: rate|duration|step|timeout.
        loadgate::LoadSpec spec;
        std::string fields[4];
        size_t k = 0;
        for (char c : text) {
          if (c == '|' && k < 3)
            ++k;
          else
            fields[k] += c;
        }
        spec.rate = fields[0];
        spec.duration = fields[1];
        spec.step = fields[2];
        spec.timeout = fields[3].empty() ? "1s" : fields[3];
        spec.workers = 1 + static_cast<int>(data[0] % 3);
        loadgate::parse_load(spec, loadgate::LoadSource::flags(), 0.5, true);
      }
    }
  } catch (const loadgate::InputError&) {
  }
  return 0;
}
