// cart.h: the example application's own code.
#pragma once

#include <vector>

namespace shop {

/// Total price in cents of `prices` (cents), with `discount_percent` (0..100) off.
long total_cents(const std::vector<long>& prices, int discount_percent);

}  // namespace shop
