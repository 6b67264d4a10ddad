// template.cc: compiling "{{...}}" placeholders, and filling them into a caller's buffer.
#include "loadgate/template.h"

#include <algorithm>
#include <charconv>
#include <chrono>

#include "core/hex.h"
#include "loadgate/error.h"

namespace loadgate {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool parse_int(std::string_view s, int64_t& v) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

// Appends `v` in decimal without allocating beyond `out`'s growth.
void append_int(std::string& out, int64_t v) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out.append(buf, static_cast<size_t>(p - buf));
}

int index_of(const std::vector<std::string>& names, std::string_view name) {
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<int>(i);
  return -1;
}

std::string listed(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

}  // namespace

std::string Template::shape(std::string_view text, std::string_view with) {
  std::string out;
  size_t at = 0;
  while (at < text.size()) {
    const size_t open = text.find("{{", at);
    if (open == std::string_view::npos) break;
    const size_t close = text.find("}}", open);
    if (close == std::string_view::npos) break;
    out.append(text.substr(at, open - at));
    out.append(with);
    at = close + 2;
  }
  out.append(text.substr(at));
  return out;
}

std::string Template::syntax_problem(std::string_view text) {
  for (size_t open = text.find("{{"); open != std::string_view::npos; open = text.find("{{", open)) {
    const size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) return "\"{{\" without \"}}\" in \"" + printable(text, 60) + "\"";
    open = close + 2;
  }
  return "";
}

Template Template::compile(std::string_view text, const TemplateNames& names, const std::string& field,
                           const std::string& file, Context context) {
  Template t;
  t.source_ = std::string(text);
  // A request head: its first line is the request line (a URL), the rest are headers.
  const size_t line_end = context == Context::kRequestHead ? text.find("\r\n") : std::string_view::npos;
  auto lands_at = [&](size_t at) {
    if (context != Context::kRequestHead) return context;
    return at < line_end ? Context::kUrl : Context::kHeader;
  };
  auto fail = [&](const std::string& why) { throw InputError(file, 0, field, why); };
  size_t at = 0;
  while (at < text.size()) {
    const size_t open = text.find("{{", at);
    const size_t lit_end = open == std::string_view::npos ? text.size() : open;
    if (lit_end > at) {
      Piece p;
      p.offset = static_cast<uint32_t>(t.literals_.size());
      p.length = static_cast<uint32_t>(lit_end - at);
      t.literals_.append(text.substr(at, lit_end - at));
      t.pieces_.push_back(p);
    }
    if (open == std::string_view::npos) break;
    const size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) fail(syntax_problem(text));
    std::string_view inner = trim(text.substr(open + 2, close - open - 2));
    Piece p;
    p.lands = lands_at(open);
    p.at = static_cast<uint32_t>(open);
    p.len = static_cast<uint32_t>(close + 2 - open);
    if (inner.rfind("raw ", 0) == 0) {
      p.raw = true;
      inner = trim(inner.substr(4));
      if (inner.rfind("feed.", 0) != 0 && index_of(names.variables, inner) < 0)
        fail("{{raw " + printable(inner, 40) + "}}: raw is for a feeder column or a journey variable");
    }
    if (inner == "seq") {
      p.kind = Kind::kSeq;
    } else if (inner == "shard") {
      p.kind = Kind::kShard;
    } else if (inner == "uuid") {
      p.kind = Kind::kUuid;
    } else if (inner == "now_unix_ms") {
      p.kind = Kind::kNowMs;
    } else if (inner.rfind("rand_int", 0) == 0 && (inner.size() == 8 || inner[8] == ' ')) {
      p.kind = Kind::kRandInt;
      std::string_view args = trim(inner.substr(8));
      const size_t sp = args.find(' ');
      if (sp == std::string_view::npos || !parse_int(trim(args.substr(0, sp)), p.lo) ||
          !parse_int(trim(args.substr(sp + 1)), p.hi) || p.lo > p.hi)
        fail("{{" + std::string(inner) + "}}: want {{rand_int LOW HIGH}} with integers LOW <= HIGH");
    } else if (inner.rfind("feed.", 0) == 0) {
      p.kind = Kind::kFeed;
      const int i = index_of(names.columns, inner.substr(5));
      if (i < 0)
        fail("{{" + std::string(inner) + "}}: no feeder column \"" + std::string(inner.substr(5)) +
             "\" (columns: " + listed(names.columns) + ")");
      p.index = static_cast<uint32_t>(i);
    } else {
      const int i = index_of(names.variables, inner);
      if (i < 0)
        fail("{{" + printable(inner, 40) + "}}: unknown variable (want seq, shard, rand_int, uuid, now_unix_ms, "
             "feed.COLUMN, or a variable extracted by an earlier step: " + listed(names.variables) + ")");
      p.kind = Kind::kVar;
      p.index = static_cast<uint32_t>(i);
      t.uses_.push_back(p.index);
    }
    t.pieces_.push_back(p);
    ++t.holes_;
    at = close + 2;
  }
  return t;
}

