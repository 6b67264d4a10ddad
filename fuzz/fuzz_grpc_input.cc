// fuzz_grpc_input.cc: -metadata and -data: metadata flags, and JSON requests converted into the
// embedded services' messages (protobuf's JSON parser behind it). Nothing is sent.
#include <string>

#include "loadgate/error.h"
#include "loadgate/grpc.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    if (data[0] % 2) {
      for (const loadgate::Header& h : loadgate::parse_grpc_metadata(text))
        for (char c : h.second)
          if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) __builtin_trap();
    } else {
      loadgate::GrpcOptions g;
      g.call = data[0] % 4 == 0 ? "loadgate.kernel.Kernel/Execute" : "loadgate.ai.Ai/GenerateStream";
      g.data = {text};
      loadgate::describe_grpc_call(g);
    }
  } catch (const loadgate::InputError&) {
  }
  return 0;
}
