// signals.h: SIGINT/SIGTERM as a flag the attack polls (async-signal-safe).
#pragma once

#include <atomic>

namespace loadgate::cli {

/// Installs SIGINT/SIGTERM handlers (without SA_RESTART, so blocking reads return) and
/// ignores SIGPIPE. Returns the flag they set; signal_count() counts them.
const std::atomic<bool>& install_stop_signals();
/// Number of SIGINT/SIGTERM received since install_stop_signals().
int signal_count();
/// Blocks until SIGINT or SIGTERM arrives.
void wait_for_stop_signal();

}  // namespace loadgate::cli
