// results_file.cc: binary frames, Vegeta JSON and CSV results, and the auto-detecting reader.
#include "loadgate/results_file.h"

#include "io/gob_reader.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "loadgate/duration.h"
#include "loadgate/error.h"
#include "loadgate/interner.h"
#include "loadgate/load.h"
#include "loadgate/targets.h"

namespace loadgate {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "binary results are little-endian");

constexpr char kSignature[8] = {'L', 'O', 'A', 'D', 'G', 'A', 'T', 'E'};
constexpr uint8_t kFrameHeader = 1, kFrameString = 2, kFrameResult = 3, kFrameSample = 4, kFrameEnd = 5,
                  kFrameBody = 6,      // the kept response body of the result that follows
                  kFrameHeaders = 7,   // the kept response header lines of the result that follows
                  kFrameOpened = 8,    // the connection opened for the result that follows
                  kFrameTrace = 9;     // the trace id of the result that follows
constexpr uint32_t kMaxFrame = 16u << 20;
// The longest duration a result may carry (ns): 100 days. Longer is corruption.
constexpr int64_t kMaxNs = 100LL * 24 * 3600 * 1'000'000'000;
// The latest time a result may carry (Unix ns, 2^62: the year 2116), so that sums of times and
// durations never overflow.
constexpr int64_t kMaxTimeNs = int64_t{1} << 62;

struct FrameHead {
  uint8_t type;
  uint8_t pad[3];
  uint32_t length;
};
static_assert(sizeof(FrameHead) == 8);

// Splits a target label "METHOD URL" back into its parts.
void split_label(const std::string& label, std::string& method, std::string& url) {
  const auto sp = label.find(' ');
  if (sp == std::string::npos) {
    url = label;
    return;
  }
  method = label.substr(0, sp);
  url = label.substr(sp + 1);
}

// CSV field quoting per RFC 4180; line breaks become spaces so that a row stays one line.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c == '\n' || c == '\r' ? ' ' : c;
  }
  return out + "\"";
}

std::vector<std::string> csv_split(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else if (c != '\r') {
      out.back() += c;
    }
  }
  return out;
}

}  // namespace

// ---- AttackInfo -----------------------------------------------------------------------------

std::string AttackInfo::to_json() const {
  nlohmann::json j = {{"name", name},
                      {"protocol", protocol},
                      {"rate", rate},
                      {"started", format_rfc3339(started_ns)},
                      {"started_ns", started_ns},
                      {"duration_ns", duration_ns}};
  if (!target_protocols.empty()) j["target_protocols"] = target_protocols;
  if (!shard.empty()) j["shard"] = shard;
  if (!trial.empty()) j["trial"] = trial;
  if (!host.empty()) j["host"] = host;
  if (!plan.empty()) j["plan"] = plan;
  return j.dump();
}

bool AttackInfo::from_json(const std::string& text, AttackInfo& out) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  out.name = j.value("name", "");
  out.protocol = j.value("protocol", "");
  out.rate = j.value("rate", "");
  out.started_ns = j.value("started_ns", int64_t{0});
  out.duration_ns = j.value("duration_ns", int64_t{0});
  out.shard = j.value("shard", "");
  out.trial = j.value("trial", "");
  out.host = j.value("host", "");
  out.plan = j.value("plan", "");
  if (j.contains("target_protocols") && j["target_protocols"].is_object())
    for (auto& [k, v] : j["target_protocols"].items())
      if (v.is_string()) out.target_protocols[k] = v.get<std::string>();
  return true;
}

std::string RunEnd::to_json() const {
  nlohmann::json j = {{"interrupted", interrupted},
                      {"elapsed_ns", elapsed_ns},
                      {"scheduled", generator.scheduled},
                      {"generator_late", generator.late},
                      {"generator_stalled", generator.stalled},
                      {"stalls", generator.stalls},
                      {"stall_ns", generator.stall_ns},
                      {"machine_stall_ns", generator.machine_stall_ns},
                      {"threads", generator.threads},
                      {"precision_ns", generator.precision_ns},
                      {"wakes", generator.wakes},
                      {"tick_reads", generator.tick_reads},
                      {"cut", generator.cut},
                      {"polled_ns", generator.polled_ns},
                      {"ran_ns", generator.ran_ns}};
  return j.dump();
}

