// connection.h (internal): where HTTP requests go and the byte stream that carries them: an
// Origin resolved once per attack, and a Conn (TCP, TLS over TCP, or a Unix socket) that opens
// itself (local address, TCP_NODELAY, SNI, certificate check, ALPN) and reads and writes.
// Shared by the HTTP/1.1 slots and the HTTP/2 sessions.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/ssl.hpp>
#include <asio/write.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "loadgate/result.h"
#include "loadgate/url.h"

namespace loadgate::http {

/// Protocol is what an origin speaks.
enum class Protocol {
  kHttp1,  ///< HTTP/1.1
  kHttp2,  ///< HTTP/2: over TLS by ALPN "h2", or cleartext (-h2c: prior knowledge; -h2c-upgrade)
};

/// "HTTP/1.1" or "HTTP/2.0" (nginx's $server_protocol spelling).
const char* protocol_name(Protocol p);

/// Transport is how every connection of an attack is opened.
struct Transport {
  asio::ssl::context* tls = nullptr;          ///< for https origins
  bool insecure = false;                      ///< skip the certificate's name check too
  std::optional<asio::ip::address> local;     ///< -laddr: bind here before connecting
  std::string unix_socket;                    ///< -unix-socket: every connection goes to this path
  /// -proxy-header: sent with every CONNECT to a proxy (as Go's ProxyConnectHeader).
  std::vector<std::pair<std::string, std::string>> proxy_headers;
};

/// Origin is scheme://host:port, resolved once, with the protocol it speaks.
struct Origin {
  Url url;
  std::vector<asio::ip::tcp::endpoint> endpoints;
  std::string resolve_error;  ///< non-empty: every request to it fails with this
  Protocol protocol = Protocol::kHttp1;
  /// Cleartext HTTP/2 reached by an HTTP/1.1 "Upgrade: h2c" on each new connection (-h2c-upgrade),
  /// not by prior knowledge; only with protocol kHttp2 and an http URL.
  bool h2c_upgrade = false;
  /// Set when requests go through a proxy: `endpoints` are then the proxy's. https origins are
  /// reached through a CONNECT tunnel; http ones take absolute-form requests.
  std::optional<Url> proxy;
};

/// Resolves `url`'s host with the system resolver, or with `resolvers` ("ip:port" DNS servers,
/// -resolvers) when given; IPv4 addresses first. With `proxy`, resolves the proxy's host instead
/// (the proxy resolves the target's). Blocking: before the attack, or once per redirect origin.
Origin resolve_origin(const Url& url, const std::vector<std::string>& resolvers = {},
                      const std::optional<Url>& proxy = std::nullopt);

/// The proxy for `url` as Go's ProxyFromEnvironment picks it: $HTTPS_PROXY (https) or
/// $HTTP_PROXY (http), lower-case names too; none for localhost and loopback addresses, or a
/// host that $NO_PROXY names (a host, a ".domain" or "domain" suffix, or "*"). A proxy URL
/// without a scheme is http://. Throws nothing: a proxy that does not parse is an error of the
/// requests (Origin::resolve_error).
std::optional<Url> proxy_for(const Url& url, std::string& error);

/// The protocol an https origin negotiates by ALPN when offered h2 and http/1.1: one TLS
/// handshake, blocking, before the attack. HTTP/1.1 when the server picks it, offers no ALPN,
/// or cannot be reached (its requests then fail on their own).
Protocol probe_alpn(const Origin& origin, const Transport& t);

/// Sets the ALPN protocols offered by `tls`: "h2" and "http/1.1", or "http/1.1" alone.
void offer_alpn(asio::ssl::context& tls, bool h2);

/// Whether a Conn to `o` reads with the kernel's receive time (Conn::stampable): HTTP/1.1 over
/// plain TCP.
inline bool stampable(const Origin& o, const Transport& t) {
  return o.protocol == Protocol::kHttp1 && !o.url.tls() && t.unix_socket.empty();
}

/// Conn is one connection of an origin. Not thread-safe: used on its io_context's thread.
class Conn {
 public:
  /// How open() ended: kNone, or kConnect / kTls with the message.
  using OpenHandler = std::function<void(ErrorKind kind, const std::string& error)>;

