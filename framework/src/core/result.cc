// result.cc: success rule and names for Result fields.
#include "loadgate/result.h"

#include <array>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/hex.h"

namespace loadgate {

bool Result::ok() const {
  if (error_kind != ErrorKind::kNone) return false;
  switch (kind) {
    case Kind::kHttp:
      return status >= 200 && status < 400;
    case Kind::kGrpcUnary:
    case Kind::kGrpcStream:
    case Kind::kGrpcClientStream:
    case Kind::kGrpcBidi:
      return status == 0;
    case Kind::kWsMessage:
    case Kind::kWsPush:
      return status == kWsOk;
    case Kind::kWsHandshake:
      return status == 101;
    case Kind::kWsClose:
      return true;  // a close is a failure only when it carries an error (dropped mid-run)
    case Kind::kJourney:
      return true;  // a journey fails by its first failed step's error
  }
  return false;
}

uint32_t Result::messages_out() const {
  if (sends_stream(kind)) return messages >> 16;
  return kind == Kind::kGrpcUnary || kind == Kind::kGrpcStream ? 1 : 0;
}

Phases phases_of(const Result& r, const ConnectPhases& c) {
  Phases p;
  p.connect = c.connect_ns;
  p.tls = c.tls_ns;
  p.sending = r.sending_ns();
  if (r.first_ns > 0) {
    p.waiting = std::max<int64_t>(0, r.first_ns - p.connect - p.tls - p.sending);
    p.receiving = std::max<int64_t>(0, r.uncorrected_ns() - r.first_ns);
  }
  return p;
}

bool TraceId::empty() const {
  for (uint8_t b : bytes)
    if (b) return false;
  return true;
}

std::string TraceId::hex() const {
  if (empty()) return "";
  std::string out(32, '0');
  for (size_t i = 0; i < 16; ++i) {
    out[2 * i] = hex_digit(bytes[i] >> 4);
    out[2 * i + 1] = hex_digit(bytes[i]);
  }
  return out;
}

std::optional<TraceId> TraceId::from_hex(std::string_view text) {
  if (text.size() != 32) return std::nullopt;
  TraceId id;
  for (size_t i = 0; i < 16; ++i) {
    const int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    id.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  if (id.empty()) return std::nullopt;
  return id;
}

std::string traceparent(TraceId& id, uint64_t high, uint64_t low, uint64_t span) {
  low |= 1;
  span |= 1;
  std::memcpy(id.bytes, &high, 8);
  std::memcpy(id.bytes + 8, &low, 8);
  std::string parent(16, '0');
  put_hex64(parent.data(), span);
  return "00-" + id.hex() + "-" + parent + "-01";
}

std::string_view error_kind_name(ErrorKind kind) {
  static constexpr std::array<std::string_view, kErrorKindCount> kNames = {
      "none",    "connect",   "timeout", "io",     "protocol", "status", "tls",
      "dropped", "cancelled", "unused",  "closed", "other",    "lost"};
  const auto i = static_cast<size_t>(kind);
  return i < kNames.size() ? kNames[i] : "other";
}

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::kHttp:
      return "http";
    case Kind::kGrpcUnary:
      return "grpc";
    case Kind::kGrpcStream:
      return "grpc-stream";
    case Kind::kWsMessage:
      return "ws-message";
    case Kind::kWsHandshake:
      return "ws-handshake";
    case Kind::kWsPush:
      return "ws-push";
    case Kind::kWsClose:
      return "ws-close";
    case Kind::kJourney:
      return "journey";
    case Kind::kGrpcClientStream:
      return "grpc-client-stream";
    case Kind::kGrpcBidi:
      return "grpc-bidi";
  }
  return "unknown";
}

std::optional<Kind> kind_from_name(std::string_view name) {
  for (int k = 0; k < kKindCount; ++k)
    if (kind_name(static_cast<Kind>(k)) == name) return static_cast<Kind>(k);
  return std::nullopt;
}

std::string kind_names() {
  std::string out;
  for (int k = 0; k < kKindCount; ++k) out += (k ? ", " : "") + std::string(kind_name(static_cast<Kind>(k)));
  return out;
}

std::string_view grpc_code_name(uint16_t code) {
  static constexpr std::array<std::string_view, 17> kNames = {
      "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
      "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
      "DATA_LOSS", "UNAUTHENTICATED"};
  return code < kNames.size() ? kNames[code] : std::string_view{};
}

std::string status_label(Kind kind, uint16_t status) {
  switch (kind) {
    case Kind::kGrpcUnary:
    case Kind::kGrpcStream:
    case Kind::kGrpcClientStream:
    case Kind::kGrpcBidi: {
      auto name = grpc_code_name(status);
      return name.empty() ? "CODE(" + std::to_string(status) + ")" : std::string(name);
    }
    case Kind::kWsMessage:
    case Kind::kWsPush:
      switch (status) {
        case kWsOk:
          return "ok";
        case kWsLost:
          return "lost";
        case kWsFailed:
          return "failed";
        default:
          return std::to_string(status);
      }
    default:
      return std::to_string(status);
  }
}

}  // namespace loadgate
