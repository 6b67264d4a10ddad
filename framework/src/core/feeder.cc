// feeder.cc: CSV and JSON-lines feeders.
#include "loadgate/feeder.h"

#include <nlohmann/json.hpp>

#include "core/json_input.h"
#include "loadgate/error.h"
#include "loadgate/file.h"
#include "loadgate/template.h"

namespace loadgate {
namespace {

bool ends_with(const std::string& s, const char* suffix) {
  const size_t n = std::char_traits<char>::length(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

// One CSV record starting at `at` (RFC 4180: quoted fields may hold commas, quotes as "" and
// newlines); advances `at` and `line`.
std::vector<std::string> csv_record(const std::string& text, size_t& at, int& line, const std::string& path) {
  std::vector<std::string> fields(1);
  const int first = line;
  bool quoted = false, was_quoted = false;
  while (at < text.size()) {
    const char c = text[at++];
    if (quoted) {
      if (c == '"') {
        if (at < text.size() && text[at] == '"') {
          fields.back() += '"';
          ++at;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        fields.back() += c;
      }
      continue;
    }
    if (c == '"') {
      if (!fields.back().empty() || was_quoted)
        throw InputError(path, line, "field " + std::to_string(fields.size()), "a quote inside an unquoted field");
      quoted = was_quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
      was_quoted = false;
    } else if (c == '\n') {
      ++line;
      break;
    } else if (c == '\r' && at < text.size() && text[at] == '\n') {
      // the \n ends it
    } else {
      if (was_quoted) throw InputError(path, line, "field " + std::to_string(fields.size()), "text after a closing quote");
      fields.back() += c;
    }
  }
  if (quoted) throw InputError(path, first, "", "a quoted field is not closed");
  return fields;
}

}  // namespace

FeedMode parse_feed_mode(const std::string& text, const std::string& field) {
  if (text == "sequential") return FeedMode::kSequential;
  if (text == "circular") return FeedMode::kCircular;
  if (text == "random") return FeedMode::kRandom;
  throw InputError("", 0, field, "\"" + printable(text) + "\": want sequential, circular or random");
}

const std::vector<std::string>* Feeder::row(uint64_t seq, std::mt19937_64& rng) const {
  if (rows_.empty()) return nullptr;
  switch (mode) {
    case FeedMode::kSequential:
      return seq < rows_.size() ? &rows_[seq] : nullptr;
    case FeedMode::kCircular:
      return &rows_[seq % rows_.size()];
    case FeedMode::kRandom:
      return &rows_[rng() % rows_.size()];
  }
  return nullptr;
}

Feeder parse_feeder(const std::string& text, const std::string& path, FeedMode mode) {
  Feeder f;
  f.mode = mode;
  if (ends_with(path, ".jsonl") || ends_with(path, ".json") || ends_with(path, ".ndjson")) {
    size_t at = 0;
    int line = 0;
    while (at < text.size()) {
      size_t nl = text.find('\n', at);
      if (nl == std::string::npos) nl = text.size();
      const std::string l = text.substr(at, nl - at);
      at = nl + 1;
      ++line;
      if (l.find_first_not_of(" \t\r") == std::string::npos) continue;
      auto j = parse_json_input(l, path, line);
      if (!j.is_object()) throw InputError(path, line, "", "not a JSON object (a row is {\"column\": value, ...})");
      // An empty row would leave the columns to the next line, and this row narrower than them.
      if (j.empty()) throw InputError(path, line, "", "no keys (a row is {\"column\": value, ...})");
      if (f.columns_.empty())
        for (auto& [k, v] : j.items()) f.columns_.push_back(k);
      std::vector<std::string> row(f.columns_.size());
      if (j.size() != f.columns_.size())
        throw InputError(path, line, "", "has " + std::to_string(j.size()) + " keys, the first line " +
                                             std::to_string(f.columns_.size()) + " (every line the same keys)");
      for (size_t i = 0; i < f.columns_.size(); ++i) {
        if (!j.contains(f.columns_[i])) throw InputError(path, line, f.columns_[i], "missing (the first line has it)");
        const auto& v = j[f.columns_[i]];
        if (v.is_string())
          row[i] = v.get<std::string>();
        else if (v.is_number() || v.is_boolean())
          row[i] = v.dump();
        else
          throw InputError(path, line, f.columns_[i], "want a string, number or boolean");
      }
      f.rows_.push_back(std::move(row));
      f.lines_.push_back(line);
    }
  } else {
    size_t at = 0;
    int line = 1;
    f.columns_ = csv_record(text, at, line, path);
    if (f.columns_.size() == 1 && f.columns_[0].empty()) throw InputError(path, 1, "", "no header row (the columns' names)");
    while (at < text.size()) {
      const int start = line;
      std::vector<std::string> row = csv_record(text, at, line, path);
      if (row.size() == 1 && row[0].empty()) continue;  // a blank line
      if (row.size() != f.columns_.size())
        throw InputError(path, start, "", "ragged row: " + std::to_string(row.size()) + " fields, the header has " +
                                              std::to_string(f.columns_.size()));
      f.rows_.push_back(std::move(row));
      f.lines_.push_back(start);
    }
  }
  if (f.rows_.empty()) throw InputError(path, 0, "", "no rows");
  f.path_ = path;
  return f;
}

void Feeder::refuse_breaks(size_t column, const std::string& where) const {
  if (column >= columns_.size()) return;
  for (size_t i = 0; i < rows_.size(); ++i)
    if (breaks_lines(rows_[i][column]))
      throw InputError(path_, i < lines_.size() ? lines_[i] : 0, columns_[column],
                       "holds a CR, LF or NUL byte (\"" + printable(rows_[i][column], 40) + "\"), and " + where +
                           " puts it in a header or, raw, in the request line: refused");
}

Feeder load_feeder(const std::string& path, FeedMode mode) {
  return parse_feeder(read_file_or_throw(path, "-feeder", "cannot read feeder file"), path, mode);
}

}  // namespace loadgate