bool RunEnd::from_json(const std::string& text, RunEnd& out) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  try {
    out.interrupted = j.value("interrupted", false);
    out.elapsed_ns = j.value("elapsed_ns", int64_t{0});
    out.generator.scheduled = j.value("scheduled", uint64_t{0});
    out.generator.late = j.value("generator_late", uint64_t{0});
    out.generator.stalled = j.value("generator_stalled", uint64_t{0});
    out.generator.stalls = j.value("stalls", uint64_t{0});
    out.generator.stall_ns = j.value("stall_ns", int64_t{0});
    out.generator.machine_stall_ns = j.value("machine_stall_ns", int64_t{-1});
    out.generator.threads = j.value("threads", 0);
    out.generator.precision_ns = j.value("precision_ns", int64_t{0});
    out.generator.wakes = j.value("wakes", uint64_t{0});
    out.generator.tick_reads = j.value("tick_reads", uint64_t{0});
    out.generator.cut = j.value("cut", uint64_t{0});
    out.generator.polled_ns = j.value("polled_ns", int64_t{0});
    out.generator.ran_ns = j.value("ran_ns", int64_t{0});
  } catch (const nlohmann::json::exception&) {
    return false;
  }
  return true;
}

Encoding parse_encoding(const std::string& name) {
  if (name == "gob" || name == "binary" || name == "bin") return Encoding::kBinary;
  if (name == "json") return Encoding::kJson;
  if (name == "csv") return Encoding::kCsv;
  throw InputError("", 0, "-to", "unknown encoding \"" + name + "\" (want binary, json or csv)");
}

// ---- text encodings -------------------------------------------------------------------------

// A header name as Go's net/http keeps it (Vegeta's keys): each word capitalized
// ("content-type" -> "Content-Type"); a name with other bytes than letters, digits and '-' as is.
std::string canonical_header(std::string name) {
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return name;
  bool upper = true;
  for (char& c : name) {
    c = static_cast<char>(upper ? std::toupper(static_cast<unsigned char>(c)) : std::tolower(static_cast<unsigned char>(c)));
    upper = c == '-';
  }
  return name;
}

// The kept header lines, canonical names sorted (values of one name in order), as Go writes them.
std::vector<std::pair<std::string, std::string>> sorted_headers(std::string_view lines) {
  auto pairs = header_pairs(lines);
  for (auto& [name, value] : pairs) name = canonical_header(name);
  std::stable_sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return pairs;
}

nlohmann::ordered_json headers_json(std::string_view lines) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (auto& [name, value] : sorted_headers(lines)) j[name].push_back(value);
  return j;
}