namespace {

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

// Appends a data value as `p` lands it: percent-encoded in a URL unless raw.
void append_value(std::string& out, std::string_view v, Context lands, bool raw) {
  if (lands != Context::kUrl || raw) {
    out.append(v);
    return;
  }
  static const char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : v) {
    if (unreserved(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
}

}  // namespace

bool Template::refused(const Piece& p, std::string_view value) {
  if (p.lands == Context::kText || (p.lands == Context::kUrl && !p.raw)) return false;
  return breaks_lines(value);
}

std::vector<uint32_t> Template::guarded_columns() const {
  std::vector<uint32_t> out;
  for (const Piece& p : pieces_)
    if (p.kind == Kind::kFeed && (p.lands == Context::kHeader || (p.lands == Context::kUrl && p.raw)))
      out.push_back(p.index);
  return out;
}

std::string Template::refusal(const FillContext& ctx) const {
  for (const Piece& p : pieces_) {
    const std::vector<std::string>* from = p.kind == Kind::kFeed ? ctx.row : p.kind == Kind::kVar ? ctx.variables : nullptr;
    if (!from || p.index >= from->size() || !refused(p, (*from)[p.index])) continue;
    return source_.substr(p.at, p.len) + " holds a CR, LF or NUL byte (\"" + printable((*from)[p.index], 40) +
           "\"): refused in " + (p.lands == Context::kHeader ? "a header" : "the request line");
  }
  return "";
}

bool Template::fill(const FillContext& ctx, std::string& out) const {
  bool ok = true;
  for (const Piece& p : pieces_) {
    switch (p.kind) {
      case Kind::kLiteral:
        out.append(literals_, p.offset, p.length);
        break;
      case Kind::kSeq:
        append_int(out, static_cast<int64_t>(ctx.seq));
        break;
      case Kind::kShard:
        out.append(ctx.shard);
        break;
      case Kind::kRandInt: {
        const auto span = static_cast<uint64_t>(p.hi - p.lo) + 1;
        const uint64_t r = span == 0 ? (*ctx.rng)() : (*ctx.rng)() % span;
        append_int(out, p.lo + static_cast<int64_t>(r));
        break;
      }
      case Kind::kUuid: {
        uint64_t a = (*ctx.rng)(), b = (*ctx.rng)();
        a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
        b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10
        char s[36];
        int k = 0;
        for (int i = 0; i < 32; ++i) {
          if (i == 8 || i == 12 || i == 16 || i == 20) s[k++] = '-';
          const uint64_t w = i < 16 ? a : b;
          s[k++] = hex_digit(w >> (60 - 4 * (i % 16)));
        }
        out.append(s, 36);
        break;
      }
      case Kind::kNowMs:
        append_int(out, std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count());
        break;
      case Kind::kFeed:
      case Kind::kVar: {
        const std::vector<std::string>* from = p.kind == Kind::kFeed ? ctx.row : ctx.variables;
        if (!from || p.index >= from->size()) break;
        const std::string& v = (*from)[p.index];
        if (refused(p, v)) {
          ok = false;
          break;
        }
        append_value(out, v, p.lands, p.raw);
        break;
      }
    }
  }
  return ok;
}

}  // namespace loadgate
