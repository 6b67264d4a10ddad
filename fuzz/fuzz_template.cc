// fuzz_template.cc: a template string and the feeder values it is filled with. The input is
// "TEMPLATE\0VALUE\0VALUE..."; the first byte picks where the text lands (body, URL, header,
// request head). Whatever fill() sends never holds a line break a value brought into a header.
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "loadgate/error.h"
#include "loadgate/template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const auto context = static_cast<loadgate::Context>(data[0] % 4);
  std::vector<std::string> parts;
  std::string part;
  for (size_t i = 1; i < size; ++i) {
    if (data[i] == 0) {
      parts.push_back(part);
      part.clear();
    } else {
      part.push_back(static_cast<char>(data[i]));
    }
  }
  parts.push_back(part);
  const std::string text = parts[0];
  std::vector<std::string> row(parts.begin() + 1, parts.end());
  loadgate::TemplateNames names;
  for (size_t i = 0; i < row.size(); ++i) names.columns.push_back("c" + std::to_string(i));
  names.variables = {"v"};
  const std::vector<std::string> variables = {row.empty() ? "x" : row.back()};
  try {
    const loadgate::Template t = loadgate::Template::compile(text, names, "fuzz", "fuzz/targets.txt", context);
    std::mt19937_64 rng(7);
    loadgate::FillContext ctx;
    ctx.seq = 3;
    ctx.rng = &rng;
    ctx.row = &row;
    ctx.variables = &variables;
    std::string out;
    const bool filled = t.fill(ctx, out);
    if (!filled && t.refusal(ctx).empty()) __builtin_trap();  // a refusal says why
    // In a header, only the template's own text may break a line, never a value.
    if (filled && context == loadgate::Context::kHeader && !loadgate::breaks_lines(text) && loadgate::breaks_lines(out))
      __builtin_trap();
  } catch (const loadgate::InputError&) {
  }
  return 0;
}
