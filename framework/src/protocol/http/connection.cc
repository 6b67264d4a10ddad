// connection.cc: resolving origins (the system's resolver, or c-ares against -resolvers), the
// ALPN probe, and opening, reading and writing one connection.
#include "protocol/http/connection.h"

#include <ares.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <asio/connect.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "loadgate/duration.h"
#include "loadgate/error.h"

namespace loadgate::http {
namespace {

using asio::ip::tcp;

constexpr Nanos kProbeTimeout = std::chrono::seconds(5);
constexpr int kDnsTimeoutMs = 5000;

// A phase from `from` (steady ns) to now, at least 1 ns: a phase that happened is never 0.
int64_t phase_since(int64_t from) { return std::max<int64_t>(1, steady_now_ns() - from); }

// The addresses of `host` from the DNS servers `servers` ("ip:port,..."), through c-ares;
// "" on success, else why not.
std::string ares_lookup(const std::string& host, const std::string& servers, std::vector<asio::ip::address>& out) {
  static const int init = ares_library_init(ARES_LIB_INIT_ALL);
  if (init != ARES_SUCCESS) return std::string("c-ares: ") + ares_strerror(init);
  ares_channel channel = nullptr;
  ares_options opts{};
  opts.flags = ARES_FLAG_NOSEARCH;
  opts.timeout = 1000;
  opts.tries = 3;
  if (const int rc = ares_init_options(&channel, &opts, ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
      rc != ARES_SUCCESS)
    return std::string("c-ares: ") + ares_strerror(rc);
  std::string error;
  if (const int rc = ares_set_servers_ports_csv(channel, servers.c_str()); rc != ARES_SUCCESS) {
    ares_destroy(channel);
    return "-resolvers \"" + servers + "\": " + ares_strerror(rc);
  }
  struct Query {
    std::vector<asio::ip::address>* out;
    std::string error;
    int pending = 0;
  } q{&out, "", 2};
  auto on_host = [](void* arg, int status, int, hostent* h) {
    auto* q = static_cast<Query*>(arg);
    --q->pending;
    if (status != ARES_SUCCESS) {
      if (q->error.empty()) q->error = ares_strerror(status);
      return;
    }
    for (char** a = h->h_addr_list; *a; ++a) {
      if (h->h_addrtype == AF_INET) {
        asio::ip::address_v4::bytes_type b;
        std::memcpy(b.data(), *a, 4);
        q->out->push_back(asio::ip::address_v4(b));
      } else if (h->h_addrtype == AF_INET6) {
        asio::ip::address_v6::bytes_type b;
        std::memcpy(b.data(), *a, 16);
        q->out->push_back(asio::ip::address_v6(b));
      }
    }
  };
  ares_gethostbyname(channel, host.c_str(), AF_INET, on_host, &q);
  ares_gethostbyname(channel, host.c_str(), AF_INET6, on_host, &q);
  const int64_t until = steady_now_ns() + int64_t{kDnsTimeoutMs} * 1'000'000;
  while (q.pending > 0 && steady_now_ns() < until) {
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    const int bits = ares_getsock(channel, socks, ARES_GETSOCK_MAXNUM);
    std::vector<pollfd> fds;
    for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
      short ev = 0;
      if (ARES_GETSOCK_READABLE(bits, i)) ev |= POLLIN;
      if (ARES_GETSOCK_WRITABLE(bits, i)) ev |= POLLOUT;
      if (ev) fds.push_back({socks[i], ev, 0});
    }
    if (fds.empty()) break;
    poll(fds.data(), fds.size(), 100);
    for (const pollfd& p : fds)
      ares_process_fd(channel, (p.revents & (POLLIN | POLLERR | POLLHUP)) ? p.fd : ARES_SOCKET_BAD,
                      (p.revents & POLLOUT) ? p.fd : ARES_SOCKET_BAD);
    ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts
  }
  if (q.pending > 0) error = "no answer from " + servers;
  ares_destroy(channel);
  if (out.empty()) return error.empty() ? (q.error.empty() ? "no address" : q.error) : error;
  return "";
}

}  // namespace

const char* protocol_name(Protocol p) { return p == Protocol::kHttp2 ? "HTTP/2.0" : "HTTP/1.1"; }

std::optional<Url> proxy_for(const Url& url, std::string& error) {
  auto env = [](const char* upper, const char* lower) -> std::string {
    const char* v = std::getenv(upper);
    if (!v || !*v) v = std::getenv(lower);
    return v ? v : "";
  };
  const std::string spec = url.tls() ? env("HTTPS_PROXY", "https_proxy") : env("HTTP_PROXY", "http_proxy");
  if (spec.empty()) return std::nullopt;
  asio::error_code ec;
  const auto ip = asio::ip::make_address(url.host, ec);
  if (url.host == "localhost" || (!ec && ip.is_loopback())) return std::nullopt;
  const std::string no = env("NO_PROXY", "no_proxy");
  size_t at = 0;
  while (at <= no.size()) {
    const size_t end = std::min(no.find(',', at), no.size());
    std::string name = no.substr(at, end - at);
    at = end + 1;
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    if (const auto colon = name.rfind(':'); colon != std::string::npos && name.find(']') == std::string::npos &&
                                             name.find(':') == colon)
      name = name.substr(0, colon);  // a port in NO_PROXY: the host alone decides
    if (name.empty()) continue;
    if (name == "*") return std::nullopt;
    if (name[0] == '.') name = name.substr(1);
    if (url.host == name ||
        (url.host.size() > name.size() && url.host.compare(url.host.size() - name.size(), name.size(), name) == 0 &&
         url.host[url.host.size() - name.size() - 1] == '.'))
      return std::nullopt;
  }
  auto p = parse_url(spec.find("://") == std::string::npos ? "http://" + spec : spec);
  if (!p || p->scheme != "http") {
    error = "proxy \"" + spec + "\" for " + url.scheme + " targets: want http://host:port";
    return std::nullopt;
  }
  return p;
}

Origin resolve_origin(const Url& url, const std::vector<std::string>& resolvers, const std::optional<Url>& proxy) {
  Origin o;
  o.url = url;
  o.proxy = proxy;
  const Url& dial = proxy ? *proxy : url;
  asio::error_code ec;
  const auto literal = asio::ip::make_address(dial.host, ec);
  if (!ec) {
    o.endpoints.emplace_back(literal, dial.port);
  } else if (!resolvers.empty()) {
    std::string servers;
    for (const std::string& s : resolvers) servers += (servers.empty() ? "" : ",") + s;
    std::vector<asio::ip::address> addrs;
    const std::string why = ares_lookup(dial.host, servers, addrs);
    if (!why.empty()) {
      o.resolve_error = "lookup " + dial.host + " on " + servers + ": " + why;
      return o;
    }
    for (const auto& a : addrs) o.endpoints.emplace_back(a, dial.port);
  } else {
    asio::io_context io;
    tcp::resolver resolver(io);
    auto results = resolver.resolve(dial.host, std::to_string(dial.port), ec);
    if (ec) {
      o.resolve_error = "lookup " + dial.host + (proxy ? " (the proxy)" : "") + ": " + ec.message();
      return o;
    }
    for (auto& r : results) o.endpoints.push_back(r.endpoint());
  }
  // Prefer IPv4 first: "localhost" often lists ::1 first and servers bind 127.0.0.1.
  std::stable_partition(o.endpoints.begin(), o.endpoints.end(), [](const tcp::endpoint& e) { return e.address().is_v4(); });
  return o;
}

void offer_alpn(asio::ssl::context& tls, bool h2) {
  static const unsigned char kBoth[] = "\x02h2\x08http/1.1";
  static const unsigned char kHttp1[] = "\x08http/1.1";
  if (h2)
    SSL_CTX_set_alpn_protos(tls.native_handle(), kBoth, sizeof kBoth - 1);
  else
    SSL_CTX_set_alpn_protos(tls.native_handle(), kHttp1, sizeof kHttp1 - 1);
}

Protocol probe_alpn(const Origin& origin, const Transport& t) {
  if (!origin.resolve_error.empty() || !origin.url.tls()) return Protocol::kHttp1;
  asio::io_context io;
  Conn c(io, t, origin);
  c.open_async(false, [](ErrorKind, const std::string&) {});
  io.run_for(kProbeTimeout);
  const bool h2 = c.open && c.alpn_h2;
  c.close();
  return h2 ? Protocol::kHttp2 : Protocol::kHttp1;
}

Conn::Conn(asio::io_context& io, const Transport& t, const Origin& origin) : io_(io), t_(t), origin_(&origin) {
  reset();
}

void Conn::reset() {
  open = false;
  served = 0;
  alpn_h2 = false;
  tcp_.reset();
  tls_.reset();
  unix_.reset();
  if (!t_.unix_socket.empty())
    unix_ = std::make_unique<asio::local::stream_protocol::socket>(io_);
  else if (t_.tls && origin_->url.tls())
    tls_ = std::make_unique<asio::ssl::stream<tcp::socket>>(io_, *t_.tls);
  else
    tcp_ = std::make_unique<tcp::socket>(io_);
}

tcp::socket& Conn::tcp() { return tls_ ? tls_->next_layer() : *tcp_; }

void Conn::close() {
  asio::error_code ignored;
  if (unix_) {
    unix_->shutdown(asio::socket_base::shutdown_both, ignored);
    unix_->close(ignored);
  } else {
    tcp().shutdown(tcp::socket::shutdown_both, ignored);
    tcp().close(ignored);
  }
  open = false;
}

size_t Conn::try_write(const char* data, size_t n, asio::error_code& ec) {
  ec.clear();
  if (tls_) return 0;
  size_t written = 0;
  if (unix_) {
    if (!unix_->non_blocking()) unix_->non_blocking(true, ec);
    if (!ec) written = unix_->write_some(asio::buffer(data, n), ec);
  } else {
    if (!tcp_->non_blocking()) tcp_->non_blocking(true, ec);
    if (!ec) written = tcp_->write_some(asio::buffer(data, n), ec);
  }
  if (ec == asio::error::would_block || ec == asio::error::try_again) ec.clear();
  return written;
}

size_t Conn::read_stamped_now(const asio::mutable_buffer& b, asio::error_code& ec) {
  ec.clear();
  iovec iov{b.data(), b.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  const ssize_t n = ::recvmsg(tcp_->native_handle(), &msg, MSG_DONTWAIT);
  if (n < 0) {
    ec = errno == EAGAIN || errno == EWOULDBLOCK ? asio::error::would_block
                                                 : asio::error_code(errno, asio::error::get_system_category());
    return 0;
  }
  if (n == 0) {
    ec = asio::error::eof;
    return 0;
  }
  // The stamp is on the real-time clock: moved to the steady clock by their distance now (which
  // changes only as NTP slews the real-time clock, parts per million).
  timespec now_real{}, now_steady{};
  clock_gettime(CLOCK_REALTIME, &now_real);
  clock_gettime(CLOCK_MONOTONIC, &now_steady);
  const auto ns = [](const timespec& t) { return int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec; };
  const int64_t steady = ns(now_steady);
  received_ns_ = steady;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      timespec stamp{};
      std::memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
      const int64_t at = ns(stamp) - (ns(now_real) - steady);
      if (at > 0 && at <= steady) received_ns_ = at;
    }
  return static_cast<size_t>(n);
}

void Conn::open_async(bool want_h2, OpenHandler done) {
  reset();
  phases = {};
  opening_ = steady_now_ns();
  if (unix_) {
    unix_->async_connect(asio::local::stream_protocol::endpoint(t_.unix_socket),
                         [this, done = std::move(done)](const asio::error_code& ec) {
                           if (ec) {
                             done(ErrorKind::kConnect, "connect unix " + t_.unix_socket + ": " + ec.message());
                             return;
                           }
                           phases.connect_ns = phase_since(opening_);
                           open = true;
                           done(ErrorKind::kNone, "");
                         });
    return;
  }
  if (!t_.local) {
    asio::async_connect(tcp(), origin_->endpoints,
                        [this, want_h2, done = std::move(done)](const asio::error_code& ec, const tcp::endpoint&) {
                          if (ec) {
                            done(ErrorKind::kConnect, "connect " + origin_->url.host + ":" +
                                                          std::to_string(origin_->url.port) + ": " + ec.message());
                            return;
                          }
                          connected(want_h2, done);
                        });
    return;
  }
  connect_next(0, want_h2, std::move(done));
}

// -laddr: each endpoint of the local address's family in turn, on a socket bound to it.
void Conn::connect_next(size_t i, bool want_h2, OpenHandler done) {
  const auto& eps = origin_->endpoints;
  while (i < eps.size() && eps[i].address().is_v4() != t_.local->is_v4()) ++i;
  if (i >= eps.size()) {
    done(ErrorKind::kConnect, "connect " + origin_->url.host + ":" + std::to_string(origin_->url.port) +
                                  ": no address of the family of -laddr " + t_.local->to_string());
    return;
  }
  asio::error_code ec;
  tcp().close(ec);
  tcp().open(eps[i].protocol(), ec);
  if (!ec) tcp().bind(tcp::endpoint(*t_.local, 0), ec);
  if (ec) {
    done(ErrorKind::kConnect, "bind -laddr " + t_.local->to_string() + ": " + ec.message());
    return;
  }
  tcp().async_connect(eps[i], [this, i, want_h2, done = std::move(done)](const asio::error_code& ec) mutable {
    if (ec) {
      if (i + 1 < origin_->endpoints.size()) {
        connect_next(i + 1, want_h2, std::move(done));
        return;
      }
      done(ErrorKind::kConnect,
           "connect " + origin_->url.host + ":" + std::to_string(origin_->url.port) + ": " + ec.message());
      return;
    }
    connected(want_h2, std::move(done));
  });
}

void Conn::connected(bool want_h2, OpenHandler done) {
  phases.connect_ns = phase_since(opening_);
  asio::error_code ignored;
  tcp().set_option(tcp::no_delay(true), ignored);
  // The kernel stamps each packet it receives (read_stamped() reads the stamp): on loopback, the
  // instant the server's send reached this socket.
  if (stampable()) tcp().set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_TIMESTAMPNS>(true), ignored);
  if (origin_->proxy && origin_->url.tls()) {
    tunnel(want_h2, std::move(done));
    return;
  }
  if (!tls_) {
    open = true;
    done(ErrorKind::kNone, "");
    return;
  }
  handshake(want_h2, std::move(done));
}

