// services.h: GoogleTest fixtures that share one embedded reference service per test suite, on
// a port the kernel chose.
#pragma once

#include <gtest/gtest.h>

#include "loadgate/services/api_service.h"
#include "loadgate/services/ws_service.h"

namespace loadgate::testing {

/// ApiFixture: the API service (`api_`) started before a suite's first test, stopped after its last.
class ApiFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { start_api({}); }
  /// Starts `api_` with `o` on a free port (a suite with TLS, say, calls it from its own setup).
  static void start_api(services::ApiOptions o) {
    o.port = 0;
    api_ = new services::ApiService(o);
    api_->start();
  }
  static void TearDownTestSuite() {
    delete api_;
    api_ = nullptr;
  }
  static inline services::ApiService* api_ = nullptr;  ///< the running service
};

/// WsFixture: the WebSocket echo service (`server_`), one per suite.
class WsFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    services::WsServiceOptions o;
    o.port = 0;
    server_ = new services::WsService(o);
    server_->start();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static inline services::WsService* server_ = nullptr;  ///< the running service
};

}  // namespace loadgate::testing
