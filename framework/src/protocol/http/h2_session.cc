// h2_session.cc: HTTP/2 sessions over libnghttp2: nghttp2 frames and validates, we move bytes.
//
// nghttp2 is driven in memory: mem_recv() takes what the socket read, mem_send() hands back
// what to write; one write is in flight at a time and the next batch accumulates meanwhile.
// Request headers are passed without copies (they live as long as the attack's targets).
#include "protocol/http/h2_session.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <asio/post.hpp>
#include <cstring>

#include "loadgate/duration.h"
#include "loadgate/error.h"

namespace loadgate::http {
namespace {

constexpr size_t kReadBuffer = 32 * 1024;
constexpr size_t kWriteBatch = 64 * 1024;
constexpr uint32_t kAssumedStreams = 100;    // before the server's SETTINGS
constexpr int32_t kStreamWindow = 16 << 20;  // SETTINGS_INITIAL_WINDOW_SIZE
constexpr int32_t kConnWindow = 1 << 30;     // the connection's receive window
// Our SETTINGS: in the first frame, and in HTTP2-Settings when the connection upgrades.
const nghttp2_settings_entry kSettings[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
                                            {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, kStreamWindow}};
constexpr size_t kSettingsCount = sizeof kSettings / sizeof kSettings[0];
constexpr size_t kMaxSwitchHead = 16 * 1024;  // bytes of an answer to the upgrade before its headers end
constexpr auto kUpgradeProbeTimeout = std::chrono::seconds(5);

// Our SETTINGS as the upgrade request carries them: the frame's payload (for
// nghttp2_session_upgrade2) and the same in base64url without padding (the HTTP2-Settings
// header). Constant: packed once.
struct UpgradeSettings {
  std::string payload, header;
};

const UpgradeSettings& upgrade_settings() {
  static const UpgradeSettings s = [] {
    UpgradeSettings u;
    u.payload.resize(kSettingsCount * 6);
    const ssize_t n = nghttp2_pack_settings_payload(reinterpret_cast<uint8_t*>(u.payload.data()), u.payload.size(),
                                                    kSettings, kSettingsCount);
    u.payload.resize(n < 0 ? 0 : static_cast<size_t>(n));
    u.header = base64_encode(u.payload);
    for (char& c : u.header) c = c == '+' ? '-' : c == '/' ? '_' : c;
    while (!u.header.empty() && u.header.back() == '=') u.header.pop_back();
    return u;
  }();
  return s;
}

bool connection_specific(const std::string& lower) {
  return lower == "connection" || lower == "keep-alive" || lower == "proxy-connection" ||
         lower == "transfer-encoding" || lower == "upgrade" || lower == "host";
}

// Keeps a handler from deleting what runs it: H2Pool deletes only sessions with no handler under
// way (see finished()).
struct Busy {
  explicit Busy(int& depth) : d(depth) { ++d; }
  ~Busy() { --d; }
  int& d;
};

}  // namespace

H2Request H2Request::make(const std::string& method, const Url& url, const std::vector<Header>& headers) {
  H2Request r;
  std::string authority = url.authority();
  for (const auto& [k, v] : headers) {
    std::string lower = k;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower == "host") authority = v;
  }
  r.headers = {{":method", method}, {":scheme", url.scheme}, {":authority", authority}, {":path", url.target}};
  bool agent = false;
  for (const auto& [k, v] : headers) {
    std::string lower = k;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (connection_specific(lower) || (lower == "te" && v != "trailers")) continue;
    agent = agent || lower == "user-agent";
    r.headers.emplace_back(std::move(lower), v);
  }
  if (!agent) r.headers.emplace_back("user-agent", "loadgate/0.1");
  return r;
}

// The nghttp2 callbacks, with access to the session.
struct H2Callbacks {
  static H2Stream* stream(H2Session* s, int32_t id) {
    auto it = s->active_.find(id);
    return it == s->active_.end() ? nullptr : it->second;
  }

  static int begin_headers(nghttp2_session*, const nghttp2_frame* f, void* self) {
    if (f->hd.type == NGHTTP2_HEADERS && f->headers.cat == NGHTTP2_HCAT_RESPONSE)
      if (H2Stream* st = stream(static_cast<H2Session*>(self), f->hd.stream_id)) st->h2_headers();
    return 0;
  }

