// cli.h: run a shell command line as a user types it, and keep its exit code, stdout and stderr.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "slurp.h"

namespace loadgate::testing {

/// What a command line did.
struct Ran {
  int code = -1;        ///< exit code of the line (of a pipeline's last); 128 + signal if killed
  std::string out;      ///< its standard output
  std::string err;      ///< its standard error
  double seconds = 0;   ///< wall-clock time it took (s)
};

/// Runs `cmd` under sh, its stdout and stderr captured in files named after `tag` in the test's
/// temporary directory.
inline Ran sh(const std::string& cmd, const std::string& tag = "kit_cli") {
  const std::string out = ::testing::TempDir() + tag + ".out", err = ::testing::TempDir() + tag + ".err";
  const auto t0 = std::chrono::steady_clock::now();
  const int status = std::system(("{ " + cmd + "; } >" + out + " 2>" + err).c_str());
  Ran r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

}  // namespace loadgate::testing
