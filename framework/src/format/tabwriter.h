// tabwriter.h (internal): column alignment as Go's tabwriter(minwidth 0, padding 2).
#pragma once

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

namespace loadgate::format {

/// Tabwriter buffers rows of cells and pads every cell but the last of each row to its
/// column's widest cell plus `padding` spaces. Widths count UTF-8 code points.
class Tabwriter {
 public:
  explicit Tabwriter(size_t padding = 2) : padding_(padding) {}
  /// Adds a row.
  void row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  /// Writes all rows and clears.
  void flush(std::ostream& out) {
    std::vector<size_t> width;
    for (auto& r : rows_)
      for (size_t i = 0; i + 1 < r.size(); ++i) {
        if (width.size() <= i) width.resize(i + 1, 0);
        width[i] = std::max(width[i], length(r[i]));
      }
    for (auto& r : rows_) {
      std::string line;
      for (size_t i = 0; i < r.size(); ++i) {
        line += r[i];
        if (i + 1 < r.size()) line.append(width[i] + padding_ - length(r[i]), ' ');
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out << line << '\n';
    }
    rows_.clear();
  }

 private:
  static size_t length(const std::string& s) {
    return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
  }
  size_t padding_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace loadgate::format
