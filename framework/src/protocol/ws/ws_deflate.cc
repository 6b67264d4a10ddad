// ws_deflate.cc: permessage-deflate over zlib.
#include "loadgate/ws_deflate.h"

#include <zlib.h>

#include <cctype>
#include <cstring>

namespace loadgate::ws {
namespace {

constexpr unsigned char kTail[4] = {0x00, 0x00, 0xFF, 0xFF};  // the end of a sync flush
constexpr size_t kChunk = 16 * 1024;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

// "8".."15" (quotes allowed, RFC 7692 7.1.2) -> bits, or 0.
int window(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  if (v.empty() || v.size() > 2) return 0;
  int bits = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return 0;
    bits = bits * 10 + (c - '0');
  }
  return bits >= 8 && bits <= 15 ? bits : 0;
}

// Applies one "name[=value]" parameter to `t`; false when unknown, repeated or invalid.
bool apply(std::string_view param, bool from_server, DeflateTerms& t, unsigned& seen, std::string& error) {
  const size_t eq = param.find('=');
  const std::string_view name = trim(param.substr(0, eq));
  const std::string_view value = eq == std::string_view::npos ? std::string_view() : trim(param.substr(eq + 1));
  static constexpr std::string_view kNames[] = {"server_no_context_takeover", "client_no_context_takeover",
                                                "server_max_window_bits", "client_max_window_bits"};
  for (unsigned i = 0; i < 4; ++i) {
    if (!iequals(name, kNames[i])) continue;
    if (seen & (1u << i)) return (error = "permessage-deflate: " + std::string(name) + " twice", false);
    seen |= 1u << i;
    if (i < 2) {
      if (eq != std::string_view::npos) return (error = "permessage-deflate: " + std::string(name) + " takes no value", false);
      (i == 0 ? t.server_no_context_takeover : t.client_no_context_takeover) = true;
      return true;
    }
    if (i == 3 && eq == std::string_view::npos && !from_server) return true;  // an offer: the server may choose
    const int bits = window(value);
    if (bits == 0) return (error = "permessage-deflate: " + std::string(name) + " wants 8..15", false);
    (i == 2 ? t.server_max_window_bits : t.client_max_window_bits) = bits;
    return true;
  }
  error = "permessage-deflate: unknown parameter \"" + std::string(name) + "\"";
  return false;
}

}  // namespace

std::optional<DeflateTerms> parse_deflate(std::string_view header, bool from_server, std::string& error) {
  error.clear();
  while (!header.empty()) {
    const size_t comma = header.find(',');
    const std::string_view element = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    const size_t semi = element.find(';');
    if (!iequals(trim(element.substr(0, semi)), "permessage-deflate")) continue;
    DeflateTerms t;
    unsigned seen = 0;
    std::string_view params = semi == std::string_view::npos ? std::string_view() : element.substr(semi + 1);
    while (!params.empty()) {
      const size_t next = params.find(';');
      if (!apply(params.substr(0, next), from_server, t, seen, error)) return std::nullopt;
      params = next == std::string_view::npos ? std::string_view() : params.substr(next + 1);
    }
    return t;
  }
  return std::nullopt;
}

std::string deflate_answer(const DeflateTerms& offer) {
  if (offer.server_max_window_bits < 9) return "";
  std::string a = "permessage-deflate";
  if (offer.server_no_context_takeover) a += "; server_no_context_takeover";
  if (offer.client_no_context_takeover) a += "; client_no_context_takeover";
  if (offer.server_max_window_bits != 15) a += "; server_max_window_bits=" + std::to_string(offer.server_max_window_bits);
  if (offer.client_max_window_bits != 15) a += "; client_max_window_bits=" + std::to_string(offer.client_max_window_bits);
  return a;
}

struct Deflater::Impl {
  z_stream z{};
};

Deflater::Deflater(int window_bits, bool no_takeover) : impl_(std::make_unique<Impl>()), no_takeover_(no_takeover) {
  deflateInit2(&impl_->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -(window_bits < 9 ? 9 : window_bits), 8, Z_DEFAULT_STRATEGY);
}

Deflater::~Deflater() { deflateEnd(&impl_->z); }

void Deflater::compress(std::string_view message, std::string& out) {
  z_stream& z = impl_->z;
  out.clear();
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(message.data()));
  z.avail_in = static_cast<uInt>(message.size());
  do {
    const size_t at = out.size();
    out.resize(at + kChunk);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + at);
    z.avail_out = static_cast<uInt>(kChunk);
    deflate(&z, Z_SYNC_FLUSH);
    out.resize(at + kChunk - z.avail_out);
  } while (z.avail_out == 0);
  if (out.size() >= 4 && std::memcmp(out.data() + out.size() - 4, kTail, 4) == 0) out.resize(out.size() - 4);
  if (out.empty()) out.push_back('\0');  // an empty message: one empty stored block's first byte
  if (no_takeover_) deflateReset(&z);
}

struct Inflater::Impl {
  z_stream z{};
};

Inflater::Inflater() : impl_(std::make_unique<Impl>()) { inflateInit2(&impl_->z, -15); }

Inflater::~Inflater() { inflateEnd(&impl_->z); }

bool Inflater::inflate(std::string_view payload, std::string& out, uint64_t max, std::string& error) {
  z_stream& z = impl_->z;
  out.clear();
  for (int part = 0; part < 2; ++part) {
    const std::string_view in = part == 0 ? payload : std::string_view(reinterpret_cast<const char*>(kTail), 4);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    for (;;) {
      const size_t at = out.size();
      out.resize(at + kChunk);
      z.next_out = reinterpret_cast<Bytef*>(out.data() + at);
      z.avail_out = static_cast<uInt>(kChunk);
      const int rv = ::inflate(&z, Z_SYNC_FLUSH);
      out.resize(at + kChunk - z.avail_out);
      if (rv != Z_OK && rv != Z_BUF_ERROR && rv != Z_STREAM_END) {
        error = std::string("permessage-deflate: ") + (z.msg ? z.msg : "bad compressed data");
        return false;
      }
      if (out.size() > max) return (error = "permessage-deflate: a message larger than the limit", false);
      if (rv == Z_STREAM_END) {  // a final block (BFINAL): the next message starts a new stream
        inflateReset(&z);
        return true;
      }
      if ((z.avail_in == 0 && z.avail_out != 0) || rv == Z_BUF_ERROR) break;
    }
  }
  return true;
}

}  // namespace loadgate::ws
