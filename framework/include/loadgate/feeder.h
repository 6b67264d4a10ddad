// feeder.h (core layer): rows of test data for templates ({{feed.column}}), from a CSV file (a header row
// names the columns) or a JSON-lines file (each line an object; its keys are the columns).
//
//   auto f = loadgate::load_feeder("users.csv", loadgate::FeedMode::kCircular);
//   const std::vector<std::string>* row = f.row(seq, rng);   // nullptr: sequential and used up
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace loadgate {

/// FeedMode says which row a hit gets.
enum class FeedMode {
  kSequential,  ///< row n for hit n, once each: the attack ends when they are used up
  kCircular,    ///< row n mod rows for hit n
  kRandom,      ///< a uniformly random row for each hit
};

/// Parses "sequential", "circular", "random". Throws InputError naming `field`.
FeedMode parse_feed_mode(const std::string& text, const std::string& field = "-feeder-mode");

/// Feeder is a table of strings, read once before the attack (held in memory; at most 64 MB of
/// file).
class Feeder {
 public:
  /// The columns' names, in file order.
  const std::vector<std::string>& columns() const { return columns_; }
  /// Number of rows.
  size_t size() const { return rows_.size(); }
  /// The row for hit `seq` as `mode` picks it; nullptr once a sequential feeder is used up.
  const std::vector<std::string>* row(uint64_t seq, std::mt19937_64& rng) const;
  /// Throws InputError naming the file, the row's line and the column when a value of column
  /// `column` holds CR, LF or NUL: it would land in a header or a request line (`where`).
  void refuse_breaks(size_t column, const std::string& where) const;
  FeedMode mode = FeedMode::kCircular;

 private:
  friend Feeder load_feeder(const std::string& path, FeedMode mode);
  friend Feeder parse_feeder(const std::string& text, const std::string& path, FeedMode mode);
  std::vector<std::string> columns_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<int> lines_;  // the line each row starts on
  std::string path_;
};

/// Reads a feeder: ".csv" (RFC 4180 quoting, a header row) or ".jsonl"/".json" (JSON lines of
/// objects with string, number or boolean values). Throws InputError naming the file and line
/// for a ragged row, a bad quote, a line that is not an object, an empty file, or a missing one.
Feeder load_feeder(const std::string& path, FeedMode mode = FeedMode::kCircular);

/// The same from text already read; `path` names it and picks the format by its extension.
Feeder parse_feeder(const std::string& text, const std::string& path, FeedMode mode = FeedMode::kCircular);

}  // namespace loadgate
