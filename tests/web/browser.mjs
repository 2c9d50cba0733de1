// Drive Debian's chromium with playwright-core through a list of visits, and print what each page
// shows as JSON. Read from standard input:
//   {"executable": "/usr/bin/chromium", "viewport": {"width": 390, "height": 844}, "visits": [
//     {"name": "genuine", "url": "http://127.0.0.1:8417/certificates/..", "screenshot": "out.png"},
//     {"name": "typed", "url": "..", "fill": {"#number": "AE-404"}, "upload": {"#document": "x.json"},
//      "submit": "#by-number button"}]}
// Each result: name, url, status, title, banner, tone (the banner's colour class), background,
// reasons, document (the uploaded document's check), error, and overflow (something is wider than
// the screen).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const plan = JSON.parse(readFileSync(0, "utf8"));
const profile = mkdtempSync(join(tmpdir(), "kp-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: plan.executable,
  headless: true,
  viewport: plan.viewport,
  deviceScaleFactor: 1,
  isMobile: true,
  hasTouch: true,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});

async function look(page, response) {
  return page.evaluate((width) => {
    // Whether any text or box sticks out past the screen's right edge (a phone widens its layout
    // to fit wide content, so the window's own width cannot tell).
    function outside(width) {
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      const range = document.createRange();
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        range.selectNodeContents(node);
        if (range.getBoundingClientRect().right > width + 1) return true;
      }
      return [...document.querySelectorAll("body *")].some((e) => e.getBoundingClientRect().right > width + 1);
    }
    const banner = document.querySelector("#verdict");
    const error = document.querySelector("#error");
    return {
      title: document.title,
      banner: banner ? banner.querySelector(".verdict").textContent.trim() : null,
      tone: banner ? [...banner.classList].filter((c) => c !== "banner").join(" ") : null,
      background: banner ? getComputedStyle(banner).backgroundColor : null,
      reasons: [...document.querySelectorAll("#reasons li")].map((li) => li.textContent.trim()),
      document: document.querySelector("#document-check")?.textContent.trim() ?? null,
      error: error ? error.textContent.trim() : null,
      overflow: outside(width),
    };
  }, plan.viewport.width).then((seen) => ({ url: page.url(), status: response ? response.status() : null, ...seen }));
}

const results = [];
try {
  const page = context.pages()[0] ?? (await context.newPage());
  for (const visit of plan.visits) {
    let response = await page.goto(visit.url);
    for (const [selector, text] of Object.entries(visit.fill ?? {})) await page.fill(selector, text);
    for (const [selector, file] of Object.entries(visit.upload ?? {})) await page.setInputFiles(selector, file);
    if (visit.submit) {
      [response] = await Promise.all([page.waitForNavigation(), page.click(visit.submit)]);
    }
    if (visit.screenshot) await page.screenshot({ path: visit.screenshot, fullPage: visit.fullPage ?? false });
    results.push({ name: visit.name, ...(await look(page, response)) });
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(results) + "\n");
