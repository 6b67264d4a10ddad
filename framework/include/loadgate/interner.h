// interner.h (core layer): process-wide table of strings (target labels, error texts) referenced by id.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace loadgate {

/// Interns `text` and returns its id (>= 1; 0 is reserved for "no string"). Thread-safe; after
/// the first call for a given text, a thread finds it in its own cache without locking.
uint32_t intern(std::string_view text);

/// Text of an id returned by intern(); empty for 0 or an unknown id. Thread-safe. The returned
/// string lives until the process ends.
const std::string& interned(uint32_t id);

}  // namespace loadgate
