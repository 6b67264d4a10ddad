// replay.cc: a log's requests as a schedule (a table of offsets, 4 bytes each) and a targeter
// that reads the log again while the attack runs.
#include "loadgate/replay.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

#include "loadgate/duration.h"
#include "loadgate/error.h"
#include "loadgate/url.h"
#include "pattern.h"

namespace loadgate {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0 || host.empty();
}

// Offsets of a log's requests (ns from the first, non-decreasing), about a byte each: each the
// distance from the one before in microseconds, as a varint (a log's requests are mostly under
// 128 us apart at high rates, under 16 ms at any other), and every 64th also as a whole offset,
// so that finding one decodes at most 63. Bytes live in chunks, not one vector: a growing
// vector holds its old and new copies at once. 10 million requests take 12-20 MB.
class OffsetTable {
 public:
  static constexpr size_t kEvery = 64;
  static constexpr size_t kChunk = 1 << 16;

  void push(int64_t ns) {
    if (size_ > 0 && ns < last_) ns = last_;  // never earlier than the one before
    if (size_ % kEvery == 0) {
      marks_.push_back({ns, bytes_});
      last_ = ns;
    } else {
      uint64_t d = static_cast<uint64_t>(ns - last_) / 1000;  // ns >= last_
      last_ += static_cast<int64_t>(d) * 1000;                // what at() gives back: no drift
      do {
        put(static_cast<uint8_t>((d & 0x7f) | (d >= 0x80 ? 0x80 : 0)));
        d >>= 7;
      } while (d);
    }
    ++size_;
  }
  int64_t at(size_t i) const {
    const Mark& m = marks_[i / kEvery];
    int64_t v = m.base;
    size_t pos = m.pos;
    for (size_t k = i % kEvery; k > 0; --k) v += static_cast<int64_t>(varint(pos)) * 1000;
    return v;
  }
  size_t size() const { return size_; }
  // The first entry at or after `ns`.
  size_t lower_bound(int64_t ns) const {
    size_t lo = 0, hi = size_;
    while (lo < hi) {
      const size_t mid = lo + (hi - lo) / 2;
      if (at(mid) < ns) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  // Reads the entries in order, one decode each.
  class Cursor {
   public:
    explicit Cursor(const OffsetTable& t) : t_(t) { load(); }
    int64_t value() const { return v_; }
    void next() {
      if (++i_ >= t_.size_) return;
      if (i_ % kEvery == 0) load();
      else v_ += static_cast<int64_t>(t_.varint(pos_)) * 1000;
    }

   private:
    void load() {
      if (i_ >= t_.size_) return;
      v_ = t_.marks_[i_ / kEvery].base;
      pos_ = t_.marks_[i_ / kEvery].pos;
    }
    const OffsetTable& t_;
    size_t i_ = 0, pos_ = 0;
    int64_t v_ = 0;
  };

 private:
  struct Mark {
    int64_t base;  // the entry's offset
    size_t pos;    // where the next entry's distance starts
  };
  void put(uint8_t b) {
    if (bytes_ % kChunk == 0) chunks_.push_back(std::make_unique<std::array<uint8_t, kChunk>>());
    (*chunks_[bytes_ / kChunk])[bytes_ % kChunk] = b;
    ++bytes_;
  }
  uint64_t varint(size_t& pos) const {
    uint64_t out = 0;
    for (int shift = 0;; shift += 7) {
      const uint8_t b = (*chunks_[pos / kChunk])[pos % kChunk];
      ++pos;
      out |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return out;
    }
  }
  std::vector<Mark> marks_;
  std::vector<std::unique_ptr<std::array<uint8_t, kChunk>>> chunks_;
  size_t bytes_ = 0, size_ = 0;
  int64_t last_ = 0;
};

// Hit n is due at request (n mod count)'s offset in pass n / count, scaled by the speed.
class TablePacer final : public Pacer {
 public:
  TablePacer(std::shared_ptr<const OffsetTable> t, double speed, int loops, std::string name)
      : t_(std::move(t)), speed_(speed), loops_(loops), name_(std::move(name)) {
    const size_t n = t_->size();
    const int64_t span = t_->at(n - 1);
    // The next pass starts a mean gap after the last request: the mean rate stays the log's.
    period_ = span + (n > 1 ? span / static_cast<int64_t>(n - 1) : 1'000'000'000);
    if (period_ <= 0) period_ = 1'000'000;
  }
  std::optional<Nanos> due(uint64_t hit) const override {
    const uint64_t n = t_->size();
    const uint64_t pass = hit / n;
    if (loops_ > 0 && pass >= static_cast<uint64_t>(loops_)) return std::nullopt;
    const double at = static_cast<double>(pass) * static_cast<double>(period_) + static_cast<double>(t_->at(hit % n));
    const double scaled = at / speed_;
    if (scaled > 9e18) return std::nullopt;
    return Nanos(static_cast<int64_t>(scaled));
  }
  double rate(Nanos elapsed) const override {
    // Requests of the recorded second that ends at `elapsed`, in scaled time.
    const double at = static_cast<double>(elapsed.count()) * speed_;
    const int64_t in_pass = static_cast<int64_t>(std::fmod(at, static_cast<double>(period_)));
    const int64_t window = static_cast<int64_t>(1e9 * speed_);
    const size_t hi = t_->lower_bound(in_pass + 1), lo = t_->lower_bound(in_pass - window + 1);
    return static_cast<double>(hi - lo);
  }
  std::string describe() const override { return name_; }

 private:
  std::shared_ptr<const OffsetTable> t_;
  double speed_;
  int loops_;
  int64_t period_ = 0;
  std::string name_;
};

std::string with_commas(uint64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

}  // namespace

struct ReplaySource::Filter {
  Pattern pattern;
};

SecretMode parse_secret_mode(const std::string& text, const std::string& field) {
  if (text == "drop") return SecretMode::kDrop;
  if (text == "keep") return SecretMode::kKeep;
  if (text == "template") return SecretMode::kTemplate;
  throw InputError("", 0, field, "\"" + printable(text) + "\": want drop, keep or template");
}

const std::vector<std::string>& default_secret_headers() {
  static const std::vector<std::string> names = {"authorization", "proxy-authorization", "cookie", "set-cookie",
                                                 "x-api-key", "api-key", "x-auth-token", "x-csrf-token"};
  return names;
}

std::string secret_column(const std::string& header) {
  std::string out;
  for (char c : header) out += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : '_';
  return out;
}

bool apply_secret_policy(Header& h, SecretMode mode, const std::vector<std::string>& names) {
  const std::string name = lower(h.first);
  if (std::find(names.begin(), names.end(), name) == names.end()) return true;
  switch (mode) {
    case SecretMode::kDrop: return false;
    case SecretMode::kKeep: return true;
    case SecretMode::kTemplate: h.second = "{{feed." + secret_column(h.first) + "}}"; return true;
  }
  return false;
}

ReplaySource::ReplaySource(const std::string& path, const ReplayOptions& o) : path_(path), o_(o), log_(path, o.log) {
  for (std::string& n : o_.secret_headers) n = lower(n);
  if (!o.filter.empty()) filter_ = std::make_shared<Filter>(Filter{Pattern::compile(o.filter, "", 0, "-filter")});
  if (!o.origin.empty()) {
    const auto u = parse_url(o.origin);
    if (!u || (u->scheme != "http" && u->scheme != "https") || (u->target != "/" && !u->target.empty()))
      throw InputError("", 0, "-origin", "\"" + printable(o.origin) + "\": want scheme://host:port (e.g. http://127.0.0.1:8000)");
    origin_ = u->origin();
  }
  auto bound = [](const std::string& text, const char* field, int64_t& at, bool& offset) {
    if (text.empty()) return;
    if (auto d = parse_duration(text); d && d->count() >= 0) {
      at = d->count();
      offset = true;
    } else if (auto t = parse_rfc3339(text)) {
      at = *t;
    } else {
      throw InputError("", 0, field, "\"" + printable(text) + "\": want an offset into the log (90s, 1h) or an RFC 3339 time");
    }
  };
  bound(o.from, "-from", from_, from_offset_);
  bound(o.to, "-to", to_, to_offset_);
}

bool ReplaySource::next(LoggedRequest& r, int64_t& offset_ns) {
  while (log_.next(r)) {
    if (first_ == INT64_MIN) {
      first_ = r.at_ns;
      if (from_offset_) from_ = first_ + from_;
      if (to_offset_) to_ = first_ + to_;
    }
    if (r.at_ns < from_ || r.at_ns >= to_) {
      ++outside_;
      continue;
    }
    Target& t = r.target;
    std::string where = t.url;  // path and query, or the whole URL as logged
    std::optional<Url> u;
    if (where.rfind("http", 0) == 0) {
      u = parse_url(where);
      if (!u) throw InputError(path_, static_cast<int>(r.line), "url", "\"" + printable(where) + "\" is not a URL");
      where = u->target;
    }
    if (filter_ && !filter_->pattern.search(t.method + " " + where)) {
      ++filtered_;
      continue;
    }
    t.written_url = t.url;
    if (!origin_.empty()) {
      t.url = origin_ + where;
    } else if (!u) {
      throw InputError(path_, static_cast<int>(r.line), "host",
                       "the log names no host for \"" + printable(where, 60) + "\": give -origin (e.g. http://127.0.0.1:8000)");
    } else if (!o_.any_host && !loopback_host(u->host)) {
      throw InputError(path_, static_cast<int>(r.line), "host",
                       "\"" + printable(u->host) + "\" is not this machine: a replay sends elsewhere only to an -origin that names it");
    }
    std::vector<Header> kept;
    for (Header& h : t.headers)
      if (apply_secret_policy(h, o_.secrets, o_.secret_headers)) kept.push_back(std::move(h));
    t.headers = std::move(kept);
    if (t.body.empty() && !o_.body.empty() && (t.method == "POST" || t.method == "PUT" || t.method == "PATCH"))
      t.body = o_.body;
    if (zero_ == INT64_MIN) zero_ = r.at_ns;
    offset_ns = r.at_ns - zero_;
    return true;
  }
  return false;
}

std::string ReplayPlan::describe() const {
  char line[256];
  const double secs = static_cast<double>(span_ns) / 1e9;
  std::snprintf(line, sizeof line, "%s requests over %s (%.1f/s mean, x%g)", with_commas(requests).c_str(),
                format_duration(Nanos(span_ns)).c_str(), secs > 0 ? static_cast<double>(requests) / secs : 0.0, speed);
  std::string out = line;
  if (unparsed > 0) out += "; " + with_commas(unparsed) + " of " + with_commas(lines) + " lines unparsed";
  if (filtered > 0) out += "; " + with_commas(filtered) + " filtered out";
  if (outside > 0) out += "; " + with_commas(outside) + " outside the window";
  if (reordered > 0) out += "; " + with_commas(reordered) + " out of order, sent with the one before";
  return out;
}

ReplayPlan plan_replay(const std::string& path, const ReplayOptions& o) {
  if (!(o.speed > 0) || o.speed > 1e6) throw InputError("", 0, "-speed", "want a speed above 0 (e.g. 0.5, 1, 10)");
  if (o.rate < 0 || o.rate > kMaxRate) throw InputError("", 0, "-rate", "want a mean rate per second above 0");
  if (o.loops < 0) throw InputError("", 0, "-loop", "want 0 (until -duration) or more passes");
  ReplayPlan plan;
  auto table = std::make_shared<OffsetTable>();
  {
    ReplaySource src(path, o);
    LoggedRequest r;
    int64_t offset = 0;
    bool whole = true;
    // Stamps of whole seconds: a second's requests go out evenly over it, not as one burst.
    std::vector<int64_t> second;  // the offsets of one whole second's requests, held until it ends
    auto flush = [&] {
      const auto k = static_cast<int64_t>(second.size());
      for (int64_t i = 0; i < k; ++i) table->push(second[0] + i * 1'000'000'000 / k);
      second.clear();
    };
    while (src.next(r, offset)) {
      if (table->size() + second.size() >= UINT32_MAX)
        throw InputError(path, static_cast<int>(r.line), "", "more than 4 billion requests");
      const bool whole_second = r.resolution_ns >= 1'000'000'000;
      whole = whole && whole_second;
      if (!second.empty() && (second[0] != offset || !whole_second)) flush();
      if (whole_second && o.spread_seconds) second.push_back(offset);
      else table->push(offset);
    }
    flush();
    const LogReader& log = src.log();
    plan.lines = log.lines();
    plan.unparsed = log.unparsed();
    plan.unparsed_examples = log.unparsed_examples();
    plan.reordered = log.reordered();
    plan.filtered = src.filtered();
    plan.outside = src.outside();
    plan.whole_seconds = whole && table->size() > 0;
  }
  if (table->size() == 0) {
    std::string why = "no request to replay";
    if (plan.unparsed > 0) why += ": " + std::to_string(plan.unparsed) + " lines unparsed, the first " + plan.unparsed_examples.front();
    else if (plan.filtered + plan.outside > 0) why += " (the filter and the window left none)";
    throw InputError(path, 0, "", why);
  }
  plan.requests = table->size();
  const int64_t span = table->at(table->size() - 1);
  plan.speed = o.speed;
  if (o.rate > 0) {
    if (span <= 0) throw InputError("", 0, "-rate", "the log's requests all arrived at one instant: it has no mean rate to scale");
    plan.speed = o.rate / (static_cast<double>(plan.requests) / (static_cast<double>(span) / 1e9));
  }
  plan.span_ns = static_cast<int64_t>(static_cast<double>(span) / plan.speed);
  const auto window = static_cast<int64_t>(10'000'000 * plan.speed);  // 10 ms scaled, in the log's time
  OffsetTable::Cursor lo(*table), hi(*table);
  for (uint64_t l = 0, h = 0; h < table->size(); ++h, hi.next()) {
    for (; hi.value() - lo.value() >= window; lo.next()) ++l;
    plan.burst = std::max<uint64_t>(plan.burst, h - l + 1);
  }
  const std::string base = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  char name[160];
  std::snprintf(name, sizeof name, "replay:%s@x%g", base.c_str(), plan.speed);
  plan.pacer = std::make_shared<TablePacer>(table, plan.speed, o.loops, name);

  // Request n, read again from the log as the attack goes (n = 0, 1, 2, ... in order).
  struct Reading {
    std::string path;
    ReplayOptions o;
    uint64_t per_pass;
    std::unique_ptr<ReplaySource> src;
  };
  auto reading = std::make_shared<Reading>(Reading{path, o, plan.requests, nullptr});
  plan.targeter = [reading](uint64_t n, Target& t) {
    if (reading->o.loops > 0 && n / reading->per_pass >= static_cast<uint64_t>(reading->o.loops)) return false;
    if (n % reading->per_pass == 0) reading->src = std::make_unique<ReplaySource>(reading->path, reading->o);
    LoggedRequest r;
    int64_t offset = 0;
    if (!reading->src->next(r, offset)) return false;  // the log changed since it was planned
    t = std::move(r.target);
    return true;
  };
  return plan;
}

}  // namespace loadgate
