// scratch_dir.h: a folder of a suite's own for the files of the servers it starts (configs,
// logs, certificates), under GoogleTest's temporary folder and named by the process.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace loadgate::testing {

/// Creates and returns <GoogleTest's temp dir>/loadgate-<name>-<pid>; the suite removes it.
inline std::string scratch_dir(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "loadgate-" + name + "-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace loadgate::testing