std::string encode_json(const Result& r, const std::string& attack, uint64_t seq, std::string_view body,
                        std::string_view headers, const ConnectPhases& opened, const TraceId& trace) {
  std::string method, url;
  split_label(interned(r.target), method, url);
  nlohmann::ordered_json j;
  j["attack"] = attack;
  j["seq"] = seq;
  j["code"] = r.status;
  j["timestamp"] = format_rfc3339(r.sent_ns());
  j["latency"] = r.uncorrected_ns();
  j["bytes_out"] = r.bytes_out;
  j["bytes_in"] = r.bytes_in;
  j["error"] = interned(r.error);
  // As Go writes Vegeta's nil slices and maps: null for no body, and for no response at all.
  j["body"] = body.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(base64_encode(body));
  j["method"] = method;
  j["url"] = url;
  j["headers"] = r.status == 0 ? nlohmann::ordered_json(nullptr) : headers_json(headers);
  // loadgate's own keys: enough to rebuild the record exactly.
  j["send_delay"] = r.send_delay_ns;
  j["first"] = r.first_ns;
  j["messages"] = r.messages_in();
  if (sends_stream(r.kind)) j["messages_sent"] = r.messages_out();
  if (r.kind == Kind::kHttp) j["sending"] = r.sending_ns();
  if (opened.any()) {
    j["connect"] = opened.connect_ns;
    j["tls"] = opened.tls_ns;
  }
  if (!trace.empty()) j["trace_id"] = trace.hex();
  j["kind"] = std::string(kind_name(r.kind));
  j["error_kind"] = std::string(error_kind_name(r.error_kind));
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string encode_csv(const Result& r, const std::string& attack, uint64_t seq, std::string_view body,
                       std::string_view headers) {
  std::string method, url;
  split_label(interned(r.target), method, url);
  std::string out;
  out += std::to_string(r.sent_ns()) + ",";
  out += std::to_string(r.status) + ",";
  out += std::to_string(r.uncorrected_ns()) + ",";
  out += std::to_string(r.bytes_out) + ",";
  out += std::to_string(r.bytes_in) + ",";
  out += csv_field(interned(r.error)) + ",";
  out += base64_encode(body) + ",";  // "" when not kept
  out += csv_field(attack) + ",";
  out += std::to_string(seq) + ",";
  out += csv_field(method) + ",";
  out += csv_field(url) + ",";
  if (!headers.empty()) {  // Vegeta's: the lines as Go's Header.Write puts them, and a blank line
    std::string wire;
    for (const auto& [name, value] : sorted_headers(headers)) wire += name + ": " + value + "\r\n";
    out += base64_encode(wire + "\r\n");
  }
  out += ",";
  out += std::to_string(r.send_delay_ns) + ",";
  out += std::string(kind_name(r.kind)) + ",";
  out += std::to_string(r.first_ns) + ",";
  out += std::to_string(r.messages) + ",";
  out += std::string(error_kind_name(r.error_kind));
  return out;
}

// ---- ResultWriter ---------------------------------------------------------------------------

ResultWriter::ResultWriter(std::FILE* out, Encoding encoding) : out_(out), encoding_(encoding) {
  if (encoding_ == Encoding::kBinary && std::fwrite(kSignature, 1, 8, out_) != 8) failed_ = true;
}

void ResultWriter::sample(const Sample& s) { frame(kFrameSample, s.to_json()); }

void ResultWriter::end(const RunEnd& e) { frame(kFrameEnd, e.to_json()); }

void ResultWriter::frame(uint8_t type, const std::string& payload) {
  if (encoding_ != Encoding::kBinary) return;
  FrameHead h{type, {0, 0, 0}, static_cast<uint32_t>(payload.size())};
  if (std::fwrite(&h, sizeof h, 1, out_) != 1) failed_ = true;
  if (!payload.empty() && std::fwrite(payload.data(), 1, payload.size(), out_) != payload.size()) failed_ = true;
}

void ResultWriter::header(const AttackInfo& info) {
  attack_ = info.name;
  frame(kFrameHeader, info.to_json());
}

void ResultWriter::define(uint32_t id) {
  if (!defined_.insert(id).second || id == 0) return;
  const std::string& text = interned(id);
  std::string payload(4 + text.size(), '\0');
  std::memcpy(payload.data(), &id, 4);
  std::memcpy(payload.data() + 4, text.data(), text.size());
  frame(kFrameString, payload);
}

void ResultWriter::write(const Result* results, size_t count, const std::vector<KeptResponse>& bodies) {
  line_.clear();
  size_t next_body = 0;
  for (size_t i = 0; i < count; ++i) {
    const Result& r = results[i];
    std::string_view body, headers;
    ConnectPhases opened;
    TraceId trace;
    while (next_body < bodies.size() && bodies[next_body].index < i) ++next_body;
    if (next_body < bodies.size() && bodies[next_body].index == i) {
      body = bodies[next_body].bytes;
      headers = bodies[next_body].headers;
      opened = bodies[next_body].opened;
      trace = bodies[next_body].trace;
    }
    if (encoding_ == Encoding::kBinary) {
      for (const auto& [type, bytes] : {std::pair{kFrameBody, body}, std::pair{kFrameHeaders, headers}}) {
        if (bytes.empty()) continue;
        FrameHead bh{type, {0, 0, 0}, static_cast<uint32_t>(bytes.size())};
        line_.append(reinterpret_cast<const char*>(&bh), sizeof bh);
        line_.append(bytes);
      }
      if (opened.any()) {
        const FrameHead oh{kFrameOpened, {0, 0, 0}, 2 * sizeof(int64_t)};
        line_.append(reinterpret_cast<const char*>(&oh), sizeof oh);
        line_.append(reinterpret_cast<const char*>(&opened.connect_ns), sizeof(int64_t));
        line_.append(reinterpret_cast<const char*>(&opened.tls_ns), sizeof(int64_t));
      }
      if (!trace.empty()) {
        const FrameHead th{kFrameTrace, {0, 0, 0}, sizeof trace.bytes};
        line_.append(reinterpret_cast<const char*>(&th), sizeof th);
        line_.append(reinterpret_cast<const char*>(trace.bytes), sizeof trace.bytes);
      }
      if (!defined_.count(r.target) || !defined_.count(r.error)) {
        // A new string: write what is buffered first, so that definitions precede use.
        if (!line_.empty() && std::fwrite(line_.data(), 1, line_.size(), out_) != line_.size()) failed_ = true;
        line_.clear();
        define(r.target);
        define(r.error);
      }
      const FrameHead h{kFrameResult, {0, 0, 0}, sizeof(Result)};
      line_.append(reinterpret_cast<const char*>(&h), sizeof h);
      line_.append(reinterpret_cast<const char*>(&r), sizeof r);
    } else {
      line_ += encoding_ == Encoding::kJson ? encode_json(r, attack_, seq_, body, headers, opened, trace)
                                            : encode_csv(r, attack_, seq_, body, headers);
      line_ += '\n';
      ++seq_;
    }
  }
  if (!line_.empty() && std::fwrite(line_.data(), 1, line_.size(), out_) != line_.size()) failed_ = true;
}

bool ResultWriter::flush() {
  if (std::fflush(out_) != 0) failed_ = true;
  return !failed_;
}

// ---- ResultReader ---------------------------------------------------------------------------

ResultReader::ResultReader(std::FILE* in, std::string name) : in_(in), name_(std::move(name)) {}

ResultReader::~ResultReader() = default;

bool ResultReader::read_exact(void* dst, size_t n, size_t& got) {
  got = std::fread(dst, 1, n, in_);
  return got == n;
}

bool ResultReader::next(Result& r) {
  if (!error_.empty()) return false;
  if (!started_) {
    started_ = true;
    const int c = std::fgetc(in_);
    if (c == EOF) return false;
    std::ungetc(c, in_);
    if (c == 'L') {
      encoding_ = Encoding::kBinary;
    } else if (c == '{') {
      encoding_ = Encoding::kJson;
    } else if ((c >= '0' && c <= '9') || c == '-') {
      encoding_ = Encoding::kCsv;
    } else if (gob::looks_like_gob(c)) {
      gob_ = std::make_unique<gob::Reader>(in_, name_);
    } else {
      error_ = name_ + ": not a results stream (want loadgate binary, JSON or CSV results, or Vegeta's gob)";
      return false;
    }
  }
  const bool ok = gob_ ? next_gob(r) : encoding_ == Encoding::kBinary ? next_binary(r) : next_text(r);
  if (ok) ++count_;
  return ok;
}

bool ResultReader::next_binary(Result& r) {
  while (true) {
    const int c = std::fgetc(in_);
    if (c == EOF) {
      if (open_stream_ && warning_.empty())
        warning_ = name_ + ": the run did not finish (no end record: it was cut short, e.g. killed); kept " +
                   std::to_string(count_) + " results";
      return false;
    }
    if (c == 'L') {  // a (new) stream signature
      char sig[7];
      size_t got;
      if (!read_exact(sig, 7, got) || std::memcmp(sig, kSignature + 1, 7) != 0) {
        if (got < 7 && std::feof(in_)) {
          warning_ = name_ + ": truncated signature; kept " + std::to_string(count_) + " results";
          return false;
        }
        error_ = name_ + ": corrupt stream after result " + std::to_string(count_);
        return false;
      }
      ids_.clear();
      continue;
    }
    FrameHead h;
    h.type = static_cast<uint8_t>(c);
    size_t got;
    if (!read_exact(reinterpret_cast<char*>(&h) + 1, sizeof h - 1, got)) {
      warning_ =
          name_ + ": truncated after " + std::to_string(count_) + " results (a partial frame header was ignored)";
      return false;
    }
    if (h.length > kMaxFrame || h.type == 0 || h.type > kFrameTrace ||
        (h.type == kFrameTrace && h.length != sizeof(TraceId::bytes)) ||
        (h.type == kFrameResult && h.length != sizeof(Result)) ||
        (h.type == kFrameOpened && h.length != 2 * sizeof(int64_t))) {
      error_ = name_ + ": corrupt frame (type " + std::to_string(h.type) + ", length " + std::to_string(h.length) +
               ") after result " + std::to_string(count_);
      return false;
    }
    if (h.type == kFrameResult) {
      body_.swap(pending_body_);
      pending_body_.clear();
      headers_.swap(pending_headers_);
      pending_headers_.clear();
      opened_ = pending_opened_;
      pending_opened_ = {};
      trace_ = pending_trace_;
      pending_trace_ = {};
      if (!read_exact(&r, sizeof r, got)) {
        warning_ = name_ + ": truncated after " + std::to_string(count_) + " results (" + std::to_string(got) +
                   " bytes of a partial record ignored)";
        return false;
      }
      auto map = [&](uint32_t& id) {
        if (id == 0) return;
        auto it = ids_.find(id);
        id = it != ids_.end() ? it->second : intern("(undefined string " + std::to_string(id) + ")");
      };
      map(r.target);
      map(r.error);
      // Bytes from a file: an unknown kind is corruption; an unknown error kind (a newer
      // writer) reads as "other".
      if (r.scheduled_ns < 0 || r.scheduled_ns > kMaxTimeNs || r.latency_ns < 0 || r.latency_ns > kMaxNs ||
          r.send_delay_ns < 0 || r.send_delay_ns > r.latency_ns || r.first_ns < 0 || r.first_ns > kMaxNs) {
        error_ = name_ + ": corrupt record " + std::to_string(count_ + 1) + " (times out of range)";
        return false;
      }
      if (static_cast<int>(r.kind) >= kKindCount) {
        error_ = name_ + ": corrupt record " + std::to_string(count_ + 1) + " (kind " +
                 std::to_string(static_cast<int>(r.kind)) + ")";
        return false;
      }
      if (static_cast<int>(r.error_kind) >= kErrorKindCount) r.error_kind = ErrorKind::kOther;
      return true;
    }
    buf_.resize(h.length);
    if (!read_exact(buf_.data(), h.length, got)) {
      warning_ = name_ + ": truncated after " + std::to_string(count_) + " results";
      return false;
    }
    if (h.type == kFrameString && h.length >= 4) {
      uint32_t id;
      std::memcpy(&id, buf_.data(), 4);
      if (id < (1u << 24)) {
        ids_[id] = intern(std::string_view(buf_).substr(4));
      }
    } else if (h.type == kFrameHeader) {
      open_stream_ = true;
      AttackInfo info;
      if (on_header && AttackInfo::from_json(buf_, info)) on_header(info);
    } else if (h.type == kFrameBody) {
      pending_body_ = buf_;
    } else if (h.type == kFrameHeaders) {
      pending_headers_ = buf_;
    } else if (h.type == kFrameTrace) {
      std::memcpy(pending_trace_.bytes, buf_.data(), sizeof pending_trace_.bytes);
    } else if (h.type == kFrameOpened) {
      std::memcpy(&pending_opened_.connect_ns, buf_.data(), sizeof(int64_t));
      std::memcpy(&pending_opened_.tls_ns, buf_.data() + sizeof(int64_t), sizeof(int64_t));
      if (pending_opened_.connect_ns < 0 || pending_opened_.connect_ns > kMaxNs || pending_opened_.tls_ns < 0 ||
          pending_opened_.tls_ns > kMaxNs) {
        error_ = name_ + ": corrupt frame (connection phases out of range) after result " + std::to_string(count_);
        return false;
      }
    } else if (h.type == kFrameEnd) {
      open_stream_ = false;
      RunEnd end;
      if (on_end && RunEnd::from_json(buf_, end)) on_end(end);
    } else if (h.type == kFrameSample) {
      if (on_sample)
        if (auto sample = Sample::from_json(buf_)) on_sample(*sample);
    }
  }
}

namespace {

ErrorKind error_kind_from(const std::string& s, bool has_error) {
  for (int k = 0; k < kErrorKindCount; ++k)
    if (error_kind_name(static_cast<ErrorKind>(k)) == s) return static_cast<ErrorKind>(k);
  return has_error ? ErrorKind::kOther : ErrorKind::kNone;
}

}  // namespace

bool ResultReader::next_text(Result& r) {
  char chunk[4096];
  while (true) {
    buf_.clear();
    bool any = false;
    while (std::fgets(chunk, sizeof chunk, in_)) {
      any = true;
      buf_ += chunk;
      if (!buf_.empty() && buf_.back() == '\n') break;
    }
    if (!any) return false;
    ++line_;
    while (!buf_.empty() && (buf_.back() == '\n' || buf_.back() == '\r')) buf_.pop_back();
    if (buf_.empty()) continue;
    const std::string where = name_ + ":" + std::to_string(line_);
    r = Result{};
    std::string method, url, error, kind = "http", ekind;
    int64_t timestamp = 0;
    if (encoding_ == Encoding::kJson) {
      auto j = nlohmann::json::parse(buf_, nullptr, false);
      if (j.is_discarded() || !j.is_object()) {
        if (std::feof(in_)) {
          warning_ = where + ": truncated last line ignored; kept " + std::to_string(count_) + " results";
          return false;
        }
        error_ = where + ": not a JSON result object";
        return false;
      }
      try {
        auto ts = parse_rfc3339(j.value("timestamp", ""));
        if (!ts) {
          error_ = where + ": timestamp: not an RFC 3339 time of years 1678..2261";
          return false;
        }
        timestamp = *ts;
        // Numbers from a file: integers within range, or the record is refused (a latency of
        // 1e30 must not read as 0, nor a negative one pass).
        for (const char* key : {"code", "latency", "bytes_out", "bytes_in", "send_delay", "first", "messages",
                                "messages_sent", "sending", "connect", "tls"}) {
          if (!j.contains(key)) continue;
          const auto& v = j[key];
          const int64_t max = std::string(key) == "code" ? 65535
                            : std::string(key) == "messages" || std::string(key) == "sending" ? UINT32_MAX
                            : std::string(key) == "messages_sent" ? 65535 : kMaxNs;
          if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > max ||
              (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(max))) {
            error_ = where + ": " + key + ": want an integer 0.." + std::to_string(max) + ", got " +
                     printable(v.dump(), 40);
            return false;
          }
        }
        r.status = j.value("code", uint16_t{0});
        r.latency_ns = j.value("latency", int64_t{0});
        r.bytes_out = j.value("bytes_out", uint64_t{0});
        r.bytes_in = j.value("bytes_in", uint64_t{0});
        error = j.value("error", "");
        attack_ = j.value("attack", "");
        body_.clear();
        if (j.contains("body") && j["body"].is_string()) base64_decode(j["body"].get<std::string>(), body_);
        headers_.clear();
        if (j.contains("headers") && j["headers"].is_object())
          for (const auto& [name, values] : j["headers"].items())
            if (values.is_array())
              for (const auto& v : values)
                if (v.is_string()) headers_ += name + ": " + v.get<std::string>() + "\r\n";
        method = j.value("method", "");
        url = j.value("url", "");
        r.send_delay_ns = j.value("send_delay", int64_t{0});
        r.first_ns = j.value("first", int64_t{0});
        r.messages = j.value("messages", uint32_t{0});
        kind = j.value("kind", "http");
        ekind = j.value("error_kind", "");
        if (auto k = kind_from_name(kind); k && sends_stream(*k))
          r.set_stream_messages(r.messages, j.value("messages_sent", uint32_t{0}));
        if (kind == "http") r.set_sending_ns(j.value("sending", int64_t{0}));
        opened_ = {j.value("connect", int64_t{0}), j.value("tls", int64_t{0})};
        trace_ = {};
        if (j.contains("trace_id")) {
          const auto id = j["trace_id"].is_string() ? TraceId::from_hex(j["trace_id"].get<std::string>()) : std::nullopt;
          if (!id) {
            error_ = where + ": trace_id: want 32 lower-case hex digits, not all zero";
            return false;
          }
          trace_ = *id;
        }
      } catch (const nlohmann::json::exception& e) {
        error_ = where + ": wrong type of a field (" + e.what() + ")";
        return false;
      }
    } else {
      auto f = csv_split(buf_);
      if (f.size() != 12 && f.size() != 17) {
        if (std::feof(in_)) {
          warning_ = where + ": truncated last line ignored; kept " + std::to_string(count_) + " results";
          return false;
        }
        error_ = where + ": want 12 or 17 CSV columns, got " + std::to_string(f.size());
        return false;
      }
      try {
        timestamp = std::stoll(f[0]);
        const unsigned long code = std::stoul(f[1]);
        r.latency_ns = std::stoll(f[2]);
        r.bytes_out = std::stoull(f[3]);
        r.bytes_in = std::stoull(f[4]);
        if (code > 65535 || r.latency_ns < 0 || r.latency_ns > kMaxNs || f[3][0] == '-' || f[4][0] == '-') {
          error_ = where + ": a column is out of range (code 0..65535, latency 0.." + std::to_string(kMaxNs) +
                   " ns, bytes >= 0)";
          return false;
        }
        r.status = static_cast<uint16_t>(code);
        error = f[5];
        attack_ = f[7];
        body_.clear();
        base64_decode(f[6], body_);
        headers_.clear();
        if (!f[11].empty() && base64_decode(f[11], headers_) && headers_.size() >= 2 &&
            headers_.compare(headers_.size() - 2, 2, "\r\n") == 0)
          headers_.resize(headers_.size() - 2);  // Go's blank line after the headers
        method = f[9];
        url = f[10];
        if (f.size() == 17) {
          r.send_delay_ns = std::stoll(f[12]);
          kind = f[13];
          r.first_ns = std::stoll(f[14]);
          const unsigned long messages = std::stoul(f[15]);
          ekind = f[16];
          if (r.send_delay_ns < 0 || r.send_delay_ns > kMaxNs || r.first_ns < 0 || r.first_ns > kMaxNs ||
              messages > UINT32_MAX || f[15][0] == '-') {
            error_ = where + ": a column is out of range (send delay and first 0.." + std::to_string(kMaxNs) +
                     " ns, messages >= 0)";
            return false;
          }
          r.messages = static_cast<uint32_t>(messages);
        }
      } catch (const std::exception&) {
        error_ = where + ": a numeric column is not a number";
        return false;
      }
    }
    return vegeta(r, timestamp, method, url, error, kind, ekind, where);
  }
}

