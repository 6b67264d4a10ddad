// live_endpoint.h (internal): the HTTP endpoint of the live layer: /metrics for Prometheus, the
// dashboard's page and its stream of server-sent events. One thread runs one event loop for
// every connection, so that idle or slow clients cost a socket each and never a thread: a scrape
// is answered beside any number of them. Bounded in every way a client can push it: a head of at
// most kMaxScrapeHead bytes, a time to send it, a time to read an answer, a backlog of events a
// stream may leave unread, and a number of connections (past it, the oldest one still sending
// its request is closed to make room).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "scrape_request.h"

namespace loadgate {

/// LiveEndpoint serves GET/HEAD of the pages its routes name and, at one path, a stream of
/// server-sent events (text/event-stream) that gets every event published while it is open,
/// until it is destroyed.
class LiveEndpoint {
 public:
  /// Limits bound what clients can hold.
  struct Limits {
    size_t connections = 256;  ///< open at once; the oldest unanswered one makes room past it
    std::chrono::milliseconds request_timeout{2000};  ///< to send a whole request head, counted
                                                      ///< from the connection or the last answer
    std::chrono::milliseconds write_timeout{10000};   ///< to read a whole answer, or one write
                                                      ///< of an event stream
    size_t stream_backlog = 4 << 20;  ///< bytes of events a stream may leave unread before it
                                      ///< is closed (a slow reader is dropped, never waited for)
  };
  /// Routes say what is served.
  struct Routes {
    /// The page a request asks for (by its path, without the query; by its Accept header), or
    /// nullopt for 404. Called on the endpoint's thread, once per request.
    std::function<std::optional<Page>(const ScrapeRequest& request)> page;
    /// The path of the event stream ("" = none).
    std::string events;
    /// What a stream gets first, on the endpoint's thread when it opens (events already
    /// formatted, "event: x\ndata: ...\n\n"); null = nothing.
    std::function<std::string()> greeting;
  };

  /// Listens on `listen` ("127.0.0.1:9464", ":9464" for every address, "[::1]:9464",
  /// "localhost:9464"). Throws std::runtime_error, with the reason, when it cannot.
  LiveEndpoint(const std::string& listen, Routes routes, Limits limits);
  /// Closes every connection and stops the thread.
  ~LiveEndpoint();
  LiveEndpoint(const LiveEndpoint&) = delete;
  LiveEndpoint& operator=(const LiveEndpoint&) = delete;

  /// The port it listens on (the one given, or the one the system chose for port 0).
  uint16_t port() const;
  /// Runs `task` on the endpoint's thread, in order with the requests it serves. Thread-safe.
  void post(std::function<void()> task);
  /// Calls `tick` on the endpoint's thread every `period`, from one period after now, until the
  /// endpoint is destroyed.
  void every(std::chrono::milliseconds period, std::function<void()> tick);
  /// Sends `event` (formatted) to every open stream. On the endpoint's thread only (from a tick
  /// or a posted task), so that it is ordered with the greetings.
  void publish(const std::string& event);
  /// Waits until every stream has written all that was published to it, or `within` passed:
  /// whether they all had. Thread-safe.
  bool flush(std::chrono::milliseconds within);
  /// Streams open now. Thread-safe.
  size_t streams() const;
  /// Keeps the endpoint's thread off `cpus` (a generator's pinned cores), when the process may
  /// run on any other; no change otherwise. Thread-safe.
  void avoid_cpus(const std::vector<int>& cpus);

  struct Impl;  ///< (live_endpoint.cc)

 private:
  std::unique_ptr<Impl> impl_;
};

/// Whether `listen` is an address LiveEndpoint takes: "host:port" or ":port", the port digits.
bool valid_listen(const std::string& listen);

/// An event of a stream, formatted: "event: NAME\ndata: DATA\n\n". `data` must hold no line
/// break (JSON text written on one line).
std::string sse_event(const std::string& name, const std::string& data);

}  // namespace loadgate
