// dashboard_probe.mjs URL OUT.json [SHOT_DIR]: opens loadgate's live dashboard at URL in Debian's
// Chromium (headless, through puppeteer-core) while a run goes on, and writes what the rendered
// page showed: twice during the run (tiles, body data attributes, the charts' polylines), then
// once the page turned into the run's report (its iframe's body attributes and text). With
// SHOT_DIR, screenshots of the live page (dashboard.png), of the report (report.png) and of the
// report's phases (report-phases.png). For
// dashboard_test.cc.
import puppeteer from "puppeteer-core";
import { writeFileSync } from "node:fs";

const [url, out, shots] = process.argv.slice(2);

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions", "--disable-background-networking"],
});

// What the live page shows now.
async function live(page) {
  return page.evaluate(() => {
    const b = document.body;
    const tile = (id) => document.getElementById(id).textContent;
    const lines = {};
    document.querySelectorAll("svg.chart").forEach((svg) => {
      lines[svg.id] = Array.from(svg.querySelectorAll("polyline.series")).map((l) => ({
        name: l.dataset.name,
        points: l.points.numberOfItems,
      }));
    });
    return {
      frames: Number(b.dataset.frames),
      requests: Number(b.dataset.requests),
      state: b.dataset.state,
      error: b.dataset.jsError || "",
      checksFailing: b.dataset.checksFailing,
      tiles: { elapsed: tile("elapsed"), requests: tile("requests"), achieved: tile("achieved"), p99: tile("p99"), success: tile("success") },
      phases: document.querySelectorAll("#phases tr").length - 1,
      status: Array.from(document.querySelectorAll("#status tr")).slice(1).map((r) => r.textContent),
      checks: Array.from(document.querySelectorAll("#checks tr")).slice(1).map((r) => r.className + ":" + r.cells[0].textContent),
      lines,
    };
  });
}

const seen = { during: [], report: null };
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 1000 });
  page.on("pageerror", (e) => seen.during.push({ pageerror: String(e) }));
  await page.goto(url, { waitUntil: "domcontentloaded", timeout: 20000 });
  await page.waitForFunction(() => Number(document.body.dataset.frames) >= 2, { timeout: 20000, polling: 100 });
  seen.during.push(await live(page));
  const first = seen.during[0].frames;
  // One frame more is enough to see the figures move: a browser slow to start on a busy machine
  // may look first late in the run, with few frames left before its end.
  await page.waitForFunction((n) => Number(document.body.dataset.frames) >= n + 1, { timeout: 20000, polling: 100 }, first);
  seen.during.push(await live(page));
  if (shots) await page.screenshot({ path: `${shots}/dashboard.png`, fullPage: true });
  await page.waitForFunction(() => document.body.dataset.state === "ended", { timeout: 60000, polling: 100 });
  seen.end = await live(page);
  const frame = await (await page.$("#report")).contentFrame();
  await frame.waitForFunction(() => document.body && document.body.hasAttribute("data-charts-drawn"), { timeout: 20000 });
  seen.report = await frame.evaluate(() => ({
    title: document.title,
    charts: document.body.dataset.charts,
    drawn: document.body.dataset.chartsDrawn,
    error: document.body.dataset.jsError || "",
    text: document.body.innerText,
  }));
  if (shots) {
    const report = await browser.newPage();
    await report.setViewport({ width: 1280, height: 1000 });
    await report.setContent(await frame.content(), { waitUntil: "load" });
    await report.screenshot({ path: `${shots}/report.png`, fullPage: true });
    // The report's phases: its heading, the stacked bar and the table under it.
    const clip = await report.evaluate(() => {
      const svg = document.querySelector("svg.phases");
      if (!svg) return null;
      const top = svg.previousElementSibling.getBoundingClientRect(), table = svg.nextElementSibling.getBoundingClientRect();
      return { x: 0, y: top.top + window.scrollY - 8, width: 1000, height: table.bottom - top.top + 16 };
    });
    if (clip) await report.screenshot({ path: `${shots}/report-phases.png`, clip });
  }
} finally {
  writeFileSync(out, JSON.stringify(seen, null, 2));
  await browser.close();
}