  Conn(asio::io_context& io, const Transport& t, const Origin& origin);
  const Origin& origin() const { return *origin_; }
  /// Connected (and handshaken).
  bool open = false;
  /// Requests completed on this connection.
  uint64_t served = 0;
  /// The TLS handshake selected "h2" by ALPN.
  bool alpn_h2 = false;
  /// How long the last open_async() took to connect and to shake hands (ns): set as each part
  /// ends (connect_ns > 0 once connected).
  ConnectPhases phases;

  /// Connects (binding Transport::local first), sets TCP_NODELAY and, for https, does the TLS
  /// handshake (SNI, certificate and name check unless insecure). `want_h2`: the handshake must
  /// select "h2" by ALPN, else it fails. `done` runs once, on the io_context's thread.
  void open_async(bool want_h2, OpenHandler done);
  /// Closes the connection; pending reads and writes complete with an error.
  void close();

  /// Writes all of `b`; h(error_code, size_t).
  template <class Handler>
  void write(const asio::const_buffer& b, Handler&& h) {
    if (tls_)
      asio::async_write(*tls_, b, std::forward<Handler>(h));
    else if (unix_)
      asio::async_write(*unix_, b, std::forward<Handler>(h));
    else
      asio::async_write(*tcp_, b, std::forward<Handler>(h));
  }
  /// Writes what it can of data[0, n) now, without waiting: the bytes written (0 for a TLS
  /// connection, which only writes through write()); `ec` is set on a failure, not on a full
  /// socket buffer. One send() system call and no handler: a connection that writes small
  /// messages often (WebSocket frames) costs no more than the call.
  size_t try_write(const char* data, size_t n, asio::error_code& ec);
  /// Reads some bytes into `b`; h(error_code, size_t).
  template <class Handler>
  void read_some(const asio::mutable_buffer& b, Handler&& h) {
    if (tls_)
      tls_->async_read_some(b, std::forward<Handler>(h));
    else if (unix_)
      unix_->async_read_some(b, std::forward<Handler>(h));
    else
      tcp_->async_read_some(b, std::forward<Handler>(h));
  }
  /// Whether read_stamped() can time what it reads: a plain TCP connection (no TLS, no Unix
  /// socket).
  bool stampable() const { return tcp_ != nullptr; }
  /// Plain TCP only (stampable()): waits until the socket is readable, then reads some bytes
  /// into `b`; h(error_code, size_t). received_ns() is then the instant the kernel received the
  /// last of them, so a reader that comes late (a thread that looks at its sockets once a tick)
  /// still times a response by its arrival. One recvmsg(2) per read, and the wait re-arms the
  /// socket's event (an epoll_ctl(2) that read_some's speculative read does not pay);
  /// read_stamped_now() at a tick pays neither.
  template <class Handler>
  void read_stamped(const asio::mutable_buffer& b, Handler&& h) {
    tcp_->async_wait(asio::socket_base::wait_read,
                     [this, b, h = std::forward<Handler>(h)](const asio::error_code& ec) mutable {
                       if (ec) {
                         h(ec, size_t{0});
                         return;
                       }
                       asio::error_code rec;
                       const size_t n = read_stamped_now(b, rec);
                       if (rec == asio::error::would_block) {  // spurious: wait again
                         read_stamped(b, std::move(h));
                         return;
                       }
                       h(rec, n);
                     });
  }
  /// Reads what has come into `b` now, without waiting, as read_stamped() does once the socket
  /// is readable: `ec` is would_block when nothing has.
  size_t read_stamped_now(const asio::mutable_buffer& b, asio::error_code& ec);
  /// Steady ns at which the kernel received the last byte of the last read_stamped() read; the
  /// time of the read itself when the kernel gave none.
  int64_t received_ns() const { return received_ns_; }

 private:
  void reset();
  void connect_next(size_t i, bool want_h2, OpenHandler done);
  void connected(bool want_h2, OpenHandler done);
  void tunnel(bool want_h2, OpenHandler done);
  void read_tunnel(bool want_h2, std::string what, OpenHandler done);
  void handshake(bool want_h2, OpenHandler done);
  asio::ip::tcp::socket& tcp();

  asio::io_context& io_;
  const Transport& t_;
  const Origin* origin_;
  std::unique_ptr<asio::ip::tcp::socket> tcp_;
  std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket>> tls_;
  std::unique_ptr<asio::local::stream_protocol::socket> unix_;
  std::string tunnel_buf_;  // CONNECT request, then the proxy's answer
  int64_t received_ns_ = 0;  // received_ns()
  int64_t opening_ = 0;      // steady ns open_async() began
};

}  // namespace loadgate::http
