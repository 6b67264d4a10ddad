// cart.cc: the example application's own code.
#include "cart.h"

#include <numeric>

namespace shop {

long total_cents(const std::vector<long>& prices, int discount_percent) {
  const long sum = std::accumulate(prices.begin(), prices.end(), 0L);
  return sum - sum * discount_percent / 100;
}

}  // namespace shop
