// api_service.h: the embedded reference HTTP API (cpp-httplib) that suites attack by default.
//
// Endpoints (JSON in and out):
//   GET  /health                 {"status":"ok"}
//   GET  /api/items              list of 20 items
//   GET  /api/items/{id}         one item, or 404
//   POST /api/items              validates {"name": non-empty string, "price": number >= 0}: 201 or 400
//   GET  /api/compute?n=N        CPU work: N rounds of SHA-256 (default 1000, max 1e6)
//   GET  /api/delay?ms=M         sleeps M ms (max 60000) then answers; us=U for microseconds,
//        &noise=S                each delay times a log-normal factor of spread S (a server of
//                                known latency, for A/A and A/B experiments: ci/bench-gate)
//   GET  /api/stall?ms=M&after=K the K-th call (default 1) stalls the *whole service* for M ms
//                                once, like a GC pause: every request in flight waits
//   GET  /api/limited?ms=M       at most `limited_concurrency` served at once, each taking M ms
//                                (default 10) on a fixed schedule: a known capacity of
//                                concurrency * 1000 / M req/s, however late the machine wakes
//   GET  /api/degrade?ms=M       answers in 1 ms until `degrade_after` of uptime, then in M ms;
//        &after=A&key=K          with a key: degraded A ms after the first call with that key
//   GET  /api/status/{code}      answers with that status code
//   GET  /api/chunked?chunks=N   N chunks of 10 bytes, chunked transfer encoding; &delay=D: D ms
//        &delay=D&gap=G          before the headers, &gap=G: G ms before each chunk after the
//                                first (phases of known size: waiting D, receiving (N-1)*G)
//   GET  /api/redirect?to=URL    302 to URL (default /health)
#pragma once

#include <chrono>
#include <memory>
#include <string>

namespace loadgate::services {

/// ApiOptions configure the API service.
struct ApiOptions {
  std::string host = "127.0.0.1";                  ///< address to bind (loopback by default)
  int port = 8000;                                 ///< 0 = any free port
  /// Threads started ahead. A thread serves one connection while it is open (keep-alive), and
  /// one more is started for each connection that finds none idle, up to max_threads.
  int threads = 64;
  /// Connections served at once; one beyond them waits until another closes (its requests
  /// time out on the client). As many as a generator opens by default (-max-workers 1024).
  int max_threads = 1024;
  int limited_concurrency = 4;                     ///< /api/limited slots
  std::chrono::milliseconds degrade_after{10000};  ///< /api/degrade turns slow after this uptime
  std::string cert_file;                           ///< PEM certificate: serve HTTPS instead of HTTP
  std::string key_file;                            ///< PEM private key of cert_file
};

/// ApiService runs the API on its own threads until stop() or destruction.
class ApiService {
 public:
  explicit ApiService(ApiOptions options = {});
  ~ApiService();
  ApiService(const ApiService&) = delete;
  ApiService& operator=(const ApiService&) = delete;

  /// Binds and starts serving; returns the bound port. Throws std::runtime_error if the
  /// address cannot be bound.
  int start();
  /// Stops serving and joins its threads. Idempotent.
  void stop();
  /// Base URL, e.g. "http://127.0.0.1:8000".
  std::string url() const;
  /// Bound port (0 before start()).
  int port() const;
  /// Requests that reached `path` (the path alone, no query) so far: what tests check the
  /// wire with (e.g. that no request went out without a token).
  uint64_t served(const std::string& path) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace loadgate::services
