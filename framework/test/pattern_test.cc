// pattern_test.cc: user regular expressions on data loadgate does not control: linear time,
// bounded stack, refused up front when RE2 does not take them (issue #27, rows 2-4).
#include "core/pattern.h"

#include <gtest/gtest.h>

#include <chrono>

#include "loadgate/error.h"

namespace loadgate {
namespace {

TEST(Pattern, FirstGroupOrWholeMatch) {
  struct Row {
    const char* expr;
    const char* text;
    bool found;
    const char* value;
  };
  const Row rows[] = {
      {R"x("token":"([^"]+)")x", R"x({"token":"abc.def"})x", true, "abc.def"},
      {"id=[0-9]+", "x id=42 y", true, "id=42"},
      {"(a)(b)", "ab", true, "a"},
      {"^ready$", "not ready", false, ""},
      {"(?i)READY", "server is ready", true, "ready"},
  };
  for (const Row& r : rows) {
    std::string value;
    EXPECT_EQ(Pattern::compile(r.expr, "j.json", 0, "x").search(r.text, &value), r.found) << r.expr;
    if (r.found) EXPECT_EQ(value, r.value) << r.expr;
  }
}

// The probe's bodies: std::regex recursed through the first (SIGSEGV) and backtracked on the
// second for a minute. RE2 answers both at once; the bound is counted, not timed: one search of
// 1 MB may take well under a second even on a busy machine, but not 60.
TEST(Pattern, HostileBodiesStayLinear) {
  const std::string body(1 << 20, 'a');
  const auto start = std::chrono::steady_clock::now();
  std::string value;
  EXPECT_TRUE(Pattern::compile("(.*)!", "j.json", 0, "x").search(body + "!", &value));
  EXPECT_EQ(value.size(), body.size());
  EXPECT_FALSE(Pattern::compile("(a+)+$", "j.json", 0, "x").search(std::string(30, 'a') + "!" + "b"));
  EXPECT_FALSE(Pattern::compile("(a|b)*z", "log", 0, "x").search(std::string(200000, 'a')));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST(Pattern, UnsupportedSyntaxIsAnInputErrorNamingTheField) {
  for (const char* expr : {"(a)\\1", "(?=x)", "(unclosed"}) {
    try {
      Pattern::compile(expr, "j.json", 3, "steps[0].extract.t");
      FAIL() << expr;
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("j.json:3: steps[0].extract.t: ", 0), 0u) << e.what();
    }
  }
}

}  // namespace
}  // namespace loadgate