  static int header(nghttp2_session*, const nghttp2_frame* f, const uint8_t* name, size_t namelen,
                    const uint8_t* value, size_t valuelen, uint8_t, void* self) {
    if (f->hd.type != NGHTTP2_HEADERS) return 0;
    if (H2Stream* st = stream(static_cast<H2Session*>(self), f->hd.stream_id))
      st->h2_header(std::string(reinterpret_cast<const char*>(name), namelen),
                    std::string(reinterpret_cast<const char*>(value), valuelen));
    return 0;
  }

  static int data(nghttp2_session*, uint8_t, int32_t id, const uint8_t* data, size_t len, void* self) {
    if (H2Stream* st = stream(static_cast<H2Session*>(self), id)) st->h2_data(data, len);
    return 0;
  }

  static int frame_recv(nghttp2_session*, const nghttp2_frame* f, void* self) {
    auto* s = static_cast<H2Session*>(self);
    if (f->hd.type == NGHTTP2_GOAWAY) {
      s->going_away_ = true;
      s->goaway_code_ = f->goaway.error_code;
    } else if (f->hd.type == NGHTTP2_SETTINGS && !(f->hd.flags & NGHTTP2_FLAG_ACK)) {
      s->settings_ = true;
    } else if (f->hd.type == NGHTTP2_RST_STREAM) {
      if (H2Stream* st = stream(s, f->hd.stream_id)) st->reset_by_peer = true;
    }
    return 0;
  }

  static int stream_close(nghttp2_session*, int32_t id, uint32_t code, void* self) {
    auto* s = static_cast<H2Session*>(self);
    if (code == NGHTTP2_NO_ERROR) {
      s->finish(id, ErrorKind::kNone, "");
    } else if (s->going_away_ && code == NGHTTP2_REFUSED_STREAM) {
      s->finish(id, ErrorKind::kProtocol,
                std::string("http2: GOAWAY (") + nghttp2_http2_strerror(s->goaway_code_) + ") from the server: stream not processed");
    } else {
      H2Stream* st = stream(s, id);
      const bool peer = st && st->reset_by_peer;
      s->finish(id, ErrorKind::kProtocol,
                std::string(peer ? "http2: stream reset by the server: " : "http2: stream reset: ") +
                    nghttp2_http2_strerror(code));
    }
    return 0;
  }

  // A stream's request is sent once its END_STREAM frame is out (HEADERS alone, or its last DATA).
  static int frame_sent(nghttp2_session*, const nghttp2_frame* f, void* self) {
    if ((f->hd.type == NGHTTP2_HEADERS || f->hd.type == NGHTTP2_DATA) && (f->hd.flags & NGHTTP2_FLAG_END_STREAM))
      if (H2Stream* st = stream(static_cast<H2Session*>(self), f->hd.stream_id)) st->sent_ns = steady_now_ns();
    return 0;
  }

  static int not_sent(nghttp2_session*, const nghttp2_frame* f, int lib_error, void* self) {
    auto* s = static_cast<H2Session*>(self);
    if (f->hd.type != NGHTTP2_HEADERS) return 0;
    if (lib_error == NGHTTP2_ERR_START_STREAM_NOT_ALLOWED && s->going_away_) {
      // Never sent: it goes to another connection (a new one if need be).
      auto it = s->active_.find(f->hd.stream_id);
      if (it == s->active_.end()) return 0;
      H2Stream* st = it->second;
      s->active_.erase(it);
      st->session = nullptr;
      st->stream_id = -1;
      asio::post(s->io_, [st] { st->h2_unsent(); });
    } else {
      s->finish(f->hd.stream_id, ErrorKind::kProtocol, std::string("http2: request not sent: ") + nghttp2_strerror(lib_error));
    }
    return 0;
  }

