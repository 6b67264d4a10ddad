// grpc.h (protocol layer): gRPC load: any method (unary, server-, client- or bidirectional-streaming), described
// by a .proto read at run time, a protoset, or the server's reflection, sent with gRPC's generic
// stub. No gRPC header is included here; see grpc_typed.h for generated stubs.
//
//   loadgate::GrpcOptions g;
//   g.addr = "127.0.0.1:50051";
//   g.call = "loadgate.kernel.Kernel/Execute";
//   g.data = {R"({"op":"sum","args":[1,2,3]})"};
//   loadgate::AttackOptions o;  o.load.workers = 10;  o.load.requests = 1000;   // closed model
//   loadgate::AttackRun run = loadgate::attack_grpc(g, o);
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "loadgate/attack.h"
#include "loadgate/duration.h"
#include "loadgate/feeder.h"
#include "loadgate/targets.h"

namespace loadgate {

/// Most channels (-connections) a gRPC attack opens: each is a TCP connection with its own
/// HTTP/2 state and gRPC threads' attention; more than this is a mistake, not a load.
inline constexpr int kMaxGrpcConnections = 1000;

/// Default method when none is given: the embedded kernel service's Execute.
inline constexpr const char* kDefaultGrpcCall = "loadgate.kernel.Kernel/Execute";

/// GrpcOptions say what to call and how to connect (ghz's flags of the same meaning).
struct GrpcReflectionCache;  // see GrpcOptions::reflection_cache

struct GrpcOptions {
  std::string addr = "127.0.0.1:50051";   ///< host:port
  std::string proto;                      ///< .proto file; empty = protoset, else server reflection
  std::string protoset;                   ///< FileDescriptorSet (protoc --descriptor_set_out
                                          ///< --include_imports); empty = reflection
  std::vector<std::string> import_paths;  ///< extra directories for imports (the proto's own and
                                          ///< /usr/include are always searched)
  std::string call = kDefaultGrpcCall;    ///< "package.Service/Method" (or "package.Service.Method")
  std::vector<std::string> data;          ///< request messages as JSON, cycled through per call;
                                          ///< empty = one default message ("{}"). Streaming
                                          ///< methods take a JSON array per call, one element
                                          ///< per message of the client's stream
  std::vector<Header> metadata;           ///< sent with every call; values may hold placeholders
                                          ///< (template.h: {{seq}}, {{uuid}}, {{feed.col}}), filled
                                          ///< per call
  /// Requests already serialized (ghz's -b/-B), used instead of `data`: one message, or several,
  /// each prefixed by its length as a varint (protobuf's delimited form). Unary and
  /// server-streaming calls cycle through them; a client stream sends them all, in order.
  std::optional<std::string> binary;
  std::vector<Header> reflect_metadata;   ///< sent with server reflection requests only
  int stream_call_count = 0;              ///< messages per client stream, cycling through the
                                          ///< array; 0 = the array's length (or no limit with
                                          ///< stream_call_duration)
  Nanos stream_interval{0};               ///< pause between the messages of a client stream
  Nanos stream_call_duration{0};          ///< close each client stream this long after its start
                                          ///< (0 = after stream_call_count messages)
  /// Client streams whose `data` holds placeholders: fill them again for every message (ghz's
  /// --stream-dynamic-messages) instead of once per call.
  bool stream_dynamic_messages = false;
  std::string compression;                ///< "" (none) or "gzip": messages sent compressed
  /// -trace: every call carries a W3C `traceparent` metadata entry with a fresh trace id; the
  /// slowest calls' ids are kept in the results and listed by the reports.
  bool trace = false;
  int connections = 1;                    ///< channels (TCP connections), 1..kMaxGrpcConnections
  bool tls = false;                       ///< TLS instead of plaintext
  std::string cacert;                     ///< PEM roots (implies tls)
  std::string cert, key;                  ///< client certificate and key (mutual TLS)
  bool skip_verify = false;               ///< TLS without verifying the server (implies tls)
  std::string authority;                  ///< :authority / TLS server name override
  /// How long the channels may take to connect before the clock starts (ghz's --connect-timeout);
  /// a server still unreachable then is measured (its calls fail), not fatal.
  Nanos connect_timeout = std::chrono::seconds(2);
  Nanos keepalive{0};  ///< HTTP/2 keepalive pings this often on idle channels (ghz's --keepalive); 0 = none
  /// Server reflection answers shared by the attacks of one run (its trials, breakpoint steps and
  /// the check before it), made by new_grpc_reflection_cache(); null = ask the server each time.
  std::shared_ptr<GrpcReflectionCache> reflection_cache;
  /// Rows for {{feed.column}} placeholders in `data` (feeder.h): `data` may hold placeholders
  /// (template.h) anywhere, making it JSON with holes, filled and encoded per call.
  std::shared_ptr<const Feeder> feeder;
  std::string shard = "0/1";  ///< what {{shard}} says
  /// Journey variables `data` and metadata values may use as {{name}} (journey.h), filled per
  /// call from the values a journey's slot holds; empty outside journeys.
  std::vector<std::string> variables;
  /// Builds each call's request as JSON instead of `data` (a C++ hook): called on the attack's
  /// threads, concurrently, with the call's number; `json` comes cleared.
  std::function<void(uint64_t seq, std::string& json)> message;
};

/// Resolved facts about a call, for messages and tests.
struct GrpcCallInfo {
  std::string path;  ///< "/package.Service/Method"
  bool server_streaming = false;
  bool client_streaming = false;
  std::string source;  ///< where the method came from: "proto FILE", "protoset FILE",
                       ///< "reflection (grpc.reflection.v1)", "embedded protos"
  std::string input_type;  ///< full name of the request message
  std::string output_type;
  size_t requests = 0;  ///< data variants
  /// "unary", "server-streaming", "client-streaming" or "bidirectional-streaming".
  std::string method_kind() const;
};

/// A service and its methods, for `loadgate grpc -list`.
struct GrpcServiceInfo {
  std::string name;                  ///< fully-qualified ("loadgate.kernel.Kernel")
  std::vector<GrpcCallInfo> methods;  ///< empty when the server could not describe it
};

/// Loads the proto, protoset or the server's reflection (falling back on the embedded protos
/// when the server offers none, or cannot be reached, and the method is one of theirs), finds
/// the method and converts every data message. Throws InputError: a .proto that does not parse
/// (file:line:column), a protoset that does not, a server without reflection, an unknown
/// service or method, data of the wrong shape for the method's kind, JSON that does not fit
/// the message (naming the variant).
GrpcCallInfo describe_grpc_call(const GrpcOptions& g);

/// Every service with its methods: from the proto or protoset, else by reflection (the
/// server's own list). Throws InputError as describe_grpc_call().
std::vector<GrpcServiceInfo> list_grpc_services(const GrpcOptions& g);

/// A method ("Service/Method") or service, described in proto syntax: its kind and the
/// definitions of its messages. Throws InputError for an unknown name.
std::string describe_grpc_symbol(const GrpcOptions& g, const std::string& symbol);

/// A cache for GrpcOptions::reflection_cache: copies of the options that share it ask a server's
/// reflection about a service once.
std::shared_ptr<GrpcReflectionCache> new_grpc_reflection_cache();

/// Reads -data: a JSON object (or array, for streams), or "@file" whose lines are cycled through.
/// Throws InputError naming the file when it cannot be read.
std::vector<std::string> load_grpc_data(const std::string& flag);

/// Parses -metadata: a JSON object {"key":"value"} or "key:value". Throws InputError.
std::vector<Header> parse_grpc_metadata(const std::string& flag);

/// Reads -metadata-file: a file holding one JSON object {"key":"value", ...} (ghz's -M). Throws
/// InputError naming the file.
std::vector<Header> load_grpc_metadata_file(const std::string& path);

/// Runs a gRPC attack (open model with a rate, closed model with workers) and returns its
/// measurements. Results have Kind kGrpcUnary, kGrpcStream, kGrpcClientStream or kGrpcBidi and
/// the gRPC code as status; a client stream that the server ends before all its messages were
/// sent fails (ErrorKind::kProtocol) even with OK.
/// Throws InputError for a call that cannot be made (see describe_grpc_call); an unreachable
/// or failing server yields counted failures (UNAVAILABLE, DEADLINE_EXCEEDED, ...), not errors.
AttackRun attack_grpc(const GrpcOptions& g, const AttackOptions& options);

}  // namespace loadgate
