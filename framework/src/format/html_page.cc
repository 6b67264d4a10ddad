// html_page.cc: the stylesheet, the script and the rows every loadgate page shares.
#include "format/html_page.h"

#include "format/svg_chart.h"

namespace loadgate::format {
namespace {

constexpr const char* kStyle = R"(<style>
body{font:14px/1.4 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;margin:6px 0}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:right}
th{background:#f6f6f6}td:first-child,th:first-child{text-align:left}.muted{color:#777}
span.pass,span.fail{color:#fff;padding:2px 8px;border-radius:4px}span.pass{background:#2ca02c}span.fail{background:#c62828}
tr.fail td,td.fail{color:#8e1111;background:#fdecea;font-weight:600}tr.warn td{color:#7a4a00;background:#fff4e0}
svg.chart{display:block;margin:10px 0;background:#fff;width:100%;height:auto}
svg .grid{stroke:#eee}svg .frame{fill:none;stroke:#bbb}svg .tick{font-size:11px;fill:#555}
svg .label{font-size:12px;fill:#333}svg .title{font-size:13px;font-weight:600}svg .legend{font-size:12px}
svg .readout{font-size:11px;fill:#000}svg .empty{font-size:14px;fill:#999}
</style>)";

// Reads the value under the cursor from each chart's data attributes, and marks the page with
// the number of charts drawn (a test opens the page in headless Chromium and checks it).
constexpr const char* kScript = R"(<script>
window.onerror = function (msg) { document.body.setAttribute('data-js-error', String(msg)); };
(function () {
  var charts = document.querySelectorAll('svg.chart'), drawn = 0;
  charts.forEach(function (svg) {
    var ok = false;
    svg.querySelectorAll('polyline.series').forEach(function (l) { if (l.points.numberOfItems >= 2) ok = true; });
    if (ok) drawn++; else svg.setAttribute('data-empty', '1');
    var tip = document.createElementNS('http://www.w3.org/2000/svg', 'text');
    tip.setAttribute('class', 'readout'); tip.setAttribute('x', svg.dataset.left); tip.setAttribute('y', 26);
    svg.appendChild(tip);
    function value(f, lo, hi, log) {
      return log ? Math.pow(10, Math.log10(lo) + f * (Math.log10(hi) - Math.log10(lo))) : lo + f * (hi - lo);
    }
    svg.addEventListener('mousemove', function (e) {
      var r = svg.getBoundingClientRect(), d = svg.dataset;
      var fx = (e.clientX - r.left - d.left) / d.pw, fy = 1 - (e.clientY - r.top - d.top) / d.ph;
      if (fx < 0 || fx > 1 || fy < 0 || fy > 1) { tip.textContent = ''; return; }
      var x = value(fx, +d.xMin, +d.xMax, d.xLog === '1'), y = value(fy, +d.yMin, +d.yMax, d.yLog === '1');
      tip.textContent = 'x ' + x.toPrecision(4) + '   y ' + y.toPrecision(4);
    });
  });
  document.body.setAttribute('data-charts', String(charts.length));
  document.body.setAttribute('data-charts-drawn', String(drawn));
})();
</script>)";

}  // namespace

std::string html_row(const std::vector<std::string>& cells, const char* tag, const std::string& cls) {
  std::string out = cls.empty() ? "<tr>" : "<tr class=\"" + cls + "\">";
  for (const std::string& c : cells) out += std::string("<") + tag + ">" + c + "</" + tag + ">";
  return out + "</tr>\n";
}

std::string html_page_start(const std::string& title) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape_html(title) +
         "</title>\n" + kStyle + "</head>\n<body>\n<h1>" + escape_html(title) + "</h1>\n";
}

std::string html_page_end() { return std::string(kScript) + "\n</body></html>\n"; }

}  // namespace loadgate::format