// CONNECT host:port through the proxy, then TLS inside the tunnel.
void Conn::tunnel(bool want_h2, OpenHandler done) {
  const std::string target = origin_->url.host.find(':') != std::string::npos
                                 ? "[" + origin_->url.host + "]:" + std::to_string(origin_->url.port)
                                 : origin_->url.host + ":" + std::to_string(origin_->url.port);
  tunnel_buf_ = "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n";
  for (const auto& [k, v] : t_.proxy_headers) tunnel_buf_ += k + ": " + v + "\r\n";
  tunnel_buf_ += "\r\n";
  asio::async_write(tcp(), asio::buffer(tunnel_buf_), [this, want_h2, target, done = std::move(done)](const asio::error_code& ec, size_t) mutable {
    const std::string what = "proxy " + origin_->proxy->authority() + ": CONNECT " + target + ": ";
    if (ec) {
      done(ErrorKind::kConnect, what + ec.message());
      return;
    }
    tunnel_buf_.clear();
    read_tunnel(want_h2, what, std::move(done));
  });
}

// Reads the proxy's answer to CONNECT up to its blank line: 2xx opens the tunnel.
void Conn::read_tunnel(bool want_h2, std::string what, OpenHandler done) {
  const size_t have = tunnel_buf_.size();
  tunnel_buf_.resize(have + 1024);
  tcp().async_read_some(asio::buffer(&tunnel_buf_[have], 1024),
                        [this, have, want_h2, what = std::move(what), done = std::move(done)](const asio::error_code& ec,
                                                                                              size_t n) mutable {
                          tunnel_buf_.resize(have + n);
                          if (tunnel_buf_.find("\r\n\r\n") == std::string::npos) {
                            if (ec || tunnel_buf_.size() > 16384) {
                              done(ErrorKind::kConnect, what + (ec ? ec.message() : std::string("answer too long")));
                              return;
                            }
                            read_tunnel(want_h2, std::move(what), std::move(done));
                            return;
                          }
                          const std::string status = tunnel_buf_.substr(0, tunnel_buf_.find("\r\n"));
                          if (status.size() < 12 || status.compare(0, 5, "HTTP/") != 0 || status[9] != '2') {
                            done(ErrorKind::kConnect, what + (status.size() > 9 ? printable(status.substr(9), 80)
                                                                                 : std::string("not an HTTP answer")));
                            return;
                          }
                          handshake(want_h2, std::move(done));
                        });
}

