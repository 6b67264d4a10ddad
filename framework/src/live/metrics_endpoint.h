// metrics_endpoint.h (internal): the HTTP endpoint that serves /metrics to Prometheus. One
// thread runs one event loop for every connection, so that idle or slow clients cost a socket
// each and never a thread: a scrape is answered beside any number of them. Bounded in every
// way a client can push it: a head of at most kMaxScrapeHead bytes, a time to send it, a time to
// read the answer, and a number of connections (past it, the oldest one still sending its
// request is closed to make room).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace loadgate {

/// MetricsEndpoint serves GET/HEAD /metrics with the text `scrape` returns (called on the
/// endpoint's thread, once per request), 404 elsewhere, until it is destroyed.
class MetricsEndpoint {
 public:
  /// Limits bound what clients can hold.
  struct Limits {
    size_t connections = 256;  ///< open at once; the oldest unanswered one makes room past it
    std::chrono::milliseconds request_timeout{2000};  ///< to send a whole request head, counted
                                                      ///< from the connection or the last answer
    std::chrono::milliseconds write_timeout{10000};   ///< to read the whole answer
  };

  /// Listens on `listen` ("127.0.0.1:9464", ":9464" for every address, "[::1]:9464",
  /// "localhost:9464"). Throws std::runtime_error, with the reason, when it cannot.
  MetricsEndpoint(const std::string& listen, std::function<std::string()> scrape, Limits limits);
  /// Closes every connection and stops the thread.
  ~MetricsEndpoint();
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  /// The port it listens on (the one given, or the one the system chose for port 0).
  uint16_t port() const;

  struct Impl;  ///< (metrics_endpoint.cc)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace loadgate
