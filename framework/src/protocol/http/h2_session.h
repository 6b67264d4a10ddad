// h2_session.h (internal): HTTP/2 over libnghttp2. An H2Session is one connection carrying many
// streams; an H2Pool holds one thread's sessions per origin and picks one for each request
// (the least loaded with a free stream, else a new connection while under the cap). Each
// request is an H2Stream, owned by the HTTP slot that carries it; the session reports to it.
//
// Streams follow the server's SETTINGS_MAX_CONCURRENT_STREAMS (requests past it wait in
// nghttp2's queue); flow-control windows are 16 MB per stream and 1 GB per connection, and
// nghttp2 sends the WINDOW_UPDATEs. A GOAWAY stops new streams on that connection (they go to
// a new one); streams the server did not process fail with the GOAWAY's code, as do streams it
// resets (RST_STREAM).
//
// Cleartext origins speak HTTP/2 from the first byte (prior knowledge), or, when the origin says
// h2c_upgrade, after an HTTP/1.1 "OPTIONS /" with "Upgrade: h2c" that the server answers with
// 101 Switching Protocols (RFC 7540 3.2): one request more per connection, which no result
// counts; its answer comes on stream 1 and is dropped.
#pragma once

#include <asio/io_context.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "loadgate/result.h"
#include "loadgate/targets.h"
#include "protocol/http/connection.h"

struct nghttp2_session;

namespace loadgate::http {

/// H2Request is one request ready for nghttp2: pseudo-headers first, then the target's headers
/// in lower case without the connection-specific ones (RFC 9113 8.2.2). Built once per target.
struct H2Request {
  std::vector<std::pair<std::string, std::string>> headers;  ///< (name, value), names lower case
  /// Builds the request; `headers` as the user wrote them (Host becomes :authority). The body
  /// goes with each stream (H2Stream::body): it lives where the request's owner keeps it.
  static H2Request make(const std::string& method, const Url& url, const std::vector<Header>& headers);
};

class H2Session;

/// H2Stream is one request in flight: what the session reports about it.
class H2Stream {
 public:
  virtual ~H2Stream() = default;
  /// The response's HEADERS began (time to first byte).
  virtual void h2_headers() = 0;
  /// One response header (":status" included).
  virtual void h2_header(const std::string& name, const std::string& value) = 0;
  /// Response body bytes.
  virtual void h2_data(const uint8_t* data, size_t n) = 0;
  /// The stream ended: kNone with the response complete, else why (reset, GOAWAY, connection).
  /// Called exactly once per submitted stream, from the session's io_context, never from inside
  /// H2Pool::submit().
  virtual void h2_closed(ErrorKind kind, const std::string& error) = 0;
  /// The request was never sent: the connection went away (GOAWAY) before its turn. Called
  /// instead of h2_closed(), from the io_context; the stream may be submitted again.
  virtual void h2_unsent() = 0;

  // Set by the session while the stream is in flight.
  H2Session* session = nullptr;
  int32_t stream_id = -1;
  const H2Request* request = nullptr;
  const std::string* body = nullptr;  ///< DATA to send (nullptr or empty: none)
  size_t body_sent = 0;
  bool reset_by_peer = false;  ///< an RST_STREAM came from the server
  int64_t submitted_ns = 0;    ///< steady ns it was submitted
  int64_t sent_ns = 0;         ///< steady ns its last frame (END_STREAM) went to the session's output; 0: not yet
  ConnectPhases opened;        ///< of the connection opened for it: the first stream that waited for it
};

/// H2Session is one HTTP/2 connection.
class H2Session {
 public:
  /// A connection to `origin`, not yet open.
  H2Session(asio::io_context& io, const Transport& t, const Origin& origin);
  ~H2Session();
  H2Session(const H2Session&) = delete;
  H2Session& operator=(const H2Session&) = delete;

  /// How opening ended: kNone, or why not.
  using OpenHandler = std::function<void(ErrorKind, const std::string&)>;
  /// Starts the connection (and upgrades it, for an h2c_upgrade origin); `on_open(kind, error)`
  /// runs once it is open or has failed.
  void open(OpenHandler on_open);
  /// Sends `s` (queued until the connection is open).
  void submit(H2Stream& s);
  /// Abandons `s`: RST_STREAM(CANCEL) if sent; no h2_closed() follows.
  void cancel(H2Stream& s);
  /// Streams submitted and not yet closed.
  size_t load() const { return queued_.size() + active_.size(); }
  /// Concurrent streams the server allows (100 until its SETTINGS arrive).
  size_t max_streams() const;
  /// Takes new streams: not failed, not going away.
  bool usable() const { return !dead_ && !going_away_; }
  /// Failed or closed, with no handler of its own pending or running: the pool may delete it.
  bool finished() const { return dead_ && !reading_ && !writing_ && !opening_ && depth_ == 0; }

 private:
  void opened(ErrorKind kind, const std::string& error, const OpenHandler& on_open);
  void upgrade(OpenHandler on_open);
  void await_switch(std::shared_ptr<std::string> head, OpenHandler on_open);
  void start_stream(H2Stream& s);
  void flush();
  void read();
  void fail_all(ErrorKind kind, const std::string& error);
  void finish(int32_t stream_id, ErrorKind kind, const std::string& error);
  void maybe_close();
  friend struct H2Callbacks;

  asio::io_context& io_;
  Conn conn_;
  nghttp2_session* ng_ = nullptr;
  std::deque<H2Stream*> queued_;                     // submitted before the connection opened
  std::unordered_map<int32_t, H2Stream*> active_;    // by stream id
  std::string out_, writing_buf_;
  std::vector<uint8_t> in_;
  bool opening_ = false, reading_ = false, writing_ = false;
  bool in_recv_ = false;  // inside mem_recv(): callbacks must not call mem_send()
  int depth_ = 0;         // handlers of this session running (on the stack)
  bool dead_ = false, going_away_ = false, settings_ = false;
  uint32_t goaway_code_ = 0;
};

/// Whether the cleartext origin `origin` switches to HTTP/2 when asked by an HTTP/1.1 Upgrade:
/// one connection, blocking (up to 5 s), before the attack. False for https origins, origins that
/// do not resolve, and servers that answer anything but 101.
bool upgrades_to_h2c(const Origin& origin, const Transport& t);

/// H2Pool is one thread's HTTP/2 sessions, by origin number.
class H2Pool {
 public:
  /// `max_conns`: connections per origin on this thread (0 = open another whenever every one
  /// has all its streams in use).
  H2Pool(asio::io_context& io, const Transport& t, size_t max_conns) : io_(io), t_(t), max_conns_(max_conns) {}
  /// Sends `s` to origin number `index` (`origin` is its Origin). `connecting(+1/-1)` is told
  /// when a new connection starts and ends opening.
  void submit(size_t index, const Origin& origin, H2Stream& s, const std::function<void(int)>& connecting);
  /// Opens a first connection to the origin ahead of the attack, unless one exists; false when
  /// none was started. `done` runs when it is open (or failed).
  bool warm(size_t index, const Origin& origin, std::function<void()> done);
  /// Abandons `s` (see H2Session::cancel()).
  void cancel(H2Stream& s) {
    if (s.session) s.session->cancel(s);
  }

 private:
  H2Session& open_session(size_t index, const Origin& origin, std::function<void(ErrorKind, const std::string&)> done);
  asio::io_context& io_;
  const Transport& t_;
  size_t max_conns_;
  std::vector<std::vector<std::unique_ptr<H2Session>>> sessions_;  // by origin number
};

}  // namespace loadgate::http
