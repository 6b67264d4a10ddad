// ws_node_test.cc: loadgate's WebSocket client and embedded server against Node's `ws` (an
// independent RFC 6455 implementation that validates what it receives): payloads at every length
// boundary, text and binary, fragments with control frames between them, pings, and both close
// handshakes. The peers are framework/test/node/ws_peer.mjs, installed by ci/node-peers.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "loadgate/services/ws_service.h"
#include "loadgate/ws.h"
#include "kit/load.h"
#include "kit/slurp.h"
#include "kit/subprocess.h"

namespace loadgate {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Subprocess;

// build/node (ci/node-peers), or $LOADGATE_NODE_DIR.
std::string node_dir() {
  if (const char* d = std::getenv("LOADGATE_NODE_DIR")) return d;
  return LOADGATE_NODE_DIR;
}

// Node's ws server, on a free port; compressing every message when `deflate`.
class NodeServer {
 public:
  explicit NodeServer(bool deflate = false) {
    out_ = ::testing::TempDir() + "ws_peer_server.out";
    err_ = ::testing::TempDir() + "ws_peer_server.err";
    std::vector<std::string> argv{"/usr/bin/node", node_dir() + "/ws_peer.mjs", "server"};
    if (deflate) argv.push_back("deflate");
    proc_ = std::make_unique<Subprocess>(argv, out_, err_);
    for (int i = 0; i < 500 && port == 0; ++i) {
      const std::string text = testing::slurp(out_);
      if (text.find('\n') != std::string::npos) port = nlohmann::json::parse(text.substr(0, text.find('\n')))["port"];
      else std::this_thread::sleep_for(milliseconds(10));
    }
  }
  ~NodeServer() {
    proc_->signal(SIGTERM);
    proc_->wait(seconds(5));
  }
  std::string url(const std::string& path) const { return "ws://127.0.0.1:" + std::to_string(port) + path; }
  std::string errors() const { return testing::slurp(err_); }
  int port = 0;

 private:
  std::string out_, err_;
  std::unique_ptr<Subprocess> proc_;
};

class WsNode : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::ifstream(node_dir() + "/node_modules/ws/package.json").good())
        << "Node's ws is not installed in " << node_dir() << ": run ci/node-peers";
  }
  static AttackOptions lasting(Nanos d) {
    AttackOptions o = testing::lasting(d, seconds(2));
    o.monitor_self = false;
    return o;
  }
  static Summary of(const AttackRun& run, Kind k) { return run.metrics.summarize(k); }
  // `connections` to `path` of `node`, each sending `rate_per_conn` messages/s.
  static WsOptions at(const NodeServer& node, const std::string& path, int connections, double rate_per_conn) {
    WsOptions w;
    w.url = node.url(path);
    w.connections = connections;
    w.rate_per_conn = rate_per_conn;
    return w;
  }
};

// Our client's frames at every length boundary, text and binary, echoed by ws: ws fails any
// frame it finds wrong (masking, lengths, UTF-8), so every echo coming back byte-counted is the
// check. ws also pings after each echo: our client must answer without losing a message.
TEST_F(WsNode, OurClientAgainstTheirServerAtEveryLength) {
  NodeServer node;
  ASSERT_GT(node.port, 0) << node.errors();
  for (int size : {36, 125, 126, 127, 65535, 65536, 200000}) {
    for (bool binary : {false, true}) {
      WsOptions w = at(node, "/echo", 3, 20);
      w.message_size = size;
      w.binary = binary;
      const AttackRun run = attack_ws(w, lasting(milliseconds(500)));
      const Summary m = of(run, Kind::kWsMessage);
      const std::string row = std::to_string(size) + (binary ? " binary" : " text");
      EXPECT_GT(m.requests, 0u) << row;
      EXPECT_EQ(m.success, m.requests) << row << ": " << (m.errors.empty() ? "" : m.errors[0]);
      EXPECT_EQ(m.bytes_in, m.bytes_out) << row;
      EXPECT_DOUBLE_EQ(m.bytes_in_mean, size) << row;
      const Summary c = of(run, Kind::kWsClose);
      EXPECT_EQ(c.success, 3u) << row << ": our close handshake, answered by ws";
      EXPECT_EQ(c.status_codes.at("1000"), 3u) << row;
    }
  }
  EXPECT_EQ(node.errors(), "") << "ws found nothing wrong in our frames";
}

// Their fragments, with a ping and a pong between them, reassembled by our client (push mode
// counts every message the server sends): SIZES binary messages, then "done". Plain, and
// compressed by ws (each fragment a piece of one DEFLATE stream, RSV1 on the first).
TEST_F(WsNode, OurClientReassemblesTheirFragments) {
  for (bool deflate : {false, true}) {
    NodeServer node(deflate);
    ASSERT_GT(node.port, 0) << node.errors();
    WsOptions w = at(node, "/fragments", 2, 0);
    w.push = true;
    const AttackRun run = attack_ws(w, lasting(milliseconds(800)));
    const Summary p = of(run, Kind::kWsPush);
    const uint64_t sizes = 0 + 1 + 125 + 126 + 127 + 65535 + 65536 + 200000 + 4;  // and "done"
    const char* name = deflate ? "compressed" : "plain";
    EXPECT_EQ(p.requests, 2u * 9) << name << ": 8 fragmented messages and one whole, per connection; "
                                  << (p.errors.empty() ? "" : p.errors[0]);
    EXPECT_EQ(p.bytes_in, 2 * sizes) << name;
    EXPECT_EQ(of(run, Kind::kWsClose).success, 2u) << name;
    if (deflate) EXPECT_LT(run.wire_bytes_in, 2 * sizes) << "the fragments came compressed";
    else EXPECT_GT(run.wire_bytes_in, 2 * sizes) << "the fragments came as they are";
  }
}

