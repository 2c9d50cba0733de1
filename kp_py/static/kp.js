// The page's one script, kp's own, served by kp (Content-Security-Policy: script-src 'self';
// connect-src 'self'): it talks to this server and to the wallet in this browser, nothing else.
//   /holding/<nonce>/sign  the holder's wallet signs the challenge (wallets found through EIP-6963,
//                          else the injected EIP-1193 window.ethereum; personal_sign, EIP-191)
//   /holding/<nonce>       the verifier's view waits for the answer, polling /api/holding/<nonce>
//   /holders               "My certificates": connect a wallet, then /holders/<its address>
// The answers themselves are drawn by the server: once something changes the page reloads.
"use strict";

const POLL_MS = 1500;
const DISCOVERY_MS = 600; // how long wallets have to announce themselves (EIP-6963)

// Every EIP-1193 provider in this browser: those announcing themselves (EIP-6963), else the one a
// wallet's own browser injects as window.ethereum. Calls found(list) as they arrive; [] if none.
function findWallets(found) {
  const seen = new Map();
  window.addEventListener("eip6963:announceProvider", (event) => {
    const { info, provider } = event.detail ?? {};
    if (!info?.uuid || typeof provider?.request !== "function" || seen.has(info.uuid)) return;
    seen.set(info.uuid, { name: String(info.name || "your wallet"), provider });
    found([...seen.values()]);
  });
  window.dispatchEvent(new Event("eip6963:requestProvider"));
  setTimeout(() => {
    if (seen.size) return;
    const injected = window.ethereum;
    found(typeof injected?.request === "function" ? [{ name: "your wallet", provider: injected }] : []);
  }, DISCOVERY_MS);
}

// A button per wallet in #wallets, calling use(wallet) when pressed.
function offerWallets(verb, use, say, none) {
  const box = document.getElementById("wallets");
  findWallets((wallets) => {
    box.replaceChildren();
    if (!wallets.length) {
      say(none);
      return;
    }
    say("");
    for (const wallet of wallets) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "wallet";
      button.textContent = `${verb} ${wallet.name}`;
      button.addEventListener("click", () => use(wallet).catch((error) => say(walletError(error))));
      box.append(button);
    }
  });
}

function walletError(error) {
  if (error?.code === 4001) return "You declined in your wallet: nothing was signed or sent.";
  return `Not done: ${error?.message || error}`;
}

async function call(url, options) {
  const response = await fetch(url, { credentials: "same-origin", cache: "no-store", ...options });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || `${response.status} ${response.statusText}`);
  return body;
}

function utf8Hex(text) {
  return "0x" + [...new TextEncoder().encode(text)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function account(provider) {
  const [address] = await provider.request({ method: "eth_requestAccounts" });
  if (typeof address !== "string") throw new Error("the wallet gave no account");
  return address;
}

function sign(root, say) {
  const nonce = root.dataset.nonce;
  offerWallets("Sign with", async ({ provider }) => {
    say("Asking your wallet for its account…");
    const address = await account(provider);
    const { message } = await call(`/api/holding/${nonce}/message?address=${encodeURIComponent(address)}`);
    say("Sign the message in your wallet…");
    const signature = await provider.request({ method: "personal_sign", params: [utf8Hex(message), address] });
    say("Checking your answer…");
    await call(`/api/holding/${nonce}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ message, signature }),
    });
    location.reload();
  }, say, "No wallet found in this browser: open this link in your wallet's own browser.");
}

function wait(root) {
  const poll = async () => {
    try {
      const { state } = await call(`/api/holding/${root.dataset.nonce}`);
      if (state !== "waiting") return location.reload();
    } catch {
      // the server is briefly unreachable: ask again at the next tick
    }
    setTimeout(poll, POLL_MS);
  };
  setTimeout(poll, POLL_MS);
}

function connect(say) {
  offerWallets("Connect", async ({ provider }) => {
    location.assign(`/holders/${await account(provider)}`);
  }, say, "No wallet found in this browser: type your wallet's address.");
}

const root = document.querySelector("[data-kp]");
const status = document.getElementById("wallet-status");
const say = (text) => { if (status) status.textContent = text; };
if (root?.dataset.kp === "sign" && root.dataset.state === "waiting") sign(root, say);
if (root?.dataset.kp === "wait" && root.dataset.state === "waiting") wait(root);
if (root?.dataset.kp === "connect") connect(say);
