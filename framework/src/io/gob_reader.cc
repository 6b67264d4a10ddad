// gob_reader.cc: the gob wire format, as far as Vegeta's results need it, with bounds on every
// length (a corrupt file is an error, never a crash or an endless read).
#include "io/gob_reader.h"

#include <cstring>

namespace loadgate::gob {
namespace {

constexpr size_t kMaxMessage = 64u << 20;
constexpr int kMaxDepth = 16;
// Go's predeclared type ids.
constexpr int64_t kBool = 1, kInt = 2, kUint = 3, kFloat = 4, kBytes = 5, kString = 6, kComplex = 7, kInterface = 8;
// Seconds from 0001-01-01 to 1970-01-01 (Go's time.Time counts from year 1).
constexpr int64_t kUnixToInternal = 62135596800;

// An unsigned integer: one byte below 128, else the negated byte count and big-endian bytes.
bool get_uint(const std::string& b, size_t& at, uint64_t& v) {
  if (at >= b.size()) return false;
  const auto first = static_cast<uint8_t>(b[at++]);
  if (first < 0x80) {
    v = first;
    return true;
  }
  const size_t n = 256 - first;
  if (n > 8 || at + n > b.size()) return false;
  v = 0;
  for (size_t i = 0; i < n; ++i) v = v << 8 | static_cast<uint8_t>(b[at++]);
  return true;
}

bool get_int(const std::string& b, size_t& at, int64_t& v) {
  uint64_t u = 0;
  if (!get_uint(b, at, u)) return false;
  v = (u & 1) ? static_cast<int64_t>(~(u >> 1)) : static_cast<int64_t>(u >> 1);
  return true;
}

bool get_bytes(const std::string& b, size_t& at, std::string& v) {
  uint64_t n = 0;
  if (!get_uint(b, at, n) || n > b.size() - at) return false;
  v.assign(b, at, n);
  at += n;
  return true;
}

// time.Time's MarshalBinary: version, seconds since year 1, nanoseconds, zone offset.
bool time_ns(const std::string& m, int64_t& out) {
  if (m.size() < 15 || (m[0] != 1 && m[0] != 2)) return false;
  int64_t sec = 0;
  for (int i = 1; i <= 8; ++i) sec = static_cast<int64_t>(static_cast<uint64_t>(sec) << 8 | static_cast<uint8_t>(m[i]));
  int32_t nsec = 0;
  for (int i = 9; i <= 12; ++i) nsec = static_cast<int32_t>(static_cast<uint32_t>(nsec) << 8 | static_cast<uint8_t>(m[i]));
  const int64_t unix_sec = sec - kUnixToInternal;
  if (unix_sec < 0 || unix_sec > 4'000'000'000 || nsec < 0 || nsec >= 1'000'000'000) return false;
  out = unix_sec * 1'000'000'000 + nsec;
  return true;
}

}  // namespace

bool looks_like_gob(int first) { return first >= 0x80 || (first >= 0 && first < 0x20 && first != '\n'); }

Reader::Reader(std::FILE* in, std::string name) : in_(in), name_(std::move(name)) {}

bool Reader::fail(const std::string& why) {
  if (error_.empty()) error_ = name_ + ": gob message " + std::to_string(messages_ + 1) + ": " + why;
  return false;
}

// Reads one message (length-prefixed) into `body`; false at the end.
bool Reader::message(std::string& body) {
  const int first = std::fgetc(in_);
  if (first == EOF) return false;
  uint64_t len = static_cast<uint64_t>(first);
  if (first >= 0x80) {
    const int n = 256 - first;
    if (n > 8) return fail("bad length");
    len = 0;
    for (int i = 0; i < n; ++i) {
      const int c = std::fgetc(in_);
      if (c == EOF) {
        warning_ = name_ + ": truncated after " + std::to_string(messages_) + " gob messages";
        return false;
      }
      len = len << 8 | static_cast<uint64_t>(c);
    }
  }
  if (len == 0 || len > kMaxMessage) return fail("length " + std::to_string(len) + " out of range");
  body.resize(len);
  if (std::fread(body.data(), 1, len, in_) != len) {
    warning_ = name_ + ": truncated after " + std::to_string(messages_) + " gob messages";
    return false;
  }
  return true;
}

bool Reader::next(VegetaResult& out) {
  std::string body;
  while (error_.empty() && message(body)) {
    size_t at = 0;
    int64_t id = 0;
    if (!get_int(body, at, id)) return fail("bad type id");
    if (id < 0) {
      if (!define(body, at, -id)) return false;
      ++messages_;
      continue;
    }
    auto t = types_.find(id);
    if (t == types_.end() || t->second.kind != Type::kStruct) return fail("a value of unknown type " + std::to_string(id));
    out = VegetaResult{};
    if (!value(t->second, body, at, out)) return false;
    ++messages_;
    return true;
  }
  return false;
}

// A wireType: one of ArrayT (1), SliceT (2), StructT (3), MapT (4), GobEncoderT (5),
// BinaryMarshalerT (6), TextMarshalerT (7); each starts with CommonType {Name, Id}.
bool Reader::define(const std::string& b, size_t& at, int64_t id) {
  uint64_t delta = 0;
  if (!get_uint(b, at, delta) || delta < 1 || delta > 7) return fail("bad type definition");
  Type t;
  t.kind = delta == 1 ? Type::kArray : delta == 2 ? Type::kSlice : delta == 3 ? Type::kStruct : delta == 4 ? Type::kMap : Type::kEncoder;
  int64_t self = 0;
  int field = 0;
  for (;;) {
    uint64_t d = 0;
    if (!get_uint(b, at, d)) return fail("truncated type definition");
    if (d == 0) break;
    field += static_cast<int>(d);
    if (field == 1) {  // CommonType
      int sub = 0;
      for (;;) {
        uint64_t sd = 0;
        if (!get_uint(b, at, sd)) return fail("truncated type name");
        if (sd == 0) break;
        sub += static_cast<int>(sd);
        if (sub == 1 && !get_bytes(b, at, t.name)) return fail("bad type name");
        if (sub == 2 && !get_int(b, at, self)) return fail("bad type id");
        if (sub > 2) return fail("bad CommonType");
      }
    } else if (t.kind == Type::kStruct && field == 2) {  // Field []fieldType {Name, Id}
      uint64_t n = 0;
      if (!get_uint(b, at, n) || n > b.size()) return fail("bad field count");
      for (uint64_t i = 0; i < n; ++i) {
        std::string name;
        int64_t type = 0;
        int sub = 0;
        for (;;) {
          uint64_t sd = 0;
          if (!get_uint(b, at, sd)) return fail("truncated field");
          if (sd == 0) break;
          sub += static_cast<int>(sd);
          if (sub == 1 && !get_bytes(b, at, name)) return fail("bad field name");
          if (sub == 2 && !get_int(b, at, type)) return fail("bad field type");
          if (sub > 2) return fail("bad fieldType");
        }
        t.fields.emplace_back(name, type);
      }
    } else if ((t.kind == Type::kSlice || t.kind == Type::kArray) && field == 2) {
      if (!get_int(b, at, t.elem)) return fail("bad element type");
    } else if (t.kind == Type::kArray && field == 3) {
      int64_t len = 0;
      if (!get_int(b, at, len)) return fail("bad array length");
    } else if (t.kind == Type::kMap && field == 2) {
      if (!get_int(b, at, t.key)) return fail("bad key type");
    } else if (t.kind == Type::kMap && field == 3) {
      if (!get_int(b, at, t.elem)) return fail("bad element type");
    } else {
      return fail("unknown field " + std::to_string(field) + " of a type definition");
    }
  }
  uint64_t end = 0;
  if (!get_uint(b, at, end) || end != 0) return fail("bad end of a type definition");
  if (self != 0 && self != id) return fail("type " + std::to_string(id) + " defined as " + std::to_string(self));
  types_[id] = std::move(t);
  return true;
}

// Skips one value of `type`.
bool Reader::skip(int64_t type, const std::string& b, size_t& at, int depth) {
  if (depth > kMaxDepth) return fail("values nested too deep");
  uint64_t u = 0;
  std::string s;
  switch (type) {
    case kBool:
    case kInt:
    case kUint:
    case kFloat:
      return get_uint(b, at, u) || fail("truncated number");
    case kComplex:
      return (get_uint(b, at, u) && get_uint(b, at, u)) || fail("truncated complex");
    case kBytes:
    case kString:
      return get_bytes(b, at, s) || fail("truncated string");
    case kInterface: {
      if (!get_bytes(b, at, s)) return fail("truncated interface");
      if (s.empty()) return true;  // nil
      int64_t id = 0;
      return (get_int(b, at, id) && get_bytes(b, at, s)) || fail("truncated interface value");
    }
    default:
      break;
  }
  auto it = types_.find(type);
  if (it == types_.end()) return fail("a field of unknown type " + std::to_string(type));
  const Type& t = it->second;
  if (t.kind == Type::kEncoder) return get_bytes(b, at, s) || fail("truncated encoded value");
  if (t.kind == Type::kStruct) {
    size_t field = 0;
    for (;;) {
      uint64_t d = 0;
      if (!get_uint(b, at, d)) return fail("truncated struct");
      if (d == 0) return true;
      field += d;
      if (field == 0 || field > t.fields.size()) return fail("field " + std::to_string(field) + " out of range");
      if (!skip(t.fields[field - 1].second, b, at, depth + 1)) return false;
    }
  }
  uint64_t n = 0;
  if (!get_uint(b, at, n) || n > b.size() - at) return fail("bad count");
  for (uint64_t i = 0; i < n; ++i) {
    if (t.kind == Type::kMap && !skip(t.key, b, at, depth + 1)) return false;
    if (!skip(t.elem, b, at, depth + 1)) return false;
  }
  return true;
}

bool Reader::headers_type(int64_t type) const {
  const auto map = types_.find(type);
  if (map == types_.end() || map->second.kind != Type::kMap || map->second.key != kString) return false;
  const auto slice = types_.find(map->second.elem);
  return slice != types_.end() && slice->second.kind == Type::kSlice && slice->second.elem == kString;
}

// One Result struct: the fields loadgate keeps by name, the others skipped.
bool Reader::value(const Type& t, const std::string& b, size_t& at, VegetaResult& out) {
  size_t field = 0;
  for (;;) {
    uint64_t d = 0;
    if (!get_uint(b, at, d)) return fail("truncated result");
    if (d == 0) return true;
    field += d;
    if (field == 0 || field > t.fields.size()) return fail("field " + std::to_string(field) + " out of range");
    const auto& [name, type] = t.fields[field - 1];
    bool ok = true;
    if (name == "Attack" && type == kString) {
      ok = get_bytes(b, at, out.attack);
    } else if (name == "Seq" && type == kUint) {
      ok = get_uint(b, at, out.seq);
    } else if (name == "Code" && type == kUint) {
      ok = get_uint(b, at, out.code);
    } else if (name == "Latency" && type == kInt) {
      ok = get_int(b, at, out.latency_ns);
    } else if (name == "BytesOut" && type == kUint) {
      ok = get_uint(b, at, out.bytes_out);
    } else if (name == "BytesIn" && type == kUint) {
      ok = get_uint(b, at, out.bytes_in);
    } else if (name == "Error" && type == kString) {
      ok = get_bytes(b, at, out.error);
    } else if (name == "Body" && type == kBytes) {
      ok = get_bytes(b, at, out.body);
    } else if (name == "Method" && type == kString) {
      ok = get_bytes(b, at, out.method);
    } else if (name == "URL" && type == kString) {
      ok = get_bytes(b, at, out.url);
    } else if (name == "Headers" && headers_type(type)) {
      // http.Header, a map[string][]string: each value a line.
      uint64_t n = 0;
      if (!get_uint(b, at, n) || n > b.size() - at) return fail("Headers: bad count");
      for (uint64_t i = 0; ok && i < n; ++i) {
        std::string key;
        uint64_t m = 0;
        ok = get_bytes(b, at, key) && get_uint(b, at, m) && m <= b.size() - at;
        for (uint64_t k = 0; ok && k < m; ++k) {
          std::string v;
          ok = get_bytes(b, at, v);
          out.headers += key + ": " + v + "\r\n";
        }
      }
    } else if (name == "Timestamp" && types_.count(type) && types_[type].kind == Type::kEncoder) {
      std::string m;
      ok = get_bytes(b, at, m);
      if (ok && !time_ns(m, out.timestamp_ns)) return fail("Timestamp: not a time of 1970..2096");
    } else {
      if (!skip(type, b, at)) return false;
      continue;
    }
    if (!ok) return fail(name + ": truncated");
  }
}

}  // namespace loadgate::gob