// The end of a record in Vegeta's shape (JSON, CSV, gob): times and labels as loadgate keeps them.
bool ResultReader::vegeta(Result& r, int64_t timestamp, const std::string& method, const std::string& url,
                          const std::string& error, const std::string& kind, const std::string& ekind,
                          const std::string& where) {
  if (timestamp < r.send_delay_ns || timestamp > kMaxTimeNs) {  // nothing was measured before 1970 or after 2116
    error_ = where + ": timestamp: out of range (1970..2116)";
    return false;
  }
  // Vegeta's latency is from the actual send; ours adds the send delay back.
  r.scheduled_ns = timestamp - r.send_delay_ns;
  r.latency_ns += r.send_delay_ns;
  r.kind = kind_from_name(kind).value_or(Kind::kHttp);
  r.error = intern(error);
  r.error_kind = error_kind_from(ekind, !error.empty());
  if (r.error_kind == ErrorKind::kOther && r.status != 0 && (r.status < 200 || r.status >= 400))
    r.error_kind = ErrorKind::kStatus;
  r.target = intern(method.empty() ? url : method + " " + url);
  return true;
}

bool ResultReader::next_gob(Result& r) {
  gob::VegetaResult v;
  if (!gob_->next(v)) {
    if (!gob_->error().empty()) error_ = gob_->error();
    if (!gob_->warning().empty()) warning_ = gob_->warning() + "; kept " + std::to_string(count_) + " results";
    return false;
  }
  const std::string where = name_ + ": result " + std::to_string(count_ + 1);
  if (v.code > 65535 || v.latency_ns < 0 || v.latency_ns > kMaxNs) {
    error_ = where + ": a field is out of range (code 0..65535, latency 0.." + std::to_string(kMaxNs) + " ns)";
    return false;
  }
  r = Result{};
  r.status = static_cast<uint16_t>(v.code);
  r.latency_ns = v.latency_ns;
  r.bytes_in = v.bytes_in;
  r.bytes_out = v.bytes_out;
  body_ = std::move(v.body);
  attack_ = std::move(v.attack);
  headers_ = std::move(v.headers);
  return vegeta(r, v.timestamp_ns, v.method, v.url, v.error, "http", "", where);
}

