// ws_handshake.cc: the opening handshake over http-parser and OpenSSL's SHA-1.
#include "loadgate/ws_handshake.h"

#include <http_parser.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>

namespace loadgate::ws {
namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
// A head larger than this is not an opening handshake (http-parser's own limit is 80 KB).
constexpr size_t kMaxHead = 16 * 1024;

std::string base64(const unsigned char* data, size_t n) {
  std::string out(4 * ((n + 2) / 3), '\0');
  const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(static_cast<size_t>(len));
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Whether the comma-separated `list` holds `token` (case-insensitive).
bool has_token(std::string_view list, std::string_view token) {
  const std::string l = lower(list), t = lower(token);
  size_t pos = 0;
  while (pos <= l.size()) {
    size_t comma = l.find(',', pos);
    if (comma == std::string::npos) comma = l.size();
    std::string_view item(l.data() + pos, comma - pos);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item == t) return true;
    pos = comma + 1;
  }
  return false;
}

}  // namespace

// The head of one HTTP message, parsed by http-parser: its first line and its headers.
struct Head {
  explicit Head(http_parser_type type) {
    http_parser_init(&parser, type);
    parser.data = this;
    http_parser_settings_init(&settings);
    settings.on_url = [](http_parser* p, const char* at, size_t n) {
      static_cast<Head*>(p->data)->url.append(at, n);
      return 0;
    };
    settings.on_status = [](http_parser* p, const char* at, size_t n) {
      static_cast<Head*>(p->data)->reason.append(at, n);
      return 0;
    };
    settings.on_header_field = [](http_parser* p, const char* at, size_t n) {
      auto* h = static_cast<Head*>(p->data);
      if (!h->in_field) h->headers.emplace_back();
      h->in_field = true;
      h->headers.back().first += lower(std::string_view(at, n));
      return 0;
    };
    settings.on_header_value = [](http_parser* p, const char* at, size_t n) {
      auto* h = static_cast<Head*>(p->data);
      h->in_field = false;
      h->headers.back().second.append(at, n);
      return 0;
    };
    settings.on_headers_complete = [](http_parser* p) {
      // An upgrade (a request, or a 101 with Upgrade and Connection) makes http-parser return
      // right after the head: the bytes after it are frames. Anything else is refused or
      // failed, and what follows its head does not matter.
      static_cast<Head*>(p->data)->done = true;
      return 0;
    };
  }

  ParseState feed(const char* data, size_t n, size_t& consumed) {
    consumed = 0;
    if (done) return ParseState::kDone;
    const size_t used = http_parser_execute(&parser, &settings, data, n);
    seen += used;
    const auto err = HTTP_PARSER_ERRNO(&parser);
    if (done) {
      consumed = used;
      return ParseState::kDone;
    }
    if (err != HPE_OK) {
      error = std::string("not an HTTP head: ") + http_errno_description(err);
      return ParseState::kError;
    }
    consumed = used;
    if (seen > kMaxHead) {
      error = "a head longer than 16 KB";
      return ParseState::kError;
    }
    return ParseState::kMore;
  }

  std::string header(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (k == name) return v;
    return "";
  }
  bool has(std::string_view name) const {
    return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return h.first == name; });
  }

  http_parser parser;
  http_parser_settings settings;
  std::string url, reason, error;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  size_t seen = 0;
  bool in_field = false;
  bool done = false;
};

std::string accept_key(std::string_view key) {
  std::string text(key);
  text += kGuid;
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return base64(digest, sizeof digest);
}

std::string make_key(const unsigned char (&random)[16]) { return base64(random, 16); }

std::string client_request(std::string_view host, std::string_view resource, std::string_view key,
                           const std::vector<std::pair<std::string, std::string>>& headers,
                           std::string_view subprotocol, std::string_view extensions) {
  std::string r;
  r.reserve(256);
  r.append("GET ").append(resource.empty() ? "/" : resource).append(" HTTP/1.1\r\nHost: ").append(host);
  r.append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ").append(key);
  r.append("\r\nSec-WebSocket-Version: 13\r\n");
  if (!subprotocol.empty()) r.append("Sec-WebSocket-Protocol: ").append(subprotocol).append("\r\n");
  if (!extensions.empty()) r.append("Sec-WebSocket-Extensions: ").append(extensions).append("\r\n");
  for (const auto& [k, v] : headers) r.append(k).append(": ").append(v).append("\r\n");
  r.append("\r\n");
  return r;
}

