// catalog.h: the shop's products and their prices (the application's own code).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace shop {

/// Product is one item for sale; price in cents.
struct Product {
  int id = 0;
  std::string name;
  long price_cents = 0;
};

/// The products on sale, ids 1..n.
const std::vector<Product>& catalog();

/// The product with `id`, or nullopt.
std::optional<Product> find_product(int id);

/// A product as JSON: {"id":1,"name":"tea","price_cents":450}.
std::string product_json(const Product& p);

/// A product list as JSON: [{"id":1,"name":"...","price_cents":1200}, ...].
std::string products_json(const std::vector<Product>& products);

}  // namespace shop