  static ssize_t read_body(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags,
                           nghttp2_data_source* source, void*) {
    auto* st = static_cast<H2Stream*>(source->ptr);
    const std::string& body = *st->body;
    const size_t n = std::min(length, body.size() - st->body_sent);
    std::memcpy(buf, body.data() + st->body_sent, n);
    st->body_sent += n;
    if (st->body_sent == body.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }

  static nghttp2_session_callbacks* make() {
    nghttp2_session_callbacks* cb = nullptr;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cb, header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, data);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, frame_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, stream_close);
    nghttp2_session_callbacks_set_on_frame_not_send_callback(cb, not_sent);
    nghttp2_session_callbacks_set_on_frame_send_callback(cb, frame_sent);
    return cb;
  }
};

H2Session::H2Session(asio::io_context& io, const Transport& t, const Origin& origin)
    : io_(io), conn_(io, t, origin), in_(kReadBuffer) {
  static nghttp2_session_callbacks* const callbacks = H2Callbacks::make();
  nghttp2_option* opt = nullptr;
  nghttp2_option_new(&opt);
  nghttp2_option_set_peer_max_concurrent_streams(opt, kAssumedStreams);
  nghttp2_session_client_new2(&ng_, callbacks, this, opt);
  nghttp2_option_del(opt);
  nghttp2_submit_settings(ng_, NGHTTP2_FLAG_NONE, kSettings, kSettingsCount);
  nghttp2_session_set_local_window_size(ng_, NGHTTP2_FLAG_NONE, 0, kConnWindow);
}

H2Session::~H2Session() {
  conn_.close();
  nghttp2_session_del(ng_);
}