void Conn::handshake(bool want_h2, OpenHandler done) {
  phases.connect_ns = phase_since(opening_);  // through a proxy: its CONNECT too
  const int64_t started = steady_now_ns();
  const std::string& host = origin_->url.host;
  SSL_set_tlsext_host_name(tls_->native_handle(), host.c_str());
  if (!t_.insecure) SSL_set1_host(tls_->native_handle(), host.c_str());
  tls_->async_handshake(asio::ssl::stream_base::client, [this, want_h2, started, done = std::move(done)](const asio::error_code& ec) {
    phases.tls_ns = phase_since(started);
    if (ec) {
      done(ErrorKind::kTls, "tls handshake with " + origin_->url.host + ": " + ec.message());
      return;
    }
    const unsigned char* alpn = nullptr;
    unsigned int len = 0;
    SSL_get0_alpn_selected(tls_->native_handle(), &alpn, &len);
    alpn_h2 = len == 2 && std::memcmp(alpn, "h2", 2) == 0;
    if (want_h2 && !alpn_h2) {
      done(ErrorKind::kProtocol, "tls handshake with " + origin_->url.host + ": the server did not select h2 by ALPN (" +
                                     (len ? std::string(reinterpret_cast<const char*>(alpn), len) : "none") + ")");
      return;
    }
    open = true;
    done(ErrorKind::kNone, "");
  });
}

}  // namespace loadgate::http
