// flags.h: parsing of flag values shared by the commands. Errors are InputError naming the flag.
#pragma once

#include <string>

#include "loadgate/duration.h"
#include "loadgate/pacer.h"

namespace loadgate::cli {

/// A Go duration flag ("30s"); negative or malformed values are errors.
Nanos duration_flag(const std::string& name, const std::string& text);
/// A -rate flag (see parse_rate()).
RateSpec rate_flag(const std::string& text, Nanos duration, Nanos step = Nanos{0});
/// "host:port" ("[::1]:80"; ":8000" means 127.0.0.1). False on a bad port.
bool split_addr(const std::string& addr, std::string& host, int& port);

}  // namespace loadgate::cli
