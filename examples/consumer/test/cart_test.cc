// cart_test.cc: the shop's ordinary unit tests, beside its perf tests (perf/).
#include <gtest/gtest.h>

#include "cart.h"
#include "catalog.h"

TEST(Cart, DiscountApplies) {
  EXPECT_EQ(shop::total_cents({1000, 500}, 10), 1350);
  EXPECT_EQ(shop::total_cents({}, 50), 0);
}

TEST(Catalog, FindsProductsById) {
  ASSERT_TRUE(shop::find_product(2));
  EXPECT_EQ(shop::find_product(2)->name, "coffee");
  EXPECT_FALSE(shop::find_product(99));
  EXPECT_EQ(shop::product_json(*shop::find_product(1)), R"({"id":1,"name":"tea","price_cents":450})");
}
