// origins.cc: resolving an attack's origins and settling the protocol each speaks.
#include "protocol/http/origins.h"

#include "loadgate/error.h"

namespace loadgate::http {

Origins::Origins(const HttpOptions& o) : o_(o), tls_(asio::ssl::context::tls_client) {
  if (o.h2c && o.h2c_upgrade)
    throw InputError("", 0, "-h2c-upgrade", "-h2c already sends HTTP/2 with prior knowledge: use one of the two");
  setup_tls();
  transport_.tls = &tls_;
  transport_.insecure = o.insecure;
  transport_.unix_socket = o.unix_socket;
  transport_.proxy_headers = o.proxy_headers;
  if (!o.laddr.empty() && o.laddr != "0.0.0.0") {
    asio::error_code ec;
    transport_.local = asio::ip::make_address(o.laddr, ec);
    if (ec) throw InputError("", 0, "-laddr", "\"" + printable(o.laddr) + "\" is not an IP address");
  }
  for (const std::string& r : o.resolvers) {
    const auto colon = r.rfind(':');
    asio::error_code ec;
    asio::ip::make_address(r.substr(0, colon == std::string::npos ? r.size() : colon), ec);
    if (ec && !(r.size() > 2 && r[0] == '['))
      throw InputError("", 0, "-resolvers", "\"" + printable(r) + "\" is not ip:port (e.g. 127.0.0.1:53)");
  }
}

size_t Origins::fix(const Url& url) {
  const std::string key = url.origin();
  for (size_t i = 0; i < fixed_.size(); ++i)
    if (fixed_[i]->url.origin() == key) return i;
  fixed_.push_back(std::make_unique<Origin>(open(url)));
  return fixed_.size() - 1;
}

size_t Origins::of(const Url& url) {
  const std::string key = url.origin();
  for (size_t i = 0; i < fixed_.size(); ++i)
    if (fixed_[i]->url.origin() == key) return i;
  std::lock_guard lock(met_mu_);
  for (size_t i = 0; i < met_.size(); ++i)
    if (met_[i]->url.origin() == key) return fixed_.size() + i;
  met_.push_back(std::make_unique<Origin>(open(url)));
  return fixed_.size() + met_.size() - 1;
}

// Resolves `url`'s origin and settles its protocol: h2 by ALPN for https (unless -http2=false),
// h2 with prior knowledge for http with -h2c, h2 after an Upgrade with -h2c-upgrade when the
// server switches (HTTP/1.1 when it does not, as ALPN falls back), else HTTP/1.1.
// With a proxy ($HTTPS_PROXY, $HTTP_PROXY), the proxy's address; h2c does not cross one.
Origin Origins::open(const Url& url) {
  std::string proxy_error;
  const std::optional<Url> proxy = o_.unix_socket.empty() ? proxy_for(url, proxy_error) : std::nullopt;
  Url dial = url;
  if (auto m = o_.connect_to.find(url.host + ":" + std::to_string(url.port)); m != o_.connect_to.end() && !proxy) {
    if (auto to = parse_url("http://" + m->second)) {
      dial.host = to->host;
      dial.port = to->port;
    }
  }
  Origin o = resolve_origin(dial, o_.resolvers, proxy);
  o.url = url;  // -connect-to dials elsewhere; the URL, Host and SNI stay
  if (!proxy_error.empty()) o.resolve_error = proxy_error;
  if (url.tls() && o_.http2 && o_.unix_socket.empty())
    o.protocol = probe_alpn(o, transport_);
  else if (!url.tls() && o_.h2c && !proxy)
    o.protocol = Protocol::kHttp2;
  else if (!url.tls() && o_.h2c_upgrade && !proxy && upgrades_to_h2c(o, transport_)) {
    o.protocol = Protocol::kHttp2;
    o.h2c_upgrade = true;
  }
  return o;
}

void Origins::setup_tls() {
  offer_alpn(tls_, o_.http2);
  if (o_.insecure) {
    tls_.set_verify_mode(asio::ssl::verify_none);
  } else {
    tls_.set_verify_mode(asio::ssl::verify_peer);
    if (o_.root_certs.empty()) tls_.set_default_verify_paths();
    for (const std::string& f : o_.root_certs) {
      asio::error_code ec;
      tls_.load_verify_file(f, ec);
      if (ec) throw InputError(f, 0, "-root-certs", "cannot load CA certificates: " + ec.message());
    }
  }
  if (!o_.cert.empty()) {
    asio::error_code ec;
    tls_.use_certificate_chain_file(o_.cert, ec);
    if (ec) throw InputError(o_.cert, 0, "-cert", "cannot load certificate: " + ec.message());
    tls_.use_private_key_file(o_.key.empty() ? o_.cert : o_.key, asio::ssl::context::pem, ec);
    if (ec) throw InputError(o_.key, 0, "-key", "cannot load private key: " + ec.message());
  }
}

}  // namespace loadgate::http
