// svg_chart.cc: axes with "nice" ticks (1, 2, 5 x 10^k; powers of ten on log axes), polylines.
#include "format/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace loadgate::format {
namespace {

constexpr int kLeft = 70, kRight = 20, kTop = 44, kBottom = 45;

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string default_format(double v) {
  char buf[32];
  if (std::fabs(v) >= 1000 || v == std::floor(v))
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else if (std::fabs(v) >= 1)
    std::snprintf(buf, sizeof buf, "%.1f", v);
  else
    std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// Ticks for [lo, hi]: 1-2-5 steps on a linear axis, powers of ten on a log axis.
std::vector<double> ticks(double lo, double hi, bool log) {
  std::vector<double> out;
  if (log) {
    for (double p = std::pow(10, std::floor(std::log10(lo))); p <= hi * 1.0001; p *= 10)
      if (p >= lo * 0.9999) out.push_back(p);
    if (out.size() < 2) out = {lo, hi};
    return out;
  }
  const double span = hi - lo;
  if (span <= 0) return {lo};
  const double raw = span / 5;
  const double mag = std::pow(10, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * mag) {
      step = m * mag;
      break;
    }
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    out.push_back(std::fabs(t) < step * 1e-9 ? 0 : t);
  return out;
}

}  // namespace

std::string escape_html(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string palette(size_t i) {
  static const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                  "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"};
  return kColors[i % 10];
}

std::string svg_line_chart(const std::vector<ChartSeries>& series, const ChartOptions& o) {
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (const auto& s : series)
    for (auto [x, y] : s.points) {
      if (o.log_x && x <= 0) continue;
      if (o.log_y && y <= 0) continue;
      x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
    }
  const bool empty = !(x0 <= x1);
  if (empty) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (!o.log_y) y0 = std::min(0.0, y0);
  if (y1 <= y0) y1 = y0 + (o.log_y ? y0 * 9 + 1 : 1);
  if (!o.log_y) y1 += (y1 - y0) * 0.08;  // headroom: a line at the maximum stays visible
  if (x1 <= x0) x1 = x0 + 1;
  if (o.log_y) y0 = std::pow(10, std::floor(std::log10(y0))), y1 = std::pow(10, std::ceil(std::log10(y1)));
  const double pw = o.width - kLeft - kRight, ph = o.height - kTop - kBottom;
  auto sx = [&](double x) {
    return kLeft +
           pw * (o.log_x ? (std::log10(x) - std::log10(x0)) / (std::log10(x1) - std::log10(x0)) : (x - x0) / (x1 - x0));
  };
  auto sy = [&](double y) {
    return kTop + ph * (1 - (o.log_y ? (std::log10(y) - std::log10(y0)) / (std::log10(y1) - std::log10(y0))
                                     : (y - y0) / (y1 - y0)));
  };
  auto xf = o.x_format ? o.x_format : default_format;
  auto yf = o.y_format ? o.y_format : default_format;

  std::string svg = "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(o.width) +
                    "\" height=\"" + std::to_string(o.height) + "\" viewBox=\"0 0 " + std::to_string(o.width) + " " +
                    std::to_string(o.height) + "\" data-series=\"" + std::to_string(series.size()) +
                    "\" data-x-log=\"" + (o.log_x ? "1" : "0") + "\" data-y-log=\"" + (o.log_y ? "1" : "0") +
                    "\" data-x-min=\"" + std::to_string(x0) + "\" data-x-max=\"" + std::to_string(x1) +
                    "\" data-y-min=\"" + std::to_string(y0) + "\" data-y-max=\"" + std::to_string(y1) +
                    "\" data-left=\"" + std::to_string(kLeft) + "\" data-top=\"" + std::to_string(kTop) +
                    "\" data-pw=\"" + num(pw) + "\" data-ph=\"" + num(ph) + "\">\n";
  svg += "<text class=\"title\" x=\"" + std::to_string(kLeft) + "\" y=\"16\">" + escape_html(o.title) + "</text>\n";
  // Grid and ticks.
  std::vector<Tick> xt = o.x_ticks;
  if (xt.empty())
    for (double t : ticks(x0, x1, o.log_x)) xt.push_back({t, xf(t)});
  for (const Tick& t : xt) {
    if (t.value < x0 - 1e-12 || t.value > x1 * (1 + 1e-9) + 1e-12) continue;
    const std::string x = num(sx(t.value));
    svg += "<line class=\"grid\" x1=\"" + x + "\" y1=\"" + std::to_string(kTop) + "\" x2=\"" + x + "\" y2=\"" +
           num(kTop + ph) + "\"/><text class=\"tick\" x=\"" + x + "\" y=\"" + num(kTop + ph + 16) +
           "\" text-anchor=\"middle\">" + escape_html(t.label) + "</text>\n";
  }
  for (double t : ticks(y0, y1, o.log_y)) {
    const std::string y = num(sy(t));
    svg += "<line class=\"grid\" x1=\"" + std::to_string(kLeft) + "\" y1=\"" + y + "\" x2=\"" + num(kLeft + pw) +
           "\" y2=\"" + y + "\"/><text class=\"tick\" x=\"" + std::to_string(kLeft - 6) + "\" y=\"" + y +
           "\" text-anchor=\"end\" dominant-baseline=\"middle\">" + escape_html(yf(t)) + "</text>\n";
  }
  svg += "<rect class=\"frame\" x=\"" + std::to_string(kLeft) + "\" y=\"" + std::to_string(kTop) + "\" width=\"" +
         num(pw) + "\" height=\"" + num(ph) + "\"/>\n";
  svg += "<text class=\"label\" x=\"" + num(kLeft + pw / 2) + "\" y=\"" + std::to_string(o.height - 6) +
         "\" text-anchor=\"middle\">" + escape_html(o.x_label) + "</text>\n";
  svg += "<text class=\"label\" transform=\"rotate(-90)\" x=\"" + num(-(kTop + ph / 2)) +
         "\" y=\"14\" text-anchor=\"middle\">" + escape_html(o.y_label) + "</text>\n";
  // Lines.
  for (size_t i = 0; i < series.size(); ++i) {
    const ChartSeries& s = series[i];
    const std::string color = s.color.empty() ? palette(i) : s.color;
    std::string pts;
    for (auto [x, y] : s.points) {
      if ((o.log_x && x <= 0) || (o.log_y && y <= 0)) continue;
      pts += num(sx(x)) + "," + num(sy(y)) + " ";
    }
    svg += "<polyline class=\"series\" data-name=\"" + escape_html(s.name) + "\" fill=\"none\" stroke=\"" + color +
           "\" stroke-width=\"1.6\"" + (s.dashed ? " stroke-dasharray=\"5,3\"" : "") + " points=\"" + pts + "\"/>\n";
    // Legend in the top margin, six to a row (further rows run into the plot's top).
    svg += "<text class=\"legend\" x=\"" + num(kLeft + pw / 6 * static_cast<double>(i % 6)) + "\" y=\"" +
           num(34 + 14 * static_cast<double>(i / 6)) + "\" fill=\"" + color + "\">" + (s.dashed ? "- - " : "\u2014 ") +
           escape_html(s.name) + "</text>\n";
  }
  if (empty)
    svg += "<text class=\"empty\" x=\"" + num(kLeft + pw / 2) + "\" y=\"" + num(kTop + ph / 2) +
           "\" text-anchor=\"middle\">no data</text>\n";
  svg += "</svg>\n";
  return svg;
}

}  // namespace loadgate::format
