// shop_server.cc: the shop's HTTP API (cpp-httplib), the service its perf tests load.
//   shop_server --port 8080
//   GET  /health              200 "ok"
//   GET  /api/products        the catalog as JSON
//   GET  /api/products/{id}   one product, 404 when unknown
//   POST /api/checkout        {"items":[1,2], "discount_percent":10} -> {"total_cents":1485}
#include <httplib.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <regex>
#include <string>

#include "cart.h"
#include "catalog.h"

namespace {

httplib::Server* g_server = nullptr;

void on_term(int) {
  if (g_server) g_server->stop();
}

// The numbers of "items":[...] and "discount_percent":N in `body`; false when malformed.
bool parse_checkout(const std::string& body, std::vector<long>& prices, int& discount) {
  static const std::regex items(R"re("items"\s*:\s*\[([0-9,\s]*)\])re");
  static const std::regex pct(R"re("discount_percent"\s*:\s*([0-9]+))re");
  std::smatch m;
  if (!std::regex_search(body, m, items)) return false;
  const std::string list = m[1];
  for (size_t at = 0; at < list.size();) {
    const size_t end = std::min(list.find(',', at), list.size());
    const std::string n = list.substr(at, end - at);
    if (n.find_first_of("0123456789") != std::string::npos) {
      auto p = shop::find_product(std::atoi(n.c_str()));
      if (!p) return false;
      prices.push_back(p->price_cents);
    }
    at = end + 1;
  }
  discount = std::regex_search(body, m, pct) ? std::atoi(m[1].str().c_str()) : 0;
  return discount <= 100;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 8080;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--port") port = std::atoi(argv[i + 1]);
  httplib::Server svr;
  g_server = &svr;
  // cpp-httplib's defaults close a connection after 5 requests and serve 8 connections at once;
  // a client that keeps its connections (any load tester, any proxy) wants more of both.
  svr.set_tcp_nodelay(true);
  svr.set_keep_alive_max_count(100000);
  svr.new_task_queue = [] { return new httplib::ThreadPool(32); };
  svr.Get("/health", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
  svr.Get("/api/products", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(shop::products_json(shop::catalog()), "application/json");
  });
  svr.Get(R"(/api/products/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
    auto p = shop::find_product(std::atoi(req.matches[1].str().c_str()));
    if (!p) {
      res.status = 404;
      return;
    }
    res.set_content(shop::product_json(*p), "application/json");
  });
  svr.Post("/api/checkout", [](const httplib::Request& req, httplib::Response& res) {
    std::vector<long> prices;
    int discount = 0;
    if (!parse_checkout(req.body, prices, discount)) {
      res.status = 400;
      res.set_content("{\"error\":\"want {\\\"items\\\":[ids], \\\"discount_percent\\\":0..100}\"}", "application/json");
      return;
    }
    res.set_content("{\"total_cents\":" + std::to_string(shop::total_cents(prices, discount)) + "}", "application/json");
  });
  signal(SIGTERM, on_term);
  signal(SIGINT, on_term);
  if (!svr.bind_to_port("127.0.0.1", port)) {
    std::fprintf(stderr, "shop_server: cannot listen on 127.0.0.1:%d\n", port);
    return 1;
  }
  std::printf("shop_server: listening on 127.0.0.1:%d\n", port);
  std::fflush(stdout);
  svr.listen_after_bind();
  return 0;
}
