// replay.h (core layer): a recorded log as an open-model schedule: each request due at its
// recorded offset (scaled), latency counted from that time, so a slow service cannot slow the
// replay down.
//
//   loadgate::ReplayOptions r;  r.speed = 2;  r.origin = "http://127.0.0.1:8000";
//   loadgate::ReplayPlan plan = loadgate::plan_replay("access.log", r);
//   loadgate::HttpOptions http;  http.targeter = plan.targeter;
//   loadgate::AttackOptions o;  o.load.rate.pacer = plan.pacer;
//   loadgate::attack_http({}, http, o);
//
// The log is read twice, as a stream each time: once for the schedule (4 bytes per request),
// once for the requests while they are sent. Memory does not grow with the log's length.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "loadgate/access_log.h"
#include "loadgate/pacer.h"
#include "loadgate/targets.h"

namespace loadgate {

/// What becomes of secret headers (Authorization, Cookie, API keys) of a recording.
enum class SecretMode {
  kDrop,      ///< left out (the default)
  kKeep,      ///< sent as recorded (replay only; never written by convert)
  kTemplate,  ///< replaced by {{feed.<name>}} ("authorization", "x_api_key"): a feeder gives them
};

/// Parses -secrets: drop, keep or template. Throws InputError naming `field`.
SecretMode parse_secret_mode(const std::string& text, const std::string& field = "-secrets");

/// The header names treated as secrets unless told otherwise (lower case).
const std::vector<std::string>& default_secret_headers();

/// ReplayOptions: which requests of a log to send, where, and how fast.
struct ReplayOptions {
  LogOptions log;                 ///< how to read the log
  double speed = 1;               ///< time runs this many times faster than recorded (-speed)
  double rate = 0;                ///< > 0: the speed that gives this mean rate per second (-rate)
  std::string from, to;           ///< a window of the log: offsets from its first request ("90s") or RFC 3339 times
  std::string origin;             ///< scheme://host:port to send to instead of the logged host (-origin)
  std::string filter;             ///< RE2 that "METHOD /path?query" must match (-filter); "" = all
  int loops = 1;                  ///< passes over the log (-loop); 0 = until the attack's duration
  bool spread_seconds = true;     ///< requests stamped with the same whole second go out evenly over it
  std::string body;               ///< body of POST, PUT and PATCH requests the log has none for (a template)
  SecretMode secrets = SecretMode::kDrop;
  std::vector<std::string> secret_headers = default_secret_headers();  ///< lower case
  /// Accept logged hosts that are not this machine without an -origin (convert: it sends nothing).
  bool any_host = false;
};

/// ReplaySource reads the requests of a log a replay sends, in order: the window, the filter,
/// the origin and the secret headers applied. Its requests have absolute URLs.
class ReplaySource {
 public:
  /// Throws InputError for a bad window, filter or origin (and what LogReader throws).
  ReplaySource(const std::string& path, const ReplayOptions& o);
  /// The next request and its offset from the first one sent (ns, as recorded: not scaled).
  /// Throws InputError naming the file and line for a request that cannot be sent: no host and
  /// no origin, or a host that is not loopback without an origin that names it.
  bool next(LoggedRequest& r, int64_t& offset_ns);
  /// The log as read so far.
  const LogReader& log() const { return log_; }
  /// Requests left out by the filter, and outside the window.
  uint64_t filtered() const { return filtered_; }
  uint64_t outside() const { return outside_; }

 private:
  struct Filter;
  std::string path_;
  ReplayOptions o_;
  LogReader log_;
  std::shared_ptr<Filter> filter_;
  std::string origin_;  // scheme://host:port of -origin, "" = as logged
  int64_t from_ = INT64_MIN, to_ = INT64_MAX;  // absolute, resolved at the first request
  bool from_offset_ = false, to_offset_ = false;
  int64_t first_ = INT64_MIN;  // the log's first request
  int64_t zero_ = INT64_MIN;   // the first request sent
  uint64_t filtered_ = 0, outside_ = 0;
};

/// ReplayPlan is a log ready to replay.
struct ReplayPlan {
  std::shared_ptr<const Pacer> pacer;                 ///< hit n is due at request n's scaled offset
  std::function<bool(uint64_t n, Target& t)> targeter;  ///< request n (HttpOptions::targeter)
  uint64_t requests = 0;     ///< requests in one pass over the log
  int64_t span_ns = 0;       ///< from the first request to the last, scaled (ns)
  double speed = 1;          ///< the speed applied (-rate resolved)
  uint64_t lines = 0;        ///< lines (HAR: entries) read
  uint64_t unparsed = 0;     ///< of which were not requests
  std::vector<std::string> unparsed_examples;  ///< the first few, "file:line: why"
  uint64_t filtered = 0;     ///< requests the filter left out
  uint64_t outside = 0;      ///< requests outside the window
  uint64_t reordered = 0;    ///< requests out of order past kReorderWindow (sent with the one before)
  bool whole_seconds = false;  ///< every time had whole seconds only (then spread if asked)
  /// The most requests due within any 10 ms (scaled): the connections (-workers) to open ahead
  /// so that the largest burst does not queue for them.
  uint64_t burst = 0;
  /// "12,000 requests over 10m0s (20/s mean) from access.log x2; 3 unparsed lines".
  std::string describe() const;
};

/// Plans the replay of the log at `path`: reads it once for the schedule and checks every
/// request. Throws InputError for a log with no request to send, or a request that cannot be
/// sent (see ReplaySource::next()).
ReplayPlan plan_replay(const std::string& path, const ReplayOptions& o);

/// A header of a recording after the secrets policy: false when it is left out; `h`'s value
/// becomes "{{feed.<name>}}" under SecretMode::kTemplate.
bool apply_secret_policy(Header& h, SecretMode mode, const std::vector<std::string>& names);

/// The feeder column a secret header becomes under SecretMode::kTemplate ("X-Api-Key" ->
/// "x_api_key").
std::string secret_column(const std::string& header);

}  // namespace loadgate
