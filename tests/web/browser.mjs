// Drive Debian's chromium with playwright-core through a list of visits, and print what each page
// shows as JSON. Read from standard input:
//   {"executable": "/usr/bin/chromium", "viewport": {"width": 390, "height": 844},
//    "wallet": {"name": "Test wallet", "address": "0x..", "rpc": "http://127.0.0.1:8545"},
//    "visits": [
//     {"name": "genuine", "url": "http://127.0.0.1:8417/certificates/..", "screenshot": "out.png"},
//     {"name": "typed", "url": "..", "fill": {"#number": "AE-404"}, "upload": {"#document": "x.json"},
//      "submit": "#by-number button"},
//     {"name": "signed", "tab": "holder", "urlFrom": {"tab": "verifier", "selector": "#sign-link"},
//      "wallet": "0x..", "click": "#wallets button", "waitFor": "#holding[data-state=presented]"}]}
// Visits run in order, each in its tab (by name; "main" unless given): to a url (or the href of a
// link another tab shows), then fill, upload, submit (waiting for the page it leads to), click
// (whatever the page's script then does), waitFor a selector (across reloads), screenshot.
// "wallet": a test EIP-1193 provider announced through EIP-6963 on every page, backed by a
// development key of the anvil node at "rpc" (anvil signs personal_sign for its own accounts);
// a visit's "wallet" switches the account it answers with.
// Each result: name, url, status, title, banner, tone (the banner's colour class), background,
// reasons, document (the uploaded document's check), error, signer, held (the numbers "My
// certificates" lists), walletStatus, and overflow (something is wider than the screen).
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
context.setDefaultTimeout(20_000);

let account = plan.wallet?.address;
if (plan.wallet) {
  // The wallet's side runs here, outside the page (as a wallet extension's does): the page's CSP
  // would stop the page itself from reaching the node.
  await context.exposeBinding("kpTestWallet", async (_source, method, params) => {
    if (method === "eth_requestAccounts" || method === "eth_accounts") return [account];
    if (method !== "personal_sign" && method !== "eth_chainId") {
      throw Object.assign(new Error(`the test wallet does not do ${method}`), { code: 4200 });
    }
    const response = await fetch(plan.wallet.rpc, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
    const body = await response.json();
    if (body.error) throw new Error(body.error.message);
    return body.result;
  });
  await context.addInitScript((name) => {
    const provider = { request: ({ method, params }) => window.kpTestWallet(method, params ?? []) };
    const info = { uuid: "0b7c3f0e-6f1a-4c55-9d43-8c1f5d3e2a10", name, icon: "data:,", rdns: "org.kp.test" };
    const announce = () =>
      window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
    window.addEventListener("eip6963:requestProvider", announce);
    announce();
  }, plan.wallet.name ?? "Test wallet");
}

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
    const text = (selector) => document.querySelector(selector)?.textContent.trim() ?? null;
    const banner = document.querySelector("#verdict, #holding");
    return {
      title: document.title,
      banner: banner ? banner.querySelector(".verdict").textContent.trim() : null,
      tone: banner ? [...banner.classList].filter((c) => c !== "banner").join(" ") : null,
      background: banner ? getComputedStyle(banner).backgroundColor : null,
      reasons: [...document.querySelectorAll("#reasons li")].map((li) => li.textContent.trim()),
      document: text("#document-check"),
      error: text("#error"),
      signer: text("#signer"),
      held: [...document.querySelectorAll("dl.held dd a")].map((a) => a.textContent.trim()),
      walletStatus: text("#wallet-status"),
      overflow: outside(width),
    };
  }, plan.viewport.width).then((seen) => ({ url: page.url(), status: response ? response.status() : null, ...seen }));
}

const tabs = new Map();
async function tab(name) {
  if (!tabs.has(name)) tabs.set(name, tabs.size === 0 ? (context.pages()[0] ?? (await context.newPage())) : await context.newPage());
  return tabs.get(name);
}

const results = [];
try {
  for (const visit of plan.visits) {
    const page = await tab(visit.tab ?? "main");
    if (visit.wallet) account = visit.wallet;
    let response = null;
    const from = visit.urlFrom && (await tab(visit.urlFrom.tab)).locator(visit.urlFrom.selector);
    const url = visit.url ?? (from && (await from.getAttribute(visit.urlFrom.attribute ?? "href")));
    if (url) response = await page.goto(url);
    for (const [selector, text] of Object.entries(visit.fill ?? {})) await page.fill(selector, text);
    for (const [selector, file] of Object.entries(visit.upload ?? {})) await page.setInputFiles(selector, file);
    if (visit.submit) {
      [response] = await Promise.all([page.waitForNavigation(), page.click(visit.submit)]);
    }
    if (visit.click) await page.click(visit.click);
    if (visit.waitFor) await page.waitForSelector(visit.waitFor);
    if (visit.screenshot) await page.screenshot({ path: visit.screenshot, fullPage: visit.fullPage ?? false });
    results.push({ name: visit.name, ...(await look(page, response)) });
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(results) + "\n");
