// catalog.cc: the shop's products.
#include "catalog.h"

namespace shop {

const std::vector<Product>& catalog() {
  static const std::vector<Product> products = {
      {1, "tea", 450}, {2, "coffee", 1200}, {3, "mug", 900}, {4, "kettle", 3500}, {5, "gift card", 2500}};
  return products;
}

std::optional<Product> find_product(int id) {
  for (const Product& p : catalog())
    if (p.id == id) return p;
  return std::nullopt;
}

std::string product_json(const Product& p) {
  return "{\"id\":" + std::to_string(p.id) + ",\"name\":\"" + p.name + "\",\"price_cents\":" +
         std::to_string(p.price_cents) + "}";
}

std::string products_json(const std::vector<Product>& products) {
  std::string out = "[";
  for (const Product& p : products) out += (out.size() > 1 ? "," : "") + product_json(p);
  return out + "]";
}

}  // namespace shop
