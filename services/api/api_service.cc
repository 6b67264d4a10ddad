// api_service.cc: the embedded API's handlers.
#include "loadgate/services/api_service.h"
#include "loadgate/services/session_token.h"

#include "connection_pool.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/sha.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <random>
#include <deque>
#include <map>
#include <unordered_map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>
#include <vector>

namespace loadgate::services {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

int query_int(const httplib::Request& req, const char* name, int fallback, int lo, int hi) {
  if (!req.has_param(name)) return fallback;
  try {
    return std::clamp(std::stoi(req.get_param_value(name)), lo, hi);
  } catch (const std::exception&) {
    return fallback;
  }
}

void reply(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

json item(int id) {
  return {{"id", id}, {"name", "item-" + std::to_string(id)}, {"price", 1.5 * id}, {"in_stock", id % 3 != 0}};
}

// `n` lanes that each serve one request at a time: a request takes the lane that frees soonest
// and its answer is due `service` after the later of its arrival and that lane's free time. The
// lanes keep to their schedule, not to their wake-ups: a sleep that overshoots on a busy machine
// delays that one answer, never the lane's next, so the capacity is n / service exactly (a
// semaphore around a sleep loses every overshoot: 4 x 10 ms served ~340/s on a loaded machine).
class Lanes {
 public:
  explicit Lanes(int n) : free_at_(static_cast<size_t>(std::max(n, 1))) {}
  /// Returns when this request's service, `service` long, is over.
  void serve(std::chrono::nanoseconds service) {
    Clock::time_point due;
    {
      std::lock_guard lock(mu_);
      auto lane = std::min_element(free_at_.begin(), free_at_.end());
      due = std::max(*lane, Clock::now()) + service;
      *lane = due;
    }
    std::this_thread::sleep_until(due);
  }

 private:
  std::mutex mu_;
  std::vector<Clock::time_point> free_at_;  // per lane: when its last admitted request is due
};

// cpp-httplib listens with a backlog of 5, compiled into Debian's library. When more clients
// connect at once (a load tester's warm-up), the kernel drops the final ACK of the others and
// retransmits its SYN-ACK only after a second: their first requests stall for ~1 s. Listening
// again on the same socket raises the backlog; httplib does not expose the socket, so find it.
void raise_backlog(int port) {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return;
  while (dirent* e = readdir(dir)) {
    const int fd = std::atoi(e->d_name);
    if (fd <= 2) continue;
    int listening = 0;
    socklen_t len = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
    sockaddr_storage addr{};
    socklen_t alen = sizeof addr;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &alen) != 0) continue;
    const int bound = addr.ss_family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port)
                                                : ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
    if (bound == port) ::listen(fd, SOMAXCONN);
  }
  closedir(dir);
}

}  // namespace

struct ApiService::Impl {
  ApiOptions o;
  std::unique_ptr<httplib::Server> owned;  // plain, or TLS when a certificate is given
  httplib::Server& server;
  std::thread thread;
  int port = 0;
  Clock::time_point started = Clock::now();
  std::atomic<int64_t> stall_until_ns{0};  // every request waits until this steady time
  std::atomic<int> stall_calls{0};
  std::atomic<bool> stalled_once{false};
  Lanes limited{4};
  std::atomic<int> next_id{1000};
  std::mutex degrade_mu;
  std::map<std::string, Clock::time_point> degrade_first;  // /api/degrade keys
  // Journeys: sessions by token, orders by id (the last kMaxOrders), both behind one lock.
  static constexpr size_t kMaxOrders = 100000;
  std::mutex session_mu;
  std::unordered_map<std::string, std::string> sessions;  // token -> user
  std::unordered_map<long, json> orders;
  std::deque<long> order_ids;
  std::atomic<long> next_order{1};
  mutable std::mutex served_mu;
  std::unordered_map<std::string, uint64_t> served;  // by path

