// svg_chart.h (internal): line charts as inline SVG, drawn here so that reports need no
// JavaScript library and no network.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace loadgate::format {

/// One line of a chart.
struct ChartSeries {
  std::string name;
  std::vector<std::pair<double, double>> points;  ///< (x, y), x increasing
  std::string color;                              ///< CSS color; "" = from the palette
  bool dashed = false;
};

/// A tick on an axis: where, and its label.
struct Tick {
  double value;
  std::string label;
};

/// ChartOptions shape a chart.
struct ChartOptions {
  std::string title;
  std::string x_label;
  std::string y_label;
  bool log_x = false;
  bool log_y = false;
  int width = 920;
  int height = 280;
  std::vector<Tick> x_ticks;                    ///< empty = computed
  std::function<std::string(double)> x_format;  ///< label of computed x ticks
  std::function<std::string(double)> y_format;  ///< label of computed y ticks
};

/// An <svg class="chart"> element with axes, grid, one polyline per series and a legend.
/// Data attributes (data-x-min ...) let the page's script read values under the cursor.
std::string svg_line_chart(const std::vector<ChartSeries>& series, const ChartOptions& o);

/// Escapes text for HTML and SVG.
std::string escape_html(const std::string& text);

/// Color of series number i in the palette.
std::string palette(size_t i);

}  // namespace loadgate::format