namespace {
std::atomic<ShardCheck> g_shard_check{ShardCheck::kWarn};
}  // namespace

void set_shard_check(ShardCheck check) { g_shard_check = check; }

std::vector<std::string> shard_problems(const std::vector<AttackInfo>& headers) {
  std::vector<std::string> out;
  size_t sharded = 0;
  for (const AttackInfo& h : headers) sharded += h.shard.empty() ? 0 : 1;
  if (sharded == 0) return out;
  if (sharded < headers.size()) out.push_back("sharded and unsharded runs are mixed");
  std::map<int, int> seen;
  int n = 0;
  std::string plan, name;
  for (const AttackInfo& h : headers) {
    if (h.shard.empty()) continue;
    const auto slash = h.shard.find('/');
    const int i = std::atoi(h.shard.substr(0, slash).c_str()), count = std::atoi(h.shard.substr(slash + 1).c_str());
    if (n == 0) {
      n = count;
      plan = h.plan;
      name = h.name;
    } else if (count != n) {
      out.push_back("shards of " + std::to_string(n) + " and of " + std::to_string(count) + " generators are mixed");
    }
    if (h.plan != plan) out.push_back("shard " + h.shard + " ran another plan (" + h.plan + ", not " + plan + ")");
    if (h.name != name) out.push_back("shard " + h.shard + " is of attack \"" + h.name + "\", not \"" + name + "\"");
    if (++seen[i] == 2) out.push_back("shard " + h.shard + " is there twice");
  }
  for (int i = 0; i < n; ++i)
    if (!seen.count(i)) out.push_back("shard " + std::to_string(i) + "/" + std::to_string(n) + " is missing");
  return out;
}