size_t H2Session::max_streams() const {
  return nghttp2_session_get_remote_settings(ng_, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
}

void H2Session::open(OpenHandler on_open) {
  opening_ = true;
  conn_.open_async(conn_.origin().url.tls(), [this, on_open = std::move(on_open)](ErrorKind kind, const std::string& error) {
    if (kind == ErrorKind::kNone && conn_.origin().h2c_upgrade)
      upgrade(on_open);
    else
      opened(kind, error, on_open);
  });
}

void H2Session::opened(ErrorKind kind, const std::string& error, const OpenHandler& on_open) {
  Busy busy(depth_);
  opening_ = false;
  if (kind != ErrorKind::kNone) {
    dead_ = true;
    fail_all(kind, error);
    on_open(kind, error);
    return;
  }
  if (!queued_.empty()) queued_.front()->opened = conn_.phases;
  while (!queued_.empty()) {
    H2Stream* s = queued_.front();
    queued_.pop_front();
    start_stream(*s);
  }
  flush();
  read();
  on_open(ErrorKind::kNone, "");
}

void H2Session::upgrade(OpenHandler on_open) {
  writing_buf_ = "OPTIONS / HTTP/1.1\r\nHost: " + conn_.origin().url.authority() +
                 "\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: " + upgrade_settings().header +
                 "\r\nUser-Agent: loadgate/0.1\r\n\r\n";
  writing_ = true;
  conn_.write(asio::buffer(writing_buf_), [this, on_open = std::move(on_open)](const asio::error_code& ec, size_t) {
    Busy busy(depth_);
    writing_ = false;
    writing_buf_.clear();
    if (ec)
      opened(ErrorKind::kConnect, "h2c upgrade: write: " + ec.message(), on_open);
    else
      await_switch(std::make_shared<std::string>(), on_open);
  });
}

// Reads the answer to the upgrade up to the end of its headers: 101 makes the connection HTTP/2
// (what follows the headers is already HTTP/2), anything else fails it.
void H2Session::await_switch(std::shared_ptr<std::string> head, OpenHandler on_open) {
  reading_ = true;
  conn_.read_some(asio::buffer(in_), [this, head, on_open = std::move(on_open)](const asio::error_code& ec, size_t n) {
    Busy busy(depth_);
    reading_ = false;
    head->append(reinterpret_cast<const char*>(in_.data()), n);
    const size_t end = head->find("\r\n\r\n");
    if (end == std::string::npos) {
      if (ec || head->size() > kMaxSwitchHead)
        opened(ErrorKind::kConnect, ec ? "h2c upgrade: read: " + ec.message() : "h2c upgrade: no end to the answer's headers", on_open);
      else
        await_switch(head, on_open);
      return;
    }
    const std::string status = head->substr(0, head->find("\r\n"));
    if (status.rfind("HTTP/1.1 101", 0) != 0) {
      opened(ErrorKind::kConnect, "h2c upgrade: the server answered \"" + printable(status) + "\", not 101 Switching Protocols", on_open);
      return;
    }
    const std::string& payload = upgrade_settings().payload;
    int rv = nghttp2_session_upgrade2(ng_, reinterpret_cast<const uint8_t*>(payload.data()), payload.size(), 0, nullptr);
    const size_t rest = head->size() - end - 4;
    if (rv == 0 && rest > 0) {
      in_recv_ = true;
      const ssize_t r = nghttp2_session_mem_recv(ng_, reinterpret_cast<const uint8_t*>(head->data()) + end + 4, rest);
      in_recv_ = false;
      rv = r < 0 ? static_cast<int>(r) : 0;
    }
    if (rv != 0)
      opened(ErrorKind::kProtocol, std::string("h2c upgrade: ") + nghttp2_strerror(rv), on_open);
    else
      opened(ErrorKind::kNone, "", on_open);
  });
}

void H2Session::submit(H2Stream& s) {
  s.session = this;
  s.body_sent = 0;
  s.stream_id = -1;
  s.reset_by_peer = false;
  s.submitted_ns = steady_now_ns();
  s.sent_ns = 0;
  s.opened = {};
  if (dead_) {
    s.session = nullptr;
    asio::post(io_, [&s] { s.h2_closed(ErrorKind::kIo, "http2: the connection is closed"); });
    return;
  }
  if (opening_ || !conn_.open) {
    queued_.push_back(&s);
    return;
  }
  start_stream(s);
  if (!in_recv_) flush();
}

void H2Session::start_stream(H2Stream& s) {
  thread_local std::vector<nghttp2_nv> nva;
  nva.clear();
  for (const auto& [k, v] : s.request->headers)
    nva.push_back({reinterpret_cast<uint8_t*>(const_cast<char*>(k.data())),
                   reinterpret_cast<uint8_t*>(const_cast<char*>(v.data())), k.size(), v.size(),
                   NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE});
  nghttp2_data_provider body{};
  body.source.ptr = &s;
  body.read_callback = H2Callbacks::read_body;
  const int32_t id = nghttp2_submit_request(ng_, nullptr, nva.data(), nva.size(), s.body && !s.body->empty() ? &body : nullptr, &s);
  if (id < 0) {
    s.session = nullptr;
    const std::string why = std::string("http2: cannot submit the request: ") + nghttp2_strerror(id);
    asio::post(io_, [&s, why] { s.h2_closed(ErrorKind::kProtocol, why); });
    return;
  }
  s.stream_id = id;
  active_[id] = &s;
}

void H2Session::cancel(H2Stream& s) {
  auto q = std::find(queued_.begin(), queued_.end(), &s);
  if (q != queued_.end()) queued_.erase(q);
  if (s.stream_id >= 0 && active_.erase(s.stream_id)) {
    nghttp2_submit_rst_stream(ng_, NGHTTP2_FLAG_NONE, s.stream_id, NGHTTP2_CANCEL);
    if (!in_recv_) flush();
  }
  s.session = nullptr;
  s.stream_id = -1;
}

void H2Session::finish(int32_t id, ErrorKind kind, const std::string& error) {
  auto it = active_.find(id);
  if (it == active_.end()) return;
  H2Stream* s = it->second;
  active_.erase(it);
  s->session = nullptr;
  s->stream_id = -1;
  s->h2_closed(kind, error);
}

void H2Session::fail_all(ErrorKind kind, const std::string& error) {
  dead_ = true;
  std::vector<H2Stream*> all(queued_.begin(), queued_.end());
  queued_.clear();
  for (auto& [id, s] : active_) all.push_back(s);
  active_.clear();
  for (H2Stream* s : all) {
    s->session = nullptr;
    s->stream_id = -1;
    s->h2_closed(kind, error);
  }
  conn_.close();
}

void H2Session::flush() {
  if (writing_ || dead_ || !conn_.open) return;
  for (;;) {
    const uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(ng_, &data);
    if (n < 0) {
      fail_all(ErrorKind::kProtocol, std::string("http2: ") + nghttp2_strerror(static_cast<int>(n)));
      return;
    }
    if (n == 0) break;
    out_.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
    if (out_.size() >= kWriteBatch) break;
  }
  if (out_.empty()) {
    maybe_close();
    return;
  }
  writing_ = true;
  writing_buf_.swap(out_);
  out_.clear();
  conn_.write(asio::buffer(writing_buf_), [this](const asio::error_code& ec, size_t) {
    Busy busy(depth_);
    writing_ = false;
    writing_buf_.clear();
    if (dead_) return;
    if (ec) {
      fail_all(ErrorKind::kIo, "http2: write: " + ec.message());
      return;
    }
    flush();
  });
}

void H2Session::read() {
  reading_ = true;
  conn_.read_some(asio::buffer(in_), [this](const asio::error_code& ec, size_t n) {
    Busy busy(depth_);
    reading_ = false;
    if (dead_) return;
    if (n > 0) {
      in_recv_ = true;
      const ssize_t rv = nghttp2_session_mem_recv(ng_, in_.data(), n);
      in_recv_ = false;
      if (rv < 0) {
        fail_all(ErrorKind::kProtocol, std::string("http2: bad frames from the server: ") + nghttp2_strerror(static_cast<int>(rv)));
        return;
      }
    }
    if (ec) {
      fail_all(ErrorKind::kIo, active_.empty() && queued_.empty() ? "http2: connection closed"
                                                                  : "http2: read: " + ec.message());
      return;
    }
    flush();
    if (!dead_) read();
  });
}

void H2Session::maybe_close() {
  if (dead_ || writing_) return;
  const bool idle = active_.empty() && queued_.empty();
  if ((going_away_ && idle) || (!nghttp2_session_want_read(ng_) && !nghttp2_session_want_write(ng_))) {
    dead_ = true;
    fail_all(ErrorKind::kIo, "http2: connection closed");
  }
}

bool upgrades_to_h2c(const Origin& origin, const Transport& t) {
  if (!origin.resolve_error.empty() || origin.url.tls()) return false;
  Origin o = origin;
  o.protocol = Protocol::kHttp2;
  o.h2c_upgrade = true;
  asio::io_context io;
  bool switched = false;
  H2Session s(io, t, o);
  s.open([&](ErrorKind kind, const std::string&) {
    switched = kind == ErrorKind::kNone;
    io.stop();
  });
  io.run_for(kUpgradeProbeTimeout);
  return switched;
}

H2Session& H2Pool::open_session(size_t index, const Origin& origin, std::function<void(ErrorKind, const std::string&)> done) {
  auto& list = sessions_[index];
  list.push_back(std::make_unique<H2Session>(io_, t_, origin));
  H2Session& s = *list.back();
  s.open(std::move(done));
  return s;
}

void H2Pool::submit(size_t index, const Origin& origin, H2Stream& s, const std::function<void(int)>& connecting) {
  if (sessions_.size() <= index) sessions_.resize(index + 1);
  auto& list = sessions_[index];
  list.erase(std::remove_if(list.begin(), list.end(), [](const auto& p) { return p->finished(); }), list.end());
  H2Session* best = nullptr;
  size_t usable = 0;
  for (auto& p : list) {
    if (!p->usable()) continue;
    ++usable;
    if (!best || p->load() < best->load()) best = p.get();
  }
  if (!best || (best->load() >= best->max_streams() && (max_conns_ == 0 || usable < max_conns_))) {
    connecting(+1);
    best = &open_session(index, origin, [connecting](ErrorKind, const std::string&) { connecting(-1); });
  }
  best->submit(s);
}

bool H2Pool::warm(size_t index, const Origin& origin, std::function<void()> done) {
  if (sessions_.size() <= index) sessions_.resize(index + 1);
  for (auto& p : sessions_[index])
    if (p->usable()) return false;
  open_session(index, origin, [done = std::move(done)](ErrorKind, const std::string&) { done(); });
  return true;
}

}  // namespace loadgate::http
