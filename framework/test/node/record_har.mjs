// record_har.mjs URL OUT.har: opens URL in Debian's Chromium (headless, through puppeteer-core),
// waits until the page says it is done (document.title "done") and the network is idle, and writes
// the HAR 1.2 of what the browser sent, built from the DevTools protocol's Network and Page events
// by chrome-har (the converter DevTools-based tools use). For replay_test.cc.
import puppeteer from "puppeteer-core";
import { harFromMessages } from "chrome-har";
import { writeFileSync } from "node:fs";

const [url, out] = process.argv.slice(2);
const events = [];
const wanted = new Set([
  "Page.loadEventFired", "Page.domContentEventFired", "Page.frameStartedLoading", "Page.frameAttached",
  "Page.frameScheduledNavigation", "Page.frameRequestedNavigation", "Page.navigatedWithinDocument",
  "Network.requestWillBeSent", "Network.requestWillBeSentExtraInfo", "Network.requestServedFromCache",
  "Network.dataReceived", "Network.responseReceived", "Network.responseReceivedExtraInfo",
  "Network.resourceChangedPriority", "Network.loadingFinished", "Network.loadingFailed",
]);

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions", "--disable-background-networking"],
});
try {
  const page = await browser.newPage();
  const cdp = await page.createCDPSession();
  for (const name of wanted) cdp.on(name, (params) => events.push({ method: name, params }));
  await cdp.send("Page.enable");
  await cdp.send("Network.enable");
  await page.goto(url, { waitUntil: "networkidle0", timeout: 20000 });
  await page.waitForFunction(() => document.title === "done", { timeout: 20000 });
  const har = harFromMessages(events, { includeTextFromResponseBody: false });
  writeFileSync(out, JSON.stringify(har, null, 2));
  console.log(`record_har: ${har.log.entries.length} entries`);
} finally {
  await browser.close();
}