void read_results(const std::vector<std::string>& paths, const std::function<void(const Result&)>& fn,
                  const std::function<void(const Sample&)>& on_sample,
                  const std::function<void(const AttackInfo&)>& on_header,
                  const std::function<void(const RunEnd&)>& on_end,
                  const std::function<void(const RecordExtras&)>& on_extras) {
  std::vector<std::string> inputs = paths.empty() ? std::vector<std::string>{"-"} : paths;
  std::vector<AttackInfo> headers;
  for (const std::string& path : inputs) {
    const bool is_stdin = path == "-" || path == "stdin";
    std::FILE* f = is_stdin ? stdin : std::fopen(path.c_str(), "rb");
    if (!f) throw InputError(path, 0, "", "cannot open results file");
    ResultReader reader(f, is_stdin ? "stdin" : path);
    std::string bad_shard;  // a header's shard label that is not i/n
    reader.on_sample = on_sample;
    reader.on_header = [&](const AttackInfo& info) {
      headers.push_back(info);
      if (!info.shard.empty() && bad_shard.empty()) {
        try {
          parse_shard(info.shard, "shard");
        } catch (const InputError&) {
          bad_shard = info.shard;
        }
      }
      if (on_header) on_header(info);
    };
    reader.on_end = on_end;
    Result r;
    while (reader.next(r)) {
      if (on_extras) on_extras(RecordExtras{reader.body(), reader.attack(), reader.headers(), reader.opened(), reader.trace()});
      fn(r);
    }
    if (!is_stdin) std::fclose(f);
    if (!bad_shard.empty())
      throw InputError(is_stdin ? "stdin" : path, 0, "shard",
                       "\"" + bad_shard + "\" in its header is not a shard (want i/n with 0 <= i < n): a forged or "
                       "damaged results file");
    if (!reader.warning().empty()) std::fprintf(stderr, "loadgate: warning: %s\n", reader.warning().c_str());
    if (!reader.error().empty()) throw InputError("", 0, "", reader.error());
  }
  if (g_shard_check == ShardCheck::kOff) return;
  const std::vector<std::string> problems = shard_problems(headers);
  if (problems.empty()) return;
  std::string all;
  for (const std::string& p : problems) all += (all.empty() ? "" : "; ") + p;
  if (g_shard_check == ShardCheck::kStrict) throw InputError("", 0, "-strict", "the shards do not make a whole: " + all);
  std::fprintf(stderr, "loadgate: warning: the shards do not make a whole: %s\n", all.c_str());
}

