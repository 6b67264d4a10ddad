// grpc_call.h (internal): a method resolved from a .proto, a protoset, the server's reflection
// or the built-in protos, and its request messages serialized once, before the attack.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <memory>

#include "loadgate/grpc.h"
#include "loadgate/template.h"

namespace loadgate::grpcx {

class Encoder;

/// Call is what the driver sends: a method path and ready request bytes, or templates of JSON
/// requests to fill and encode per call.
struct Call {
  GrpcCallInfo info;
  std::vector<std::string> requests;  ///< serialized request messages, cycled through (one per
                                      ///< call; for streams, each stream's first message)
  std::vector<std::vector<std::string>> streams;  ///< client-streaming and bidi: the messages of
                                                  ///< each variant's stream, serialized
  std::vector<Template> templates;    ///< -data with placeholders, by variant (else empty); for
                                      ///< client streams, each variant's whole JSON array
  /// Metadata values with placeholders, by their index in GrpcOptions::metadata (else empty).
  std::vector<std::pair<size_t, Template>> metadata_templates;
  std::shared_ptr<const Encoder> encoder;  ///< JSON -> request bytes, for templates and GrpcOptions::message
};

/// Whether `value` can be a text metadata value: printable ASCII, space to '~' (gRPC aborts the
/// process on anything else).
inline bool metadata_value_ok(std::string_view value) {
  for (char c : value)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) return false;
  return true;
}

/// Encodes a JSON request into the method's input message's bytes; false with `error` set
/// when it does not fit. Thread-safe.
bool encode(const Encoder& e, const std::string& json, std::string& out, std::string& error);

/// Decodes reply bytes of the method's output message into JSON (proto field names); false
/// when they do not parse. Thread-safe.
bool decode(const Encoder& e, std::string_view bytes, std::string& json);

/// Encodes a client stream's JSON array, one message per element, into `out`; false with
/// `error` set when it is no array of messages that fit. Thread-safe.
bool encode_stream(const Encoder& e, const std::string& json_array, std::vector<std::string>& out, std::string& error);

/// Resolves g.call in g.proto (or the built-in protos) and serializes g.data.
/// Throws InputError (see describe_grpc_call()).
Call resolve_call(const GrpcOptions& g);

/// See list_grpc_services().
std::vector<GrpcServiceInfo> list_services(const GrpcOptions& g);
/// See describe_grpc_symbol().
std::string describe_symbol(const GrpcOptions& g, const std::string& symbol);

}  // namespace loadgate::grpcx
