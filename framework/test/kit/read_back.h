// read_back.h: a results file read back through ResultReader, as `report` and `encode` read it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "loadgate/result.h"
#include "loadgate/results_file.h"

namespace loadgate::testing {

/// What ResultReader made of a file.
struct ReadBack {
  bool opened = false;          ///< the file could be opened
  std::vector<Result> results;  ///< every whole result, in file order
  uint64_t ok = 0;              ///< of them, the successes
  std::string warning;          ///< the reader's warning ("truncated after ...")
  std::string error;            ///< the reader's error ("" when the file was well formed)
};

/// Reads `path` through to its end (or to what stops the reader).
inline ReadBack read_back(const std::string& path) {
  ReadBack b;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return b;
  b.opened = true;
  ResultReader reader(f, path);
  Result r;
  while (reader.next(r)) {
    b.results.push_back(r);
    b.ok += r.ok() ? 1 : 0;
  }
  std::fclose(f);
  b.warning = reader.warning();
  b.error = reader.error();
  return b;
}

}  // namespace loadgate::testing
