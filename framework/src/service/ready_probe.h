// ready_probe.h: one attempt of a readiness probe (ReadyProbe) against a started service.
#pragma once

#include <string>

#include "loadgate/duration.h"
#include "loadgate/process.h"

namespace loadgate::service {

/// Tries `probe` once against host:port (or, for a log probe, the file `log`), giving up after
/// `timeout`. Returns "" when the service is ready, else what failed: "connect 127.0.0.1:41234:
/// Connection refused", "GET /health answered 404 Not Found (want 2xx)", "no line of its output
/// matches /listening/ yet".
std::string probe_once(const ReadyProbe& probe, const std::string& host, int port, const std::string& log,
                       Nanos timeout);

}  // namespace loadgate::service
