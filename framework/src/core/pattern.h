// pattern.h (internal): a user's regular expression, run on data loadgate does not control (a
// response body, a service's output) in time linear in the data and bounded memory: RE2, not
// std::regex, whose backtracking recursed through a 30 KB body (a crash) and took a minute on
// "(a+)+$" (issue #27). Compiled once; RE2's syntax (no backreferences, no lookaround).
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace loadgate {

/// Pattern is a compiled regular expression. Copyable (shares the compiled program); thread-safe.
class Pattern {
 public:
  /// Compiles `expr`. Throws InputError naming `file`, `line` and `field` when RE2 refuses it
  /// (a syntax it does not support, or a program larger than its memory bound).
  static Pattern compile(const std::string& expr, const std::string& file, int line, const std::string& field);
  /// Whether `text` holds a match anywhere; its first group (or the whole match when the
  /// pattern has no group) into `found` when not null.
  bool search(std::string_view text, std::string* found = nullptr) const;
  /// The pattern as written.
  const std::string& source() const { return source_; }

 private:
  std::shared_ptr<const re2::RE2> re_;
  std::string source_;
};

}  // namespace loadgate
