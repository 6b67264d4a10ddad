// template.h (core layer): text with holes, compiled once and filled per request without allocating.
//
//   {{seq}}               the hit's number (0, 1, 2, ...)
//   {{shard}}             the generator's shard, "0/1" when not sharded
//   {{rand_int 1 1000}}   a uniform random integer in [1, 1000]
//   {{uuid}}              a random RFC 4122 version-4 UUID
//   {{now_unix_ms}}       the current Unix time in milliseconds
//   {{feed.column}}       a column of the feeder's row for this hit (feeder.h)
//   {{name}}              a journey variable, extracted by an earlier step (journey.h)
//   {{raw feed.column}}   (and {{raw name}}) the value as it is, not percent-encoded in a URL
//
// Values from data (feeder columns, journey variables) are checked where they land, by the
// template's Context: in a URL (the request line, an HTTP/2 :path) they are percent-encoded but
// for RFC 3986's unreserved bytes, unless raw; in a header or the request line (raw) a value
// with CR, LF or NUL is refused (fill() returns false), so that no data can end a header early
// or smuggle a request. In a body they go as they are.
//
//   auto t = loadgate::Template::compile("/api/items/{{rand_int 1 5}}?u={{feed.user}}", names, "url");
//   std::string out;  t.fill(ctx, out);   // appends; `out` keeps its capacity between fills
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace loadgate {

/// TemplateNames are the names a template may use: the feeder's columns and the journey's
/// variables. Anything else is an error when the template is compiled.
struct TemplateNames {
  std::vector<std::string> columns;    ///< feeder columns, for {{feed.column}}
  std::vector<std::string> variables;  ///< journey variables, for {{name}}
};

/// FillContext is what one fill reads. Cheap to set up per request; nothing in it is copied.
struct FillContext {
  uint64_t seq = 0;
  std::string_view shard = "0/1";
  std::mt19937_64* rng = nullptr;                        ///< the thread's generator (required for rand_int, uuid)
  const std::vector<std::string>* row = nullptr;         ///< the feeder's row (indexed as TemplateNames::columns)
  const std::vector<std::string>* variables = nullptr;   ///< journey values (indexed as TemplateNames::variables)
};

/// Whether `value` holds a CR, LF or NUL byte: what may not land in a header or a request line.
inline bool breaks_lines(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

/// Where a template's text goes: what its data values must not contain (see above).
enum class Context : uint8_t {
  kText,         ///< a body, a gRPC message: values as they are
  kUrl,          ///< a URL's path and query: values percent-encoded (raw: refused with CR, LF, NUL)
  kHeader,       ///< a header value: values with CR, LF or NUL refused
  kRequestHead,  ///< an HTTP/1.1 request line (kUrl) and then its headers (kHeader)
};

/// Template is literal pieces and holes. Copyable; immutable once compiled.
class Template {
 public:
  /// Compiles `text`. Throws InputError naming `field` ("url", "header X-A", "body", "journey
  /// steps[1].url") for an unknown placeholder, a name not in `names`, bad rand_int bounds, or
  /// an unclosed "{{".
  static Template compile(std::string_view text, const TemplateNames& names, const std::string& field,
                          const std::string& file = "", Context context = Context::kText);
  /// Why `text` cannot be a template whatever the names ("\"{{\" without \"}}\" in ..."), or
  /// "": what a targets file is checked for line by line, before any feeder is known.
  static std::string syntax_problem(std::string_view text);
  /// Whether `text` has a "{{" at all (fast check before compiling).
  static bool has_holes(std::string_view text) { return text.find("{{") != std::string_view::npos; }
  /// `text` with every placeholder replaced by `with`: what a templated URL must look like to
  /// parse ("http://h/items/{{seq}}" -> "http://h/items/0").
  static std::string shape(std::string_view text, std::string_view with = "0");

  /// Appends the filled text to `out`. Allocates only when `out` must grow. Returns false when
  /// a data value was refused where it lands (CR, LF or NUL in a header or a raw URL value): the
  /// text is then incomplete and must not be sent; refusal() says which.
  bool fill(const FillContext& ctx, std::string& out) const;
  /// Why fill() refused `ctx`'s values ("{{feed.h}} holds a CR, LF or NUL byte; refused in a
  /// header"), or "" when it did not. Off the hot path.
  std::string refusal(const FillContext& ctx) const;
  /// The feeder columns whose values land where CR, LF and NUL are refused (checked once
  /// against the whole feeder before an attack: Feeder::refuse_breaks()).
  std::vector<uint32_t> guarded_columns() const;
  /// Whether it has holes (else fill() copies the literal).
  bool dynamic() const { return holes_ > 0; }
  /// The variables it uses (indices into TemplateNames::variables).
  const std::vector<uint32_t>& uses() const { return uses_; }
  /// The text as written (messages).
  const std::string& source() const { return source_; }

 private:
  enum class Kind : uint8_t { kLiteral, kSeq, kShard, kRandInt, kUuid, kNowMs, kFeed, kVar };
  struct Piece {
    Kind kind = Kind::kLiteral;
    uint32_t offset = 0, length = 0;  // kLiteral: the text in literals_
    uint32_t index = 0;               // kFeed: column; kVar: variable
    int64_t lo = 0, hi = 0;           // kRandInt
    Context lands = Context::kText;   // kFeed, kVar: kText, kUrl or kHeader
    bool raw = false;                 // {{raw ...}}: not percent-encoded
    uint32_t at = 0, len = 0;         // the hole "{{...}}" in source_ (messages)
  };
  // Whether a data value may land where `p` puts it.
  static bool refused(const Piece& p, std::string_view value);
  std::string source_;
  std::string literals_;
  std::vector<Piece> pieces_;
  std::vector<uint32_t> uses_;
  size_t holes_ = 0;
};

}  // namespace loadgate
