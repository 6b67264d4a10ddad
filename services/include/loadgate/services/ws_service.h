// ws_service.h: the embedded WebSocket server (websocketpp) the suites attack by default.
// No websocketpp header here: the server lives in services/ws/ws_service.cc.
//
//   /echo                      every message back to its sender
//   /echo?capacity=N           echo, at most N messages per second in all (the rest queue)
//   /broadcast?room=NAME       every message to every connection of the room (sender included)
//   /drop?every=N&after=MS     echo; every Nth connection is closed by the server (1001) after MS
//   /malformed                 after the handshake, writes bytes that are not a valid frame
//   /forbidden                 refuses the handshake with 403; any other path gets 404
#pragma once

#include <memory>
#include <string>

namespace loadgate::services {

/// WsServiceOptions configure the WebSocket server.
struct WsServiceOptions {
  std::string host = "127.0.0.1";  ///< address to bind
  int port = 8000;                 ///< 0 = any free port
  int threads = 1;                 ///< io threads
  /// Accept permessage-deflate (RFC 7692) when a client offers it. Off by default: the suite's
  /// baselines are for uncompressed frames.
  bool deflate = false;
};

/// WsService runs the WebSocket server until stop() or destruction.
class WsService {
 public:
  explicit WsService(WsServiceOptions options = {});
  ~WsService();
  WsService(const WsService&) = delete;
  WsService& operator=(const WsService&) = delete;

  /// Binds and starts; returns the bound port. Throws std::runtime_error when it cannot bind.
  int start();
  /// Closes every connection and stops. Idempotent.
  void stop();
  /// "ws://127.0.0.1:8000".
  std::string url() const;
  /// Connections open right now.
  size_t connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace loadgate::services