  // The user of a request's "Authorization: Bearer <token>", or "".
  std::string user_of(const httplib::Request& req) {
    const std::string auth = req.get_header_value("Authorization");
    if (auth.rfind("Bearer ", 0) != 0) return "";
    std::lock_guard lock(session_mu);
    auto it = sessions.find(auth.substr(7));
    return it == sessions.end() ? "" : it->second;
  }

  void journey_routes() {
    // POST /api/login {"user", "password"} -> {"token"}: any user; one token per user.
    // ?no_token=1 answers 200 without a token (a broken login, for tests).
    server.Post("/api/login", [this](const httplib::Request& req, httplib::Response& res) {
      json body = json::parse(req.body, nullptr, false);
      if (body.is_discarded() || !body.is_object() || !body.contains("user") || !body["user"].is_string() ||
          body["user"].get<std::string>().empty() || !body.contains("password") || !body["password"].is_string())
        return reply(res, 400, {{"error", "want {\"user\": \"...\", \"password\": \"...\"}"}});
      const std::string user = body["user"];
      const std::string token = session_token(user);
      {
        std::lock_guard lock(session_mu);
        sessions[token] = user;
      }
      if (req.has_param("no_token")) return reply(res, 200, {{"ok", true}});
      reply(res, 200, {{"token", token}, {"user", user}});
    });
    // GET /api/me: 401 without a valid Bearer token.
    server.Get("/api/me", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string user = user_of(req);
      if (user.empty()) return reply(res, 401, {{"error", "want Authorization: Bearer <token from /api/login>"}});
      reply(res, 200, {{"user", user}});
    });
    // POST /api/orders {"item": id, "quantity": n} -> {"id", ...}; 401 without a token.
    server.Post("/api/orders", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string user = user_of(req);
      if (user.empty()) return reply(res, 401, {{"error", "want Authorization: Bearer <token from /api/login>"}});
      json body = json::parse(req.body, nullptr, false);
      if (body.is_discarded() || !body.is_object()) return reply(res, 400, {{"error", "body is not a JSON object"}});
      const long id = next_order++;
      json order = {{"id", id}, {"user", user}, {"item", body.value("item", 1)}, {"quantity", body.value("quantity", 1)}};
      {
        std::lock_guard lock(session_mu);
        orders[id] = order;
        order_ids.push_back(id);
        if (order_ids.size() > kMaxOrders) {
          orders.erase(order_ids.front());
          order_ids.pop_front();
        }
      }
      reply(res, 201, order);
    });
    // GET /api/orders/{id}: 404 for an unknown id.
    server.Get(R"(/api/orders/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
      const long id = std::strtol(req.matches[1].str().c_str(), nullptr, 10);
      std::lock_guard lock(session_mu);
      auto it = orders.find(id);
      if (it == orders.end()) return reply(res, 404, {{"error", "order not found"}});
      reply(res, 200, it->second);
    });
  }

  explicit Impl(ApiOptions opts)
      : o(std::move(opts)),
        owned(o.cert_file.empty() ? std::make_unique<httplib::Server>()
                                  : std::make_unique<httplib::SSLServer>(o.cert_file.c_str(), o.key_file.c_str())),
        server(*owned),
        limited(o.limited_concurrency) {}

  void wait_out_stall() {
    const int64_t until = stall_until_ns.load();
    const int64_t now = Clock::now().time_since_epoch().count();
    if (until > now) std::this_thread::sleep_for(std::chrono::nanoseconds(until - now));
  }

  void routes() {
    server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response&) {
      {
        std::lock_guard lock(served_mu);
        ++served[req.path];
      }
      wait_out_stall();
      return httplib::Server::HandlerResponse::Unhandled;
    });
    server.Get("/health", [](const httplib::Request&, httplib::Response& res) { reply(res, 200, {{"status", "ok"}}); });
    server.Get("/api/items", [](const httplib::Request&, httplib::Response& res) {
      json list = json::array();
      for (int i = 1; i <= 20; ++i) list.push_back(item(i));
      reply(res, 200, {{"items", list}, {"count", 20}});
    });
    server.Get(R"(/api/items/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
      const long id = std::strtol(req.matches[1].str().c_str(), nullptr, 10);
      if (id < 1 || id > 20) return reply(res, 404, {{"error", "item not found"}});
      reply(res, 200, item(static_cast<int>(id)));
    });
    server.Post("/api/items", [this](const httplib::Request& req, httplib::Response& res) {
      json body = json::parse(req.body, nullptr, false);
      if (body.is_discarded() || !body.is_object()) return reply(res, 400, {{"error", "body is not a JSON object"}});
      if (!body.contains("name") || !body["name"].is_string() || body["name"].get<std::string>().empty())
        return reply(res, 400, {{"error", "name: required non-empty string"}});
      if (!body.contains("price") || !body["price"].is_number() || body["price"].get<double>() < 0)
        return reply(res, 400, {{"error", "price: required number >= 0"}});
      body["id"] = next_id++;
      reply(res, 201, body);
    });
    server.Get("/api/compute", [](const httplib::Request& req, httplib::Response& res) {
      const int n = query_int(req, "n", 1000, 1, 1'000'000);
      unsigned char digest[SHA256_DIGEST_LENGTH] = {0};
      for (int i = 0; i < n; ++i) SHA256(digest, sizeof digest, digest);
      char hex[17];
      for (int i = 0; i < 8; ++i) std::snprintf(hex + 2 * i, 3, "%02x", digest[i]);
      reply(res, 200, {{"rounds", n}, {"digest", hex}});
    });
    server.Get("/api/delay", [](const httplib::Request& req, httplib::Response& res) {
      // A latency of known size: us (or ms) from the request's arrival, times a log-normal
      // factor of spread `noise` (0 = exact), to the sleeping thread's precision.
      const auto arrived = std::chrono::steady_clock::now();
      int64_t us = req.has_param("us") ? query_int(req, "us", 0, 0, 60'000'000) : int64_t{query_int(req, "ms", 100, 0, 60000)} * 1000;
      const double noise = req.has_param("noise") ? std::clamp(std::atof(req.get_param_value("noise").c_str()), 0.0, 2.0) : 0.0;
      if (noise > 0) {
        thread_local std::mt19937_64 rng(std::random_device{}());
        std::lognormal_distribution<double> factor(0, noise);
        us = static_cast<int64_t>(static_cast<double>(us) * factor(rng));
      }
      std::this_thread::sleep_until(arrived + std::chrono::microseconds(us));
      reply(res, 200, {{"delayed_us", us}});
    });
    server.Get("/api/stall", [this](const httplib::Request& req, httplib::Response& res) {
      const int ms = query_int(req, "ms", 1000, 0, 60000);
      const int after = query_int(req, "after", 1, 1, 1'000'000'000);
      if (++stall_calls == after && !stalled_once.exchange(true)) {
        const auto until = Clock::now() + std::chrono::milliseconds(ms);
        stall_until_ns.store(until.time_since_epoch().count());
        wait_out_stall();
      }
      reply(res, 200, {{"stalled", stalled_once.load()}});
    });
    server.Get("/api/limited", [this](const httplib::Request& req, httplib::Response& res) {
      const int ms = query_int(req, "ms", 10, 0, 60000);
      limited.serve(std::chrono::milliseconds(ms));
      reply(res, 200, {{"service_ms", ms}});
    });
    server.Get("/api/degrade", [this](const httplib::Request& req, httplib::Response& res) {
      const int ms = query_int(req, "ms", 200, 0, 60000);
      // Degraded once `after` ms have passed since the first call with this `key` (default: since
      // the service started, after degrade_after).
      bool late;
      if (req.has_param("key")) {
        const auto after = std::chrono::milliseconds(query_int(req, "after", 10000, 0, 86'400'000));
        Clock::time_point first;
        {
          std::lock_guard lock(degrade_mu);
          first = degrade_first.try_emplace(req.get_param_value("key"), Clock::now()).first->second;
        }
        late = Clock::now() - first >= after;
      } else {
        late = Clock::now() - started >= o.degrade_after;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(late ? ms : 1));
      reply(res, 200, {{"degraded", late}});
    });
    server.Get(R"(/api/status/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
      const int code = std::clamp(std::atoi(req.matches[1].str().c_str()), 100, 599);
      reply(res, code, {{"status", code}});
    });
    server.Get("/api/chunked", [](const httplib::Request& req, httplib::Response& res) {
      // Phases of known size: `delay` ms before the response's first byte (its headers), `gap`
      // ms before each chunk after the first: waiting `delay`, receiving (chunks - 1) * `gap`.
      const auto arrived = std::chrono::steady_clock::now();
      const int chunks = query_int(req, "chunks", 4, 1, 10000);
      const auto gap = std::chrono::milliseconds(query_int(req, "gap", 0, 0, 10000));
      std::this_thread::sleep_until(arrived + std::chrono::milliseconds(query_int(req, "delay", 0, 0, 60000)));
      res.set_chunked_content_provider("text/plain", [chunks, gap](size_t offset, httplib::DataSink& sink) {
        if (offset >= static_cast<size_t>(chunks) * 10) {
          sink.done();
          return true;
        }
        if (offset > 0 && gap.count() > 0) std::this_thread::sleep_for(gap);
        sink.write("0123456789", 10);
        return true;
      });
    });
    server.Get("/api/redirect", [](const httplib::Request& req, httplib::Response& res) {
      // ?to=URL sends elsewhere (another origin, for redirect tests); default /health.
      res.set_redirect(req.has_param("to") ? req.get_param_value("to") : "/health");
    });
  }
};