std::string accept_response(std::string_view key, std::string_view subprotocol, std::string_view extensions) {
  std::string r = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ";
  r.append(accept_key(key)).append("\r\n");
  if (!subprotocol.empty()) r.append("Sec-WebSocket-Protocol: ").append(subprotocol).append("\r\n");
  if (!extensions.empty()) r.append("Sec-WebSocket-Extensions: ").append(extensions).append("\r\n");
  r.append("\r\n");
  return r;
}

std::string refuse_response(int status, std::string_view reason) {
  std::string r = "HTTP/1.1 " + std::to_string(status) + " ";
  r.append(reason).append("\r\nContent-Length: 0\r\nConnection: close\r\n");
  if (status == 426) r.append("Sec-WebSocket-Version: 13\r\n");
  r.append("\r\n");
  return r;
}

struct ResponseReader::Impl : Head {
  Impl() : Head(HTTP_RESPONSE) {}
};

ResponseReader::ResponseReader() : impl_(std::make_unique<Impl>()) {}
ResponseReader::~ResponseReader() = default;
ParseState ResponseReader::feed(const char* data, size_t n, size_t& consumed) { return impl_->feed(data, n, consumed); }
int ResponseReader::status() const { return impl_->parser.status_code; }
const std::string& ResponseReader::reason() const { return impl_->reason; }
const std::string& ResponseReader::error() const { return impl_->error; }

std::string ResponseReader::extensions() const { return impl_->header("sec-websocket-extensions"); }

std::string ResponseReader::check(std::string_view key, std::string_view subprotocol, bool extensions_offered) const {
  const Head& h = *impl_;
  if (h.parser.status_code != 101) return "handshake: " + std::to_string(h.parser.status_code) + " " + h.reason;
  if (lower(h.header("upgrade")) != "websocket") return "handshake: 101 without Upgrade: websocket";
  if (!has_token(h.header("connection"), "upgrade")) return "handshake: 101 without Connection: Upgrade";
  if (h.header("sec-websocket-accept") != accept_key(key)) return "handshake: wrong Sec-WebSocket-Accept";
  if (h.has("sec-websocket-extensions") && !extensions_offered) return "handshake: an extension that was not asked for";
  const std::string proto = h.header("sec-websocket-protocol");
  if (!proto.empty() && proto != subprotocol) return "handshake: subprotocol \"" + proto + "\" was not asked for";
  return "";
}

struct RequestReader::Impl : Head {
  Impl() : Head(HTTP_REQUEST) {}
  mutable std::string why;
  std::string key;
};

RequestReader::RequestReader() : impl_(std::make_unique<Impl>()) {}
RequestReader::~RequestReader() = default;

ParseState RequestReader::feed(const char* data, size_t n, size_t& consumed) {
  const ParseState s = impl_->feed(data, n, consumed);
  if (s == ParseState::kDone) impl_->key = impl_->header("sec-websocket-key");
  if (s == ParseState::kError) impl_->why = impl_->error;
  return s;
}
const std::string& RequestReader::resource() const { return impl_->url; }
const std::string& RequestReader::key() const { return impl_->key; }
std::string RequestReader::header(std::string_view name) const { return impl_->header(name); }
const std::string& RequestReader::error() const { return impl_->why; }

int RequestReader::refusal() const {
  const Impl& h = *impl_;
  auto refuse = [&](int status, const char* why) {
    h.why = why;
    return status;
  };
  if (h.parser.method != HTTP_GET) return refuse(400, "not a GET");
  if (h.parser.http_major < 1 || (h.parser.http_major == 1 && h.parser.http_minor < 1)) return refuse(400, "not HTTP/1.1");
  if (lower(h.header("upgrade")) != "websocket") return refuse(426, "no Upgrade: websocket");
  if (!has_token(h.header("connection"), "upgrade")) return refuse(400, "no Connection: Upgrade");
  if (h.header("sec-websocket-version") != "13") return refuse(426, "Sec-WebSocket-Version is not 13");
  if (h.key.size() != 24) return refuse(400, "Sec-WebSocket-Key is not 16 bytes of base64");
  return 0;
}

}  // namespace loadgate::ws
