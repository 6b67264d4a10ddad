// results_file.h (io layer): the results stream: compact binary records, plus Vegeta's JSON and CSV.
//
// Binary layout (little-endian), appendable and concatenable (`cat a.bin b.bin` is valid):
//   "LOADGATE"                         8-byte signature, starts every stream
//   frame*                              [u8 type][u8 0][u16 0][u32 length][payload]
//     type 1 header   JSON text of AttackInfo
//     type 2 string   u32 id, then the text: defines an id used by later results
//     type 3 result   the 64-byte Result
//     type 4 sample   JSON text of one resource-usage Sample (see resources.h)
//     type 5 end      JSON text of the RunEnd: the run finished (a stream without it was cut short)
//     type 6 body     the kept start of the response body of the result that follows
//     type 7 headers  the kept response header lines of the result that follows
//     type 8 opened   i64 connect ns, i64 tls ns: the connection opened for the result that
//                     follows (ConnectPhases); none when it reused one
//     type 9 trace    16 bytes: the trace id of the result that follows (-trace), for the
//                     slowest only
// String ids are local to a stream; readers map them onto this process's interned ids.
// A reader stops at the last whole frame of a truncated file and says so in warning().
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "loadgate/attack.h"
#include "loadgate/metrics.h"
#include "loadgate/result.h"

namespace loadgate {

/// Encoding selects a results format.
enum class Encoding { kBinary, kJson, kCsv };
/// Parses "gob"/"binary"/"bin", "json", "csv". Throws InputError otherwise.
Encoding parse_encoding(const std::string& name);

/// ResultWriter writes a results stream in one encoding to a FILE*. Not thread-safe: the
/// attacker funnels results to one writer thread.
class ResultWriter {
 public:
  /// Writes to `out` (not owned). For binary, the signature is written immediately.
  ResultWriter(std::FILE* out, Encoding encoding);
  /// Writes the attack's header (binary); JSON and CSV rows take the attack name from it.
  void header(const AttackInfo& info);
  /// Sets the attack name of the JSON and CSV rows that follow (as a header does).
  void set_attack(const std::string& name) { attack_ = name; }
  /// Writes results; string ids are defined in the stream before first use. `bodies` (ordered by
  /// index) are the kept starts of some results' response bodies: a frame of their own before
  /// their result (binary), Vegeta's base64 `body` (JSON, CSV).
  void write(const Result* results, size_t count, const std::vector<KeptResponse>& bodies = {});
  /// Writes one resource sample (binary only: JSON and CSV have no place for it).
  void sample(const Sample& s);
  /// Writes the end of the run (binary only).
  void end(const RunEnd& e);
  /// Flushes the FILE*. Returns false if any write failed so far (e.g. closed pipe).
  bool flush();

 private:
  void frame(uint8_t type, const std::string& payload);
  void define(uint32_t id);
  std::FILE* out_;
  Encoding encoding_;
  std::unordered_set<uint32_t> defined_;
  std::string line_;
  std::string attack_;  // attack name for JSON and CSV rows
  uint64_t seq_ = 0;    // sequence number for JSON and CSV rows
  bool failed_ = false;
};

/// Encodes one result as a line of Vegeta's JSON (plus loadgate's extra keys), no newline;
/// `body` is its kept response body ("" = not kept), base64 in "body"; `headers` its kept header
/// lines ("Name: value\r\n" each), in "headers" as Vegeta's {"Canonical-Name": ["value"]}; an
/// HTTP result's phases in "sending", and "connect" and "tls" when `opened` any (ns); a kept
/// trace id in "trace_id" (hex).
std::string encode_json(const Result& r, const std::string& attack, uint64_t seq, std::string_view body = {},
                        std::string_view headers = {}, const ConnectPhases& opened = {}, const TraceId& trace = {});
/// Encodes one result as a CSV row: Vegeta's 12 columns, then loadgate's 5 extra, no newline;
/// the headers column is Vegeta's (base64 of the header lines as Go writes them: sorted by
/// canonical name, then a blank line).
std::string encode_csv(const Result& r, const std::string& attack, uint64_t seq, std::string_view body = {},
                       std::string_view headers = {});

namespace gob {
class Reader;
}

/// RecordExtras is what a record carries besides its Result: the kept response body and header
/// lines, and for Vegeta's results the attack name each record holds.
struct RecordExtras {
  const std::string& body;      ///< "" when none was kept
  const std::string& attack;    ///< Vegeta's "attack" of the record; "" for loadgate's binary
  const std::string& headers;   ///< "Name: value\r\n" lines; "" when none were kept
  const ConnectPhases& opened;  ///< the connection opened for it ({}: none)
  const TraceId& trace;         ///< its trace id, when one was kept
};

/// ResultReader decodes a results stream of any encoding (detected from the first byte):
/// loadgate's binary frames, JSON or CSV lines (loadgate's or Vegeta's), or Vegeta's default gob.
class ResultReader {
 public:
  /// Reads from `in` (not owned); `name` identifies it in warnings and errors.
  ResultReader(std::FILE* in, std::string name);
  ~ResultReader();
  /// Reads the next result into `r`; false at the end of the stream or on a fatal error
  /// (see error()). Samples and headers met on the way are passed to the callbacks.
  bool next(Result& r);
  /// Called for each header frame met.
  std::function<void(const AttackInfo&)> on_header;
  /// Called for each resource sample met.
  std::function<void(const Sample&)> on_sample;
  /// Called for each end record met.
  std::function<void(const RunEnd&)> on_end;
  /// Non-empty when the stream ended early (truncated, or its run cut short): names the file and
  /// what was kept.
  const std::string& warning() const { return warning_; }
  /// Non-empty when the stream could not be decoded: names the file, record and field.
  const std::string& error() const { return error_; }
  /// Results read so far.
  uint64_t count() const { return count_; }
  /// The kept response body of the result last read ("" when none was kept).
  const std::string& body() const { return body_; }
  /// The kept header lines of the result last read ("Name: value\r\n" each; "" when none).
  const std::string& headers() const { return headers_; }
  /// The attack name of the result last read, when its record holds one (Vegeta's).
  const std::string& attack() const { return attack_; }
  /// The phases of the connection opened for the result last read ({}: none, or not recorded).
  const ConnectPhases& opened() const { return opened_; }
  /// The trace id of the result last read, when one was kept (empty: none).
  const TraceId& trace() const { return trace_; }

