// session_token.cc: see session_token.h.
#include "loadgate/services/session_token.h"

#include <openssl/sha.h>

#include <cstdio>

namespace loadgate::services {

std::string session_token(const std::string& user) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  const std::string seed = "loadgate-session:" + user;
  SHA256(reinterpret_cast<const unsigned char*>(seed.data()), seed.size(), digest);
  char token[33];
  for (int i = 0; i < 16; ++i) std::snprintf(token + 2 * i, 3, "%02x", digest[i]);
  return token;
}

}  // namespace loadgate::services
