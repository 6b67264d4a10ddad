// dashboard_page.cc: the dashboard's one page. Its script opens the event stream (/events),
// keeps the frames (one per second) and redraws tiles, SVG charts and tables from them; at a
// "report" event it shows the run's HTML report over the whole page (an iframe, so that the
// stream stays open for a suite's next run, whose "restart" brings the live view back).
// The body's data attributes say what was drawn (data-frames, data-requests, data-state,
// data-js-error), for the test that opens the page in Chromium.
#include "loadgate/dashboard.h"

namespace loadgate {
namespace {

constexpr const char* kPage = R"PAGE(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>loadgate dashboard</title>
<style>
body{font:14px/1.4 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.muted{color:#777}#state{font-size:13px;padding:2px 8px;border-radius:4px;color:#fff;background:#777;margin-left:8px}
#state.running{background:#1f77b4}#state.ended{background:#2ca02c}
.tiles{display:flex;flex-wrap:wrap;gap:10px;margin:14px 0}.tile{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:120px}
.tile .v{font-size:20px;font-weight:600}.tile .k{font-size:12px;color:#666}
.row{display:flex;flex-wrap:wrap;gap:16px}.row>div{flex:1 1 560px;min-width:0}
table{border-collapse:collapse;margin:6px 0}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:right}
th{background:#f6f6f6}td:first-child,th:first-child{text-align:left}
tr.fail td{color:#8e1111;background:#fdecea;font-weight:600}tr.warn td{color:#7a4a00;background:#fff4e0}
tr.ok td:first-child{color:#1b5e20}
svg.chart{display:block;width:100%;height:auto;background:#fff}svg .grid{stroke:#eee}svg .frame{fill:none;stroke:#bbb}
svg .tick{font-size:11px;fill:#555}svg .title{font-size:13px;font-weight:600;fill:#222}svg .legend{font-size:12px;fill:#333}
svg .empty{font-size:13px;fill:#999}
#report{position:fixed;inset:0;width:100%;height:100%;border:0;background:#fff;display:none}
</style></head>
<body data-frames="0" data-requests="0" data-state="waiting">
<h1>loadgate dashboard <span id="state">waiting</span></h1>
<div id="plan" class="muted">waiting for an attack</div>
<div class="tiles">
<div class="tile"><div class="v" id="elapsed">-</div><div class="k">elapsed</div></div>
<div class="tile"><div class="v" id="asked">-</div><div class="k">rate asked /s</div></div>
<div class="tile"><div class="v" id="achieved">-</div><div class="k">rate achieved /s</div></div>
<div class="tile"><div class="v" id="requests">0</div><div class="k">requests</div></div>
<div class="tile"><div class="v" id="success">-</div><div class="k">success</div></div>
<div class="tile"><div class="v" id="p50">-</div><div class="k">p50 (this second)</div></div>
<div class="tile"><div class="v" id="p99">-</div><div class="k">p99 (this second)</div></div>
<div class="tile"><div class="v" id="late">-</div><div class="k">late hits</div></div>
<div class="tile"><div class="v" id="inflight">-</div><div class="k">in flight / workers</div></div>
<div class="tile"><div class="v" id="cpu-generator">-</div><div class="k">generator CPU</div></div>
<div class="tile"><div class="v" id="cpu-sut">-</div><div class="k">service CPU / RSS</div></div>
</div>
<div class="row"><div><svg id="rate-chart" class="chart" viewBox="0 0 640 260"></svg></div>
<div><svg id="latency-chart" class="chart" viewBox="0 0 640 260"></svg></div></div>
<div class="row"><div><svg id="late-chart" class="chart" viewBox="0 0 640 260"></svg></div>
<div><svg id="cpu-chart" class="chart" viewBox="0 0 640 260"></svg></div></div>
<div class="row">
<div><h2>Checks</h2><table id="checks"><tr><th>check</th><th>state</th><th>measured</th><th>limit</th></tr></table>
<div id="no-checks" class="muted">no thresholds given for this run</div></div>
<div><h2>Phases</h2><svg id="phase-bar" class="chart" viewBox="0 0 640 60"></svg>
<table id="phases"><tr><th>phase</th><th>mean</th><th>p50</th><th>p90</th><th>p99</th><th>max</th></tr></table></div>
</div>
<div class="row">
<div><h2>Status codes</h2><table id="status"><tr><th>status</th><th>count</th></tr></table></div>
<div><h2>Errors</h2><table id="errors"><tr><th>error</th><th>count</th></tr></table></div>
</div>
<iframe id="report" title="report"></iframe>
<script>
window.onerror = function (msg) { document.body.setAttribute('data-js-error', String(msg)); };
(function () {
  var frames = [], header = null, reported = false, pending = false;
  var colors = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];
  var phaseColors = {connect: '#8c564b', tls: '#9467bd', sending: '#2ca02c', waiting: '#1f77b4', receiving: '#ff7f0e'};
  function $(id) { return document.getElementById(id); }
  function text(id, v) { $(id).textContent = v; }
  function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); }
  function dur(msv) {
    if (msv == null || isNaN(msv)) return '-';
    if (msv < 1) return (msv * 1000).toFixed(0) + 'us';
    if (msv < 1000) return msv.toFixed(msv < 10 ? 2 : 1) + 'ms';
    return (msv / 1000).toFixed(2) + 's';
  }
  function num(v) {
    if (v == null || isNaN(v)) return '-';
    if (Math.abs(v) >= 1e6) return (v / 1e6).toFixed(2) + 'M';
    if (Math.abs(v) >= 1e4) return (v / 1e3).toFixed(1) + 'k';
    return Math.round(v) === v ? String(v) : v.toFixed(1);
  }
  function bytes(b) { return b >= 1 << 30 ? (b / (1 << 30)).toFixed(1) + 'GiB' : (b / (1 << 20)).toFixed(0) + 'MiB'; }
  // A line chart of `series` ({name, points: [[x, y]], dash}) into `svg`.
  function chart(svg, title, unit, series) {
    var W = 640, H = 260, L = 58, R = 12, T = 30, B = 30, pw = W - L - R, ph = H - T - B;
    var xs = [], ys = [];
    series.forEach(function (s) { s.points.forEach(function (p) { if (p[1] != null) { xs.push(p[0]); ys.push(p[1]); } }); });
    var out = '<text class="title" x="' + L + '" y="18">' + esc(title) + '</text>';
    if (xs.length < 1) { svg.innerHTML = out + '<text class="empty" x="' + (L + 10) + '" y="' + (T + ph / 2) + '">no data yet</text>'; return; }
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs), y1 = Math.max.apply(null, ys);
    if (x1 <= x0) x1 = x0 + 1;
    if (!(y1 > 0)) y1 = 1;
    y1 *= 1.1;
    function X(x) { return L + (x - x0) / (x1 - x0) * pw; }
    function Y(y) { return T + ph - y / y1 * ph; }
    for (var k = 0; k <= 4; k++) {
      var gy = y1 * k / 4;
      out += '<line class="grid" x1="' + L + '" x2="' + (L + pw) + '" y1="' + Y(gy) + '" y2="' + Y(gy) + '"/>';
      out += '<text class="tick" text-anchor="end" x="' + (L - 4) + '" y="' + (Y(gy) + 4) + '">' + (unit === 'ms' ? dur(gy) : num(gy)) + '</text>';
    }
    out += '<text class="tick" x="' + L + '" y="' + (H - 8) + '">' + x0.toFixed(0) + 's</text>';
    out += '<text class="tick" text-anchor="end" x="' + (L + pw) + '" y="' + (H - 8) + '">' + x1.toFixed(0) + 's</text>';
    out += '<rect class="frame" x="' + L + '" y="' + T + '" width="' + pw + '" height="' + ph + '"/>';
    var lx = L + 12 + 7.6 * title.length;
    series.forEach(function (s, i) {
      var pts = s.points.filter(function (p) { return p[1] != null; }).map(function (p) { return X(p[0]).toFixed(1) + ',' + Y(p[1]).toFixed(1); });
      var c = colors[i % colors.length];
      out += '<polyline class="series" data-name="' + esc(s.name) + '" fill="none" stroke="' + c + '" stroke-width="1.6"' +
             (s.dash ? ' stroke-dasharray="5,4"' : '') + ' points="' + pts.join(' ') + '"/>';
      out += '<text class="legend" x="' + lx + '" y="18" fill="' + c + '">&#9632; ' + esc(s.name) + '</text>';
      lx += 14 + 8 * s.name.length;
    });
    svg.innerHTML = out;
  }
  function rows(table, list) {
    var head = table.rows[0].outerHTML;
    table.innerHTML = head + list.join('');
  }
  function render() {
    pending = false;
    var f = frames[frames.length - 1], b = document.body;
    b.setAttribute('data-frames', String(frames.length));
    if (!f) return;
    var w = f.window || {}, t = f.total || {}, wl = w.latency || {};
    text('elapsed', f.t.toFixed(0) + 's');
    text('asked', f.asked == null ? 'closed' : num(f.asked));
    text('achieved', num(f.achieved));
    text('requests', num(t.requests || 0));
    b.setAttribute('data-requests', String(t.requests || 0));
    text('success', t.requests ? (100 * t.success_ratio).toFixed(2) + '%' : '-');
    text('p50', dur(wl.p50));
    text('p99', dur(wl.p99));
    text('late', num(t.late || 0));
    text('inflight', f.in_flight == null ? '-' : num(f.in_flight) + ' / ' + num(f.workers));
    var r = f.resources || {};
    text('cpu-generator', r.generator ? r.generator.cpu.toFixed(0) + '%' : '-');
    text('cpu-sut', r.sut ? r.sut.cpu.toFixed(0) + '% / ' + bytes(r.sut.rss) : '-');
    function series(get) { return frames.map(function (x) { return [x.t, get(x)]; }); }
    var rate = [{name: 'achieved', points: series(function (x) { return x.achieved; })}];
    if (f.asked != null) rate.push({name: 'asked', dash: true, points: series(function (x) { return x.asked; })});
    chart($('rate-chart'), 'Rate (per second)', '', rate);
    chart($('latency-chart'), 'Latency each second (corrected)', 'ms', ['p50', 'p90', 'p99', 'max'].map(function (p) {
      return {name: p, points: series(function (x) { return x.window && x.window.latency ? x.window.latency[p] : null; })};
    }));
    chart($('late-chart'), 'Late and failed hits each second', '', [
      {name: 'late', points: series(function (x) { return x.window ? x.window.late : null; })},
      {name: 'failed', points: series(function (x) { return x.window ? x.window.requests - x.window.success : null; })}]);
    var roles = {};
    frames.forEach(function (x) { Object.keys(x.resources || {}).forEach(function (k) { roles[k] = 1; }); });
    chart($('cpu-chart'), 'CPU (% of a core)', '', Object.keys(roles).map(function (k) {
      return {name: k, points: series(function (x) { return x.resources && x.resources[k] ? x.resources[k].cpu : null; })};
    }));
    var checks = f.checks || [];
    $('no-checks').style.display = f.checks ? 'none' : '';
    rows($('checks'), checks.map(function (c) {
      var cls = c.state === 'FAIL' ? 'fail' : c.state === 'warn' ? 'warn' : 'ok';
      return '<tr class="' + cls + '"><td>' + esc(c.name) + '</td><td>' + esc(c.state) + '</td><td>' + esc(c.measured) + '</td><td>' + esc(c.limit) + '</td></tr>';
    }));
    b.setAttribute('data-checks-failing', String(checks.filter(function (c) { return c.state === 'FAIL'; }).length));
    var ph = f.phases || [], sum = 0, bar = '', x = 0;
    rows($('phases'), ph.map(function (p) {
      return '<tr><td>' + esc(p.name) + '</td><td>' + dur(p.mean) + '</td><td>' + dur(p.p50) + '</td><td>' + dur(p.p90) + '</td><td>' + dur(p.p99) + '</td><td>' + dur(p.max) + '</td></tr>';
    }));
    ph.forEach(function (p) { sum += p.mean; });
    ph.forEach(function (p, i) {
      var wd = sum > 0 ? p.mean / sum * 620 : 0;
      var c = phaseColors[p.name] || colors[i % colors.length];
      bar += '<rect x="' + (10 + x) + '" y="8" width="' + wd.toFixed(1) + '" height="22" fill="' + c + '"><title>' + esc(p.name) + ' ' + dur(p.mean) + '</title></rect>';
      bar += '<text class="legend" x="' + (10 + i * 124) + '" y="50" fill="' + c + '">&#9632; ' + esc(p.name) + ' ' + dur(p.mean) + '</text>';
      x += wd;
    });
    $('phase-bar').innerHTML = ph.length ? bar : '<text class="empty" x="10" y="30">no phases measured (HTTP only)</text>';
    var st = f.status || {};
    rows($('status'), Object.keys(st).map(function (k) { return '<tr><td>' + esc(k) + '</td><td>' + num(st[k]) + '</td></tr>'; }));
    rows($('errors'), (f.errors || []).map(function (e) { return '<tr><td>' + esc(e[0]) + '</td><td>' + num(e[1]) + '</td></tr>'; }));
  }
  function later() { if (!pending) { pending = true; setTimeout(render, 50); } }
  function state(s) { var e = $('state'); e.textContent = s; e.className = s; document.body.setAttribute('data-state', s); }
  var es = new EventSource('/events');
  es.addEventListener('restart', function () {
    frames = []; header = null; reported = false;
    $('report').style.display = 'none'; $('report').removeAttribute('srcdoc');
    state('waiting'); later();
  });
  es.addEventListener('header', function (e) {
    header = JSON.parse(e.data);
    text('plan', header.plan || header.name);
    document.title = 'loadgate: ' + (header.name || header.protocol);
    state('running');
  });
  es.addEventListener('frame', function (e) {
    frames.push(JSON.parse(e.data));
    if (frames.length > 3600) frames.shift();
    later();
  });
  es.addEventListener('report', function (e) {
    reported = true;
    render();
    state('ended');
    var r = $('report');
    r.srcdoc = JSON.parse(e.data);
    r.style.display = 'block';
  });
  es.onerror = function () { if (reported) es.close(); };
})();
</script>
</body></html>
)PAGE";

}  // namespace

const std::string& dashboard_page() {
  static const std::string page = kPage;
  return page;
}

}  // namespace loadgate
