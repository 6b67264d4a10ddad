// cart_test.cc: an ordinary unit test, beside the perf test.
#include "cart.h"

#include <gtest/gtest.h>

TEST(Cart, DiscountApplies) {
  EXPECT_EQ(shop::total_cents({1000, 500}, 10), 1350);
  EXPECT_EQ(shop::total_cents({}, 50), 0);
}
