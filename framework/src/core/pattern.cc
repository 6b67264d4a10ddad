// pattern.cc: RE2 behind loadgate's Pattern.
#include "core/pattern.h"

#include <re2/re2.h>

#include "loadgate/error.h"

namespace loadgate {

Pattern Pattern::compile(const std::string& expr, const std::string& file, int line, const std::string& field) {
  RE2::Options o;
  o.set_log_errors(false);
  o.set_max_mem(8 << 20);  // the compiled program and its DFA cache: 8 MB at most
  auto re = std::make_shared<const RE2>(expr, o);
  if (!re->ok())
    throw InputError(file, line, field, "\"" + printable(expr) + "\" is not a regular expression RE2 accepts (" +
                                            re->error() + "; RE2 has no backreferences or lookaround)");
  Pattern p;
  p.re_ = std::move(re);
  p.source_ = expr;
  return p;
}

bool Pattern::search(std::string_view text, std::string* found) const {
  if (!re_) return false;
  const int groups = re_->NumberOfCapturingGroups();
  re2::StringPiece match[2];
  const int n = groups > 0 ? 2 : 1;
  if (!re_->Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), RE2::UNANCHORED, match, n)) return false;
  if (found) {
    const re2::StringPiece& m = match[n - 1];
    found->assign(m.data() ? m.data() : "", m.size());
  }
  return true;
}

}  // namespace loadgate
