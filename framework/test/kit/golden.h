// golden.h: compare output against a file in framework/test/golden/.
// LOADGATE_UPDATE_GOLDEN=1 rewrites the files instead (then review the diff).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace loadgate::testing {

inline void expect_golden(const std::string& name, const std::string& actual) {
  const std::string path = std::string(LOADGATE_TEST_DIR) + "/golden/" + name;
  if (std::getenv("LOADGATE_UPDATE_GOLDEN")) {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing golden file " << path << " (run with LOADGATE_UPDATE_GOLDEN=1)";
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(actual, ss.str()) << "output differs from " << path;
}

}  // namespace loadgate::testing