 private:
  bool next_binary(Result& r);
  bool next_text(Result& r);
  bool next_gob(Result& r);
  bool vegeta(Result& r, int64_t timestamp, const std::string& method, const std::string& url,
              const std::string& error, const std::string& kind, const std::string& ekind, const std::string& where);
  std::unique_ptr<gob::Reader> gob_;  // Vegeta's gob results
  bool read_exact(void* dst, size_t n, size_t& got);
  std::FILE* in_;
  std::string name_;
  Encoding encoding_ = Encoding::kBinary;
  bool started_ = false;
  std::unordered_map<uint32_t, uint32_t> ids_;  // stream id -> interned id (a map: a tiny file may name id 2^24)
  std::string warning_;
  std::string error_;
  uint64_t count_ = 0;
  uint64_t line_ = 0;
  bool open_stream_ = false;  // a header was read and its end not yet
  std::string buf_;
  std::string body_;          // of the result last read
  std::string attack_;        // of the result last read (Vegeta's records)
  std::string pending_body_;  // a body frame waiting for its result
  std::string headers_;          // of the result last read
  std::string pending_headers_;  // a headers frame waiting for its result
  ConnectPhases opened_;          // of the result last read
  ConnectPhases pending_opened_;  // an opened frame waiting for its result
  TraceId trace_;                 // of the result last read
  TraceId pending_trace_;         // a trace frame waiting for its result
};

/// What is wrong with a set of results headers (one per file read) as the shards of one attack:
/// a shard missing or there twice, shards of different plans or attack names, sharded and
/// unsharded runs mixed. Empty when they make a whole, or when none is sharded.
std::vector<std::string> shard_problems(const std::vector<AttackInfo>& headers);

/// What readers do when the shards read together do not make a whole (shard_problems()).
enum class ShardCheck {
  kWarn,    ///< a warning on stderr (the default)
  kStrict,  ///< an InputError (report and check's -strict)
  kOff,     ///< nothing: files read one by one on purpose (report -by=shard, plot, compare)
};
/// Sets what read_results() and read_metrics() do about shards, for the process.
void set_shard_check(ShardCheck check);

/// Reads every result of `paths` ("-" = stdin) in order, calling fn for each. Warnings (a
/// truncated file) go to stderr. Throws InputError naming the file and record at the first
/// fatal error, after fn saw every result before it.
void read_results(const std::vector<std::string>& paths, const std::function<void(const Result&)>& fn,
                  const std::function<void(const Sample&)>& on_sample = nullptr,
                  const std::function<void(const AttackInfo&)>& on_header = nullptr,
                  const std::function<void(const RunEnd&)>& on_end = nullptr,
                  const std::function<void(const RecordExtras&)>& on_extras = nullptr);

/// Reads every result, resource sample and end record of `paths` into `m`, as read_results(); `each`, when
/// given, sees every result after it was added. Throws InputError as read_results(); `m` then
/// holds everything read before the error.
void read_metrics(const std::vector<std::string>& paths, Metrics& m,
                  const std::function<void(const Result&)>& each = nullptr,
                  const std::function<void(const AttackInfo&)>& on_header = nullptr);

/// RunOfFile is one attack read from a results file: its header and what it measured.
struct RunOfFile {
  AttackInfo info;  ///< its header (empty fields for a file without one, e.g. Vegeta's)
  Metrics metrics;
};

/// The runs of `path`, one per results header in the order they come (the trials of
/// `attack -trials=N` and of `loadgate ab`), or one for a file without headers. Throws as
/// read_results().
std::vector<RunOfFile> read_runs(const std::string& path);

/// ResultsFileSink writes an attack's header, results and resource samples to a results stream,
/// flushing after each batch so that a reader at the other end of a pipe keeps up.
class ResultsFileSink final : public ResultsSink {
 public:
  /// Writes to `out` (not owned) in `encoding`.
  ResultsFileSink(std::FILE* out, Encoding encoding);
  void header(const AttackInfo& info) override;
  void results(const Result* results, size_t count) override;
  void results(const Result* results, size_t count, const std::vector<KeptResponse>& bodies) override;
  void sample(const Sample& sample) override;
  void end(const RunEnd& end) override;
  /// False once any write failed (a closed pipe, a full disk).
  bool ok() const { return ok_.load(); }
  bool broken() const override { return !ok(); }

 private:
  ResultWriter writer_;
  std::atomic<bool> ok_{true};
};

}  // namespace loadgate
