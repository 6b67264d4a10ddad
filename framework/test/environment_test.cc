// environment_test.cc: the LOADGATE_* variables: every one named once, read through env().
#include "loadgate/environment.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <set>
#include <string>

namespace loadgate {
namespace {

TEST(Environment, EveryVariableHasItsOwnName) {
  std::set<std::string> names;
  for (int e = 0; e < static_cast<int>(Env::kCount); ++e) {  // a variable added without a name fails
    const std::string name = env_name(static_cast<Env>(e));
    EXPECT_EQ(name.rfind("LOADGATE_", 0), 0u) << "Env #" << e << ": \"" << name << "\"";
    EXPECT_TRUE(names.insert(name).second) << name << " is named twice";
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(Env::kCount));
}

TEST(Environment, UnsetAndEmptyAreTheSame) {
  struct Row {
    const char* value;  // nullptr = unset
    bool set;
    bool yes;
  };
  for (const Row& row : {Row{nullptr, false, false}, Row{"", false, false}, Row{"0", true, false},
                         Row{"1", true, true}, Row{"true", true, true}, Row{"yes", true, true}, Row{"no", true, false}}) {
    if (row.value)
      setenv(env_name(Env::kProgress), row.value, 1);
    else
      unsetenv(env_name(Env::kProgress));
    EXPECT_EQ(env(Env::kProgress).has_value(), row.set) << (row.value ? row.value : "(unset)");
    EXPECT_EQ(env_true(Env::kProgress), row.yes) << (row.value ? row.value : "(unset)");
  }
  unsetenv(env_name(Env::kProgress));
}

}  // namespace
}  // namespace loadgate
