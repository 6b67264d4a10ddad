// interner_test.cc: ids are stable, distinct, shared across threads, and 0 means "no string".
#include "loadgate/interner.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

namespace loadgate {
namespace {

TEST(Interner, SameTextSameIdDifferentTextDifferentId) {
  const uint32_t a = intern("interner-test a"), b = intern("interner-test b");
  EXPECT_NE(a, 0u);
  EXPECT_NE(a, b);
  EXPECT_EQ(intern("interner-test a"), a);
  EXPECT_EQ(interned(a), "interner-test a");
  EXPECT_EQ(interned(b), "interner-test b");
}

TEST(Interner, EmptyIsZeroAndUnknownIdsAreEmpty) {
  EXPECT_EQ(intern(""), 0u);
  EXPECT_EQ(interned(0), "");
  EXPECT_EQ(interned(0xFFFFFFF0u), "");
}

TEST(Interner, ThreadsAgreeOnIds) {
  constexpr int kThreads = 4, kTexts = 500;
  std::vector<std::vector<uint32_t>> ids(kThreads, std::vector<uint32_t>(kTexts));
  std::vector<std::thread> pool;
  for (int t = 0; t < kThreads; ++t)
    pool.emplace_back([&, t] {
      for (int i = 0; i < kTexts; ++i) ids[t][i] = intern("interner-test text " + std::to_string(i));
    });
  for (auto& th : pool) th.join();
  std::set<uint32_t> distinct(ids[0].begin(), ids[0].end());
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kTexts));
  for (int t = 1; t < kThreads; ++t) EXPECT_EQ(ids[t], ids[0]);
  EXPECT_EQ(interned(ids[2][123]), "interner-test text 123");
}

}  // namespace
}  // namespace loadgate