// A close that ws starts (4000 "bye") is answered and recorded with its code and reason.
TEST_F(WsNode, TheirCloseIsAnsweredAndNamed) {
  NodeServer node;
  ASSERT_GT(node.port, 0) << node.errors();
  const WsOptions w = at(node, "/close", 3, 5);
  const AttackRun run = attack_ws(w, lasting(seconds(1)));
  const Summary c = of(run, Kind::kWsClose);
  EXPECT_EQ(c.requests, 3u);
  EXPECT_EQ(c.status_codes.at("4000"), 3u);
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0], "closed by server: 4000 bye");
}

// ws's client against our embedded server: every length, text and binary, whole and in three
// fragments with a ping between; each echo compared byte for byte by the client; then its close.
// With permessage-deflate on both sides (every message of ws's compressed, fragments too, and
// every echo of ours), on ws's side alone (our server declines), and off.
TEST_F(WsNode, TheirClientAgainstOurServer) {
  struct Row {
    bool client_deflate, server_deflate;
    const char* extensions;  // what ws's client agreed
  };
  for (const Row& row : {Row{false, false, ""}, Row{true, true, "permessage-deflate"}, Row{true, false, ""}}) {
    services::WsServiceOptions o;
    o.port = 0;
    o.deflate = row.server_deflate;
    services::WsService server(o);
    const int port = server.start();
    const std::string out = ::testing::TempDir() + "ws_peer_client.out";
    const std::string err = ::testing::TempDir() + "ws_peer_client.err";
    std::vector<std::string> argv{"/usr/bin/node", node_dir() + "/ws_peer.mjs", "client",
                                  "ws://127.0.0.1:" + std::to_string(port) + "/echo"};
    if (row.client_deflate) argv.push_back("deflate");
    Subprocess client(argv, out, err);
    const std::string name = std::string("client deflate ") + (row.client_deflate ? "on" : "off") + ", server " +
                             (row.server_deflate ? "on" : "off");
    ASSERT_EQ(client.wait(seconds(20)), 0) << name << ": " << testing::slurp(out) << testing::slurp(err);
    const auto seen = nlohmann::json::parse(testing::slurp(out));
    EXPECT_EQ(seen["echoed"], 2 * 8 * 2) << name << seen.dump();
    EXPECT_EQ(seen["mismatched"], 0) << name << seen.dump();
    EXPECT_EQ(seen["pongs"], 2 * 8) << name << ": a pong for every ping";
    EXPECT_EQ(seen["errors"].size(), 0u) << name << seen.dump();
    EXPECT_EQ(seen["close_code"], 1000) << name << ": our server answered the close with its code";
    EXPECT_EQ(seen["extensions"].get<std::string>().rfind(row.extensions, 0), 0u) << name << seen.dump();
    if (!*row.extensions) EXPECT_EQ(seen["extensions"], "") << name;
  }
}

// permessage-deflate against ws's server, which compresses every message: our client offers it
// by default, compresses what it sends (ws fails anything it cannot inflate) and inflates the
// echoes; the wire carries a fraction of the payload (the filler compresses), and with
// -compression=off the offer is not made and the wire carries all of it.
TEST_F(WsNode, CompressionBothWaysAgainstTheirServer) {
  NodeServer node(true);
  ASSERT_GT(node.port, 0) << node.errors();
  struct Row {
    int size;
    bool binary, compression;
  };
  for (const Row& row : {Row{36, false, true}, Row{1000, false, true}, Row{65536, true, true}, Row{200000, false, true},
                         Row{1000, false, false}, Row{65536, true, false}}) {
    WsOptions w = at(node, "/echo", 3, 20);
    w.message_size = row.size;
    w.binary = row.binary;
    w.compression = row.compression;
    const AttackRun run = attack_ws(w, lasting(milliseconds(500)));
    const Summary m = of(run, Kind::kWsMessage);
    const std::string name = std::to_string(row.size) + (row.binary ? " binary" : " text") +
                             (row.compression ? ", compression on" : ", compression off");
    EXPECT_GT(m.requests, 0u) << name;
    EXPECT_EQ(m.success, m.requests) << name << ": " << (m.errors.empty() ? "" : m.errors[0]);
    EXPECT_EQ(m.bytes_in, m.bytes_out) << name;
    EXPECT_DOUBLE_EQ(m.bytes_in_mean, row.size) << name;
    EXPECT_EQ(of(run, Kind::kWsClose).success, 3u) << name;
    if (row.size < 1000) continue;
    if (row.compression) {
      EXPECT_LT(run.wire_bytes_out, m.bytes_out / 4) << name;
      EXPECT_LT(run.wire_bytes_in, m.bytes_in / 4) << name;
    } else {
      EXPECT_GT(run.wire_bytes_out, m.bytes_out) << name;
      EXPECT_GT(run.wire_bytes_in, m.bytes_in) << name;
    }
  }
  EXPECT_EQ(node.errors(), "") << "ws found nothing wrong in our compressed frames";
}

}  // namespace
}  // namespace loadgate
