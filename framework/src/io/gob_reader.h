// gob_reader.h (internal): Vegeta's default results encoding, Go's gob, read without Go.
//
// A gob stream is a sequence of messages, each a length, a type id and a value: a negative id
// defines type -id (a wireType: struct, slice, map or GobEncoder), a positive one carries a value
// of that type. Vegeta writes one Result struct per message, after the definitions of Result,
// time.Time (a GobEncoder: MarshalBinary bytes) and http.Header (map[string][]string). The
// reader decodes the definitions it meets, so it follows any field order and skips fields it
// does not know (Body, Headers), as Go's decoder does.
// Format facts: https://pkg.go.dev/encoding/gob (the wire format is documented there).
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace loadgate::gob {

/// VegetaResult is the part of one of Vegeta's results that loadgate keeps.
struct VegetaResult {
  std::string attack;
  uint64_t seq = 0;
  uint64_t code = 0;
  int64_t timestamp_ns = 0;  ///< Unix ns of the send
  int64_t latency_ns = 0;    ///< from the send to the response
  uint64_t bytes_out = 0, bytes_in = 0;
  std::string error, method, url;
  std::string body;     ///< the response body Vegeta kept
  std::string headers;  ///< the response headers, "Name: value\r\n" lines
};

/// Reader decodes Vegeta's gob results from a stream whose first byte is already known to start
/// one (see looks_like_gob()).
class Reader {
 public:
  /// Reads from `in` (not owned); `name` names it in errors.
  Reader(std::FILE* in, std::string name);
  /// The next result; false at the end or on an error (see error()).
  bool next(VegetaResult& out);
  /// Non-empty when the stream is not valid gob, or not Vegeta's results.
  const std::string& error() const { return error_; }
  /// Non-empty when the stream ended inside a message (truncated).
  const std::string& warning() const { return warning_; }

 private:
  struct Type {
    enum Kind { kBasic, kStruct, kSlice, kMap, kEncoder, kArray } kind = kBasic;
    std::string name;
    std::vector<std::pair<std::string, int64_t>> fields;  // structs: (name, type id)
    int64_t elem = 0, key = 0;                            // slices, arrays, maps
  };
  bool message(std::string& body);
  bool define(const std::string& body, size_t& at, int64_t id);
  bool value(const Type& t, const std::string& body, size_t& at, VegetaResult& out);
  bool skip(int64_t type, const std::string& body, size_t& at, int depth = 0);
  // Whether `type` is a map[string][]string (http.Header).
  bool headers_type(int64_t type) const;
  bool fail(const std::string& why);

  std::FILE* in_;
  std::string name_;
  std::map<int64_t, Type> types_;
  std::string error_, warning_;
  uint64_t messages_ = 0;
};

/// Whether `first` (the first byte of a stream) can begin a gob stream and not any other
/// results encoding: a control byte or 0x80..0xff (a length), never '{', 'L' or a digit.
bool looks_like_gob(int first);

}  // namespace loadgate::gob