void read_metrics(const std::vector<std::string>& paths, Metrics& m, const std::function<void(const Result&)>& each,
                  const std::function<void(const AttackInfo&)>& on_header) {
  ConnectPhases opened;  // of the result that comes next
  TraceId trace;
  read_results(
      paths,
      [&](const Result& r) {
        m.add(r, opened, trace);
        if (each) each(r);
      },
      [&](const Sample& s) { m.add_sample(s); }, on_header, [&](const RunEnd& e) { m.add_generator(e.generator); },
      [&](const RecordExtras& x) {
        opened = x.opened;
        trace = x.trace;
      });
}

std::vector<RunOfFile> read_runs(const std::string& path) {
  std::vector<RunOfFile> runs(1);
  bool headed = false;  // the current run has its header
  ConnectPhases opened;  // of the result that comes next
  TraceId trace;
  read_results(
      {path}, [&](const Result& r) { runs.back().metrics.add(r, opened, trace); },
      [&](const Sample& s) { runs.back().metrics.add_sample(s); },
      [&](const AttackInfo& info) {
        if (headed || runs.back().metrics.count() > 0) runs.emplace_back();
        runs.back().info = info;
        headed = true;
      },
      [&](const RunEnd& e) { runs.back().metrics.add_generator(e.generator); },
      [&](const RecordExtras& x) {
        opened = x.opened;
        trace = x.trace;
      });
  return runs;
}

// ---- ResultsFileSink ------------------------------------------------------------------------

ResultsFileSink::ResultsFileSink(std::FILE* out, Encoding encoding) : writer_(out, encoding) {}

void ResultsFileSink::header(const AttackInfo& info) {
  writer_.header(info);
  if (!writer_.flush()) ok_ = false;
}

void ResultsFileSink::results(const Result* r, size_t n) {
  writer_.write(r, n);
  if (!writer_.flush()) ok_ = false;  // a reader at the other end of a pipe sees results as they happen
}

void ResultsFileSink::results(const Result* r, size_t n, const std::vector<KeptResponse>& bodies) {
  writer_.write(r, n, bodies);
  if (!writer_.flush()) ok_ = false;
}

void ResultsFileSink::sample(const Sample& s) {
  writer_.sample(s);
  if (!writer_.flush()) ok_ = false;
}

void ResultsFileSink::end(const RunEnd& e) {
  writer_.end(e);
  if (!writer_.flush()) ok_ = false;
}

}  // namespace loadgate
