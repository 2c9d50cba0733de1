"""The verification page in a real browser at phone size: `kp serve` as a subprocess, Debian's
chromium driven by playwright-core (tests/web/browser.mjs), one visit per outcome, through the real
forms. `KP_SCREENSHOTS=DIR` also keeps the screenshots there (`make screenshots` writes docs/img/)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kp_py.verify import Link
from tests.cli.conftest import AE_KEY, HOLDER, Kp

pytestmark = pytest.mark.anvil

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
DRIVER = ROOT / "node_modules" / "playwright-core"
PHONE = {"width": 390, "height": 844}
COLOURS = {  # the banner's background, as the browser computes it
    "genuine": "rgb(20, 108, 46)",
    "not-genuine": "rgb(179, 38, 30)",
    "voided": "rgb(123, 31, 162)",
    "expired": "rgb(161, 74, 0)",
    "unknown": "rgb(75, 85, 99)",
}


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (make test installs Debian's chromium)"
    if shutil.which("node") is None or not DRIVER.is_dir():
        return "node or node_modules/playwright-core is missing (make setup installs it)"
    return None


if _missing() and not os.environ.get("CI"):  # in CI a missing browser fails the test instead
    pytestmark = [pytestmark, pytest.mark.skip(reason=str(_missing()))]


def browse(visits: list[dict[str, Any]], wallet: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """Run the visits in one headless chromium at phone size, with a test ``wallet`` if given
    (tests/web/browser.mjs); what each page showed, by name."""
    plan = {"executable": str(CHROMIUM), "viewport": PHONE, "visits": visits, "wallet": wallet}
    done = subprocess.run(
        ["node", str(ROOT / "tests" / "web" / "browser.mjs")],
        input=json.dumps(plan),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return {seen["name"]: seen for seen in json.loads(done.stdout)}


@pytest.fixture
def served(kp: Kp) -> Iterator[str]:
    """`kp serve --port 0` on the test node, as a verifier's office would run it; its URL."""
    command = [str(Path(sys.executable).parent / "kp"), "serve", "--port", "0", "--home", str(kp.home)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(30, server.kill)  # never hang the suite on a server that does not start
    watchdog.start()
    line = server.stdout.readline() if server.stdout else ""
    watchdog.cancel()
    found = re.match(r"kp: verification page at (http://127\.0\.0\.1:\d+)/ \(chain 31337, contract 0x", line)
    assert found, f"kp serve printed {line!r}; stderr: {server.stderr.read() if server.stderr else ''}"
    yield found.group(1)
    server.send_signal(signal.SIGTERM)  # a service manager's stop: as clean as Ctrl-C
    out, err = server.communicate(timeout=30)
    assert server.returncode == 0 and "kp: stopped" in out, err


def test_every_outcome_on_a_phone(served, issued, kp, tmp_path):
    shots = Path(os.environ.get("KP_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    shown = kp.ok("show", issued.genuine, "--json").json()
    qr = Link(
        shown["chain_id"], shown["contract"], int(shown["token_id"]), bytes.fromhex(shown["commitment"][2:])
    )
    forged_qr = Link(qr.chain_id, qr.contract, qr.token_id, bytes(32))
    altered = issued.altered("carats", "1251.50")
    home = served + "/"
    seen = browse(
        [
            {"name": "qr", "url": qr.url(served), "screenshot": str(shots / "verify-genuine.png")},
            {"name": "forged qr", "url": forged_qr.url(served)},
            {"name": "voided", "url": f"{served}/certificates/{issued.voided}"},
            {"name": "expired", "url": f"{served}/certificates/{issued.expired}"},
            {
                "name": "typed",
                "url": home,
                "fill": {"#number": "ae-2024-000123"},
                "submit": "#by-number button",
            },
            {"name": "unknown", "url": home, "fill": {"#number": "AE-404"}, "submit": "#by-number button"},
            {
                "name": "malformed",
                "url": home,
                "fill": {"#number": "<b>AE</b>"},
                "submit": "#by-number button",
            },
            {
                "name": "document",
                "url": home,
                "upload": {"#document": str(issued.document)},
                "submit": "#by-document button",
            },
            {
                "name": "altered",
                "url": home,
                "upload": {"#document": str(altered)},
                "submit": "#by-document button",
                "screenshot": str(shots / "verify-not-genuine.png"),
            },
        ]
    )
    expected = {
        "qr": ("GENUINE", "genuine"),
        "forged qr": ("NOT GENUINE", "not-genuine"),
        "voided": ("VOIDED", "voided"),
        "expired": ("EXPIRED", "expired"),
        "typed": ("GENUINE", "genuine"),
        "unknown": ("UNKNOWN", "unknown"),
        "document": ("GENUINE", "genuine"),
        "altered": ("NOT GENUINE", "not-genuine"),
    }
    for name, (banner, tone) in expected.items():
        page = seen[name]
        assert (page["status"], page["banner"], page["tone"]) == (200, banner, tone), page
        assert page["background"] == COLOURS[tone], page
        assert page["reasons"] and not page["overflow"], page
    assert seen["document"]["document"] == "Proven: every field matches the commitment on chain."
    assert seen["altered"]["document"] == "Altered: carats differ from what was issued."
    assert (
        "the printed certificate names another document than the one on chain" in seen["forged qr"]["reasons"]
    )
    assert "no certificate has this number" in seen["unknown"]["reasons"]
    malformed = seen["malformed"]
    assert malformed["status"] == 400 and malformed["banner"] is None and not malformed["overflow"]
    assert malformed["error"] == "'<b>AE</b>' is not a certificate number (like AE-2024-000123) or a token id"
    for shot in ("verify-genuine.png", "verify-not-genuine.png"):
        assert 5_000 < (shots / shot).stat().st_size < 200_000


WALLET_SHOTS = ("holding-asked.png", "holding-sign.png", "holding-presented.png", "my-certificates.png")


def test_a_holder_proves_it_with_a_wallet_on_a_phone(served, issued, kp, node_web3, tmp_path):
    """The verifier asks, the holder opens the link on a phone whose wallet (a test EIP-1193
    provider found through EIP-6963, signing with an anvil development key) signs, and the
    verifier's page turns; then a wrong wallet is refused; then the holder sees their certificates."""
    pytest.importorskip("siwe", reason="kp-certificates[holding] is not installed (web3 7 only)")
    shots = Path(os.environ.get("KP_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    token_id = kp.ok("show", issued.genuine, "--json").json()["token_id"]
    sign_link = {"tab": "verifier", "selector": "#sign-link"}
    seen = browse(
        [
            {
                "name": "asked",
                "tab": "verifier",
                "url": f"{served}/certificates/{token_id}",
                "submit": "#ask-holder button",
                "waitFor": "#qr svg",
                "screenshot": str(shots / "holding-asked.png"),
            },
            {
                "name": "holder",
                "tab": "holder",
                "urlFrom": sign_link,
                "waitFor": "#wallets button",
                "screenshot": str(shots / "holding-sign.png"),
            },
            {
                "name": "signed",
                "tab": "holder",
                "click": "#wallets button",
                "waitFor": "#holding[data-state=presented]",
            },
            {
                "name": "turned",
                "tab": "verifier",
                "waitFor": "#holding[data-state=presented]",
                "screenshot": str(shots / "holding-presented.png"),
            },
            {"name": "asked again", "tab": "verifier", "submit": "#ask-again button", "waitFor": "#qr svg"},
            {
                "name": "wrong wallet",
                "tab": "holder",
                "urlFrom": sign_link,
                "wallet": AE_KEY.address,
                "click": "#wallets button",
                "waitFor": "#holding[data-state=refused]",
            },
            {"name": "refused", "tab": "verifier", "waitFor": "#holding[data-state=refused]"},
            {
                "name": "mine",
                "tab": "holder",
                "url": f"{served}/holders",
                "wallet": HOLDER.address,
                "click": "#wallets button",
                "waitFor": "dl.held",
                "screenshot": str(shots / "my-certificates.png"),
            },
        ],
        wallet={"name": "Test wallet", "address": HOLDER.address, "rpc": node_web3.provider.endpoint_uri},
    )
    assert (seen["asked"]["banner"], seen["asked"]["tone"]) == ("WAITING FOR THE HOLDER", "waiting")
    assert seen["holder"]["banner"] == "PROVE YOU HOLD IT"
    for name in ("signed", "turned"):
        page = seen[name]
        assert (page["banner"], page["tone"], page["background"]) == (
            "PRESENTED BY ITS HOLDER",
            "presented",
            COLOURS["genuine"],
        ), page
        assert page["reasons"][0].startswith(
            f"{HOLDER.address} holds it and signed the challenge for 127.0.0.1:"
        )
    assert seen["turned"]["signer"] == HOLDER.address
    for name in ("wrong wallet", "refused"):
        assert (seen[name]["banner"], seen[name]["tone"]) == ("REFUSED", "refused"), seen[name]
        assert seen[name]["reasons"] == [
            f"{AE_KEY.address} signed, but {issued.genuine} is held by {HOLDER.address}"
        ]
    mine = seen["mine"]
    assert mine["url"] == f"{served}/holders/{HOLDER.address}"
    assert sorted(mine["held"]) == [issued.genuine, issued.voided, issued.expired]
    assert not any(page["overflow"] for page in seen.values()), [n for n, p in seen.items() if p["overflow"]]
    for shot in WALLET_SHOTS:
        assert 5_000 < (shots / shot).stat().st_size < 200_000


def test_without_a_wallet_the_pages_say_so(served, issued, kp):
    pytest.importorskip("siwe", reason="kp-certificates[holding] is not installed (web3 7 only)")
    seen = browse(
        [
            {"name": "mine", "url": f"{served}/holders", "waitFor": "#wallet-status:not(:empty)"},
            {
                "name": "typed",
                "url": f"{served}/holders",
                "fill": {"#address": HOLDER.address},
                "submit": "#connect button[type=submit]",
            },
            {
                "name": "asked",
                "url": f"{served}/verify?number={issued.genuine}",
                "submit": "#ask-holder button",
            },
            {
                "name": "holder",
                "urlFrom": {"tab": "main", "selector": "#sign-link"},
                "waitFor": "#wallet-status:has-text('No wallet')",
            },
        ]
    )
    assert seen["mine"]["walletStatus"] == "No wallet found in this browser: type your wallet's address."
    assert sorted(seen["typed"]["held"]) == [issued.genuine, issued.voided, issued.expired]
    assert seen["holder"]["walletStatus"] == (
        "No wallet found in this browser: open this link in your wallet's own browser."
    )
