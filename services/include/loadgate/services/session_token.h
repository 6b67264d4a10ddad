// session_token.h: the embedded services' session tokens. The API's /api/login gives a user the
// token made here; the kernel service checks a call's token against its user the same way, so a
// journey that logs in over HTTP can carry its token into gRPC metadata without the two
// services sharing state.
#pragma once

#include <string>

namespace loadgate::services {

/// The session token of `user`: 32 lowercase hex digits (the first 16 bytes of
/// SHA-256("loadgate-session:" + user)).
std::string session_token(const std::string& user);

}  // namespace loadgate::services
