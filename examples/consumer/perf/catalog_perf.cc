// catalog_perf.cc: the catalog alone, with one shop_server shared by the suite's tests: started
// once in SetUpTestSuite() from the C++ API, handed to each attack, stopped at the end.
#include <loadgate/gtest.h>

#include <optional>

class Catalog : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    loadgate::ProcessSpec spec;
    spec.command = {SHOP_SERVER, "--port", "{port}"};
    spec.ready = *loadgate::parse_ready("http:/health");
    server_.emplace(spec, "catalog", loadgate::reports_dir() + "/catalog.service.log");
  }
  static void TearDownTestSuite() { server_.reset(); }  // SIGTERM, then SIGKILL after a grace
  static std::optional<loadgate::Service> server_;
};
std::optional<loadgate::Service> Catalog::server_;

TEST_F(Catalog, Light) {
  auto run = loadgate::attack(loadgate::targets_file("targets/catalog.txt"), loadgate::scenario("catalog.light"),
                              &*server_);
  PERF_EXPECT_BASELINE(run);
}