ApiService::ApiService(ApiOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

ApiService::~ApiService() { stop(); }

int ApiService::start() {
  Impl& s = *impl_;
  s.routes();
  s.journey_routes();
  const auto threads = static_cast<size_t>(std::max(1, s.o.threads));
  const auto most = static_cast<size_t>(std::max(s.o.threads, s.o.max_threads));
  s.server.new_task_queue = [threads, most] { return new ConnectionPool(threads, most); };
  s.server.set_tcp_nodelay(true);
  // SO_REUSEADDR, as the WebSocket and kernel services have: the port can be bound again at
  // once after a run (cpp-httplib's default, SO_REUSEPORT alone, waited out TIME_WAIT for about
  // 60 s, and let a second server bind the same port beside the first).
  s.server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  s.server.set_keep_alive_max_count(1'000'000);
  s.server.set_keep_alive_timeout(30);
  s.server.set_read_timeout(30, 0);
  s.started = Clock::now();
  if (!s.server.is_valid()) throw std::runtime_error("api service: cannot load TLS certificate " + s.o.cert_file);
  if (s.o.port == 0) {
    s.port = s.server.bind_to_any_port(s.o.host.c_str());
  } else {
    s.port = s.server.bind_to_port(s.o.host.c_str(), s.o.port) ? s.o.port : -1;
  }
  if (s.port <= 0) throw std::runtime_error("api service: cannot bind " + s.o.host + ":" + std::to_string(s.o.port));
  raise_backlog(s.port);
  s.thread = std::thread([&s] { s.server.listen_after_bind(); });
  while (!s.server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return s.port;
}

void ApiService::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  impl_->server.stop();
  impl_->thread.join();
}

uint64_t ApiService::served(const std::string& path) const {
  std::lock_guard lock(impl_->served_mu);
  auto it = impl_->served.find(path);
  return it == impl_->served.end() ? 0 : it->second;
}

std::string ApiService::url() const {
  return (impl_->o.cert_file.empty() ? "http://" : "https://") + impl_->o.host + ":" + std::to_string(impl_->port);
}

int ApiService::port() const { return impl_->port; }

}  // namespace loadgate::services
