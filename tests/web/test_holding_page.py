"""Proof of holding and "My certificates" on the verification page, through Flask's test client on a
real anvil node, answered with real signatures: each attack first (a wrong wallet, a replayed or
misrouted answer, a late one, a flood of challenges), then what a holder and a verifier see."""

from __future__ import annotations

import re
import time

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from flask.testing import FlaskClient
from markupsafe import escape
from werkzeug.test import TestResponse

from kp_py import web
from kp_py.network import connect
from kp_py.web import create_app
from tests.cli.conftest import AE_KEY, HOLDER

pytestmark = pytest.mark.anvil
# The `holding` extra installs beside web3 7 only (siwe declares web3<8): elsewhere, nothing to test.
pytest.importorskip("siwe", reason="kp-certificates[holding] is not installed (web3 7 only)")

HOST = "verifier.example"  # the site the challenge names, as the browser reached it


def ask(client: FlaskClient, number: str) -> str:
    """A verifier's press of "Ask the holder to prove it": the challenge's nonce."""
    response = client.post("/holding", data={"number": number}, base_url=f"https://{HOST}")
    assert response.status_code == 303, response.get_data(as_text=True)
    found = re.fullmatch(r"/holding/([A-Za-z0-9]{22})", response.headers["Location"])
    assert found, response.headers["Location"]
    return found.group(1)


def answer(
    client: FlaskClient, nonce: str, signer: LocalAccount, *, named: str | None = None
) -> TestResponse:
    """What the holder's page does with the wallet ``signer``: fetch the message for the address,
    sign it (EIP-191), post it."""
    address = named or signer.address
    message = client.get(f"/api/holding/{nonce}/message?address={address}").get_json()["message"]
    signature = signer.sign_message(encode_defunct(text=message)).signature
    return client.post(
        f"/api/holding/{nonce}", json={"message": message, "signature": "0x" + bytes(signature).hex()}
    )


def headline(response: TestResponse) -> tuple[str, str]:
    page = response.get_data(as_text=True)
    found = re.search(
        r'<section id="holding" class="banner ([a-z-]+)".*?<span class="verdict">([^<]+)<', page, re.S
    )
    assert found, page
    return found.group(2), found.group(1)


def test_the_holder_proves_it_and_the_verifiers_page_turns(client, issued):
    result = client.get(f"/verify?number={issued.genuine}").get_data(as_text=True)
    assert '<form id="ask-holder" action="/holding" method="post">' in result
    nonce = ask(client, issued.genuine)

    waiting = client.get(f"/holding/{nonce}")
    assert headline(waiting) == ("WAITING FOR THE HOLDER", "waiting")
    page = waiting.get_data(as_text=True)
    sign = f"http://localhost/holding/{nonce}/sign"  # the test client's own host for the GET
    assert f'<a id="sign-link" href="{sign}">' in page
    assert '<div id="qr" class="qr"><svg' in page and '<script src="/static/kp.js"></script>' in page
    policy = waiting.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy and "default-src 'none'" in policy
    assert client.get(f"/api/holding/{nonce}").get_json()["state"] == "waiting"

    holder_page = client.get(f"/holding/{nonce}/sign")
    assert headline(holder_page) == ("PROVE YOU HOLD IT", "asking")
    assert f"<strong>{HOST}</strong> asks you" in holder_page.get_data(as_text=True)

    message = client.get(f"/api/holding/{nonce}/message?address={HOLDER.address.lower()}").get_json()[
        "message"
    ]
    assert message.startswith(f"{HOST} wants you to sign in with your Ethereum account:\n{HOLDER.address}\n")
    assert f"\nNonce: {nonce}\n" in message and f"urn:kp:certificate:{issued.genuine}" in message

    presented = answer(client, nonce, HOLDER)
    assert presented.status_code == 200 and presented.get_json()["held"] is True, presented.get_json()
    assert presented.get_json()["verdict"] == "presented by its holder"
    state = client.get(f"/api/holding/{nonce}").get_json()
    assert state["state"] == "presented" and state["answer"]["signer"] == HOLDER.address
    turned = client.get(f"/holding/{nonce}")
    assert headline(turned) == ("PRESENTED BY ITS HOLDER", "presented")
    assert f'<dd id="signer">{HOLDER.address}</dd>' in turned.get_data(as_text=True)
    assert headline(client.get(f"/holding/{nonce}/sign")) == ("PRESENTED BY ITS HOLDER", "presented")


def test_a_wrong_wallet_is_refused_and_its_answer_stands(client, issued):
    nonce = ask(client, issued.genuine)
    stranger = answer(client, nonce, AE_KEY)  # the exporter's key, not the holder's wallet
    assert stranger.get_json()["held"] is False and stranger.get_json()["refusal"] == "not-holder"
    assert headline(client.get(f"/holding/{nonce}")) == ("REFUSED", "refused")
    assert f"but {issued.genuine} is held by {HOLDER.address}" in client.get(f"/holding/{nonce}").get_data(
        as_text=True
    )
    # The first answer stands: the holder answering after a refusal needs a new challenge.
    late = answer(client, nonce, HOLDER)
    assert (
        late.status_code == 409
        and late.get_json()["error"] == f"challenge {nonce} was already answered: refused"
    )


def test_an_answer_is_taken_once(client, issued):
    nonce = ask(client, issued.genuine)
    message = client.get(f"/api/holding/{nonce}/message?address={HOLDER.address}").get_json()["message"]
    signature = "0x" + bytes(HOLDER.sign_message(encode_defunct(text=message)).signature).hex()
    assert client.post(f"/api/holding/{nonce}", json={"message": message, "signature": signature}).get_json()[
        "held"
    ]
    replay = client.post(f"/api/holding/{nonce}", json={"message": message, "signature": signature})
    assert replay.status_code == 409
    assert (
        client.get(f"/api/holding/{nonce}").get_json()["answer"]["held"] is True
    )  # the replay changed nothing


def test_an_answer_to_another_challenge_is_refused_without_spending_either(client, issued):
    first, second = ask(client, issued.genuine), ask(client, issued.genuine)
    message = client.get(f"/api/holding/{second}/message?address={HOLDER.address}").get_json()["message"]
    signature = "0x" + bytes(HOLDER.sign_message(encode_defunct(text=message)).signature).hex()
    misrouted = client.post(f"/api/holding/{first}", json={"message": message, "signature": signature})
    assert (
        misrouted.status_code == 400
        and misrouted.get_json()["error"] == f"the message does not answer challenge {first}"
    )
    assert client.get(f"/api/holding/{first}").get_json()["state"] == "waiting"
    assert client.post(
        f"/api/holding/{second}", json={"message": message, "signature": signature}
    ).get_json()["held"]
    assert answer(client, first, HOLDER).get_json()["held"]


def test_a_forged_signature_or_a_wallet_signing_for_the_holder_is_refused(client, issued):
    nonce = ask(client, issued.genuine)
    claimed = answer(client, nonce, Account.create(), named=HOLDER.address)  # says it is the holder
    assert claimed.get_json()["refusal"] == "bad-signature", claimed.get_json()
    garbled = ask(client, issued.genuine)
    message = client.get(f"/api/holding/{garbled}/message?address={HOLDER.address}").get_json()["message"]
    bad = client.post(f"/api/holding/{garbled}", json={"message": message, "signature": "0x" + "00" * 65})
    assert bad.get_json()["refusal"] == "bad-signature"


def test_a_voided_certificate_cannot_be_presented_and_is_not_offered(client, issued):
    page = client.get(f"/verify?number={issued.voided}").get_data(as_text=True)
    assert 'id="ask-holder"' not in page
    nonce = ask(client, issued.voided)  # a verifier may still ask (a page open from before the void)
    refused = answer(client, nonce, HOLDER)
    assert refused.get_json()["refusal"] == "not-genuine" and "VOIDED" in refused.get_json()["reason"]


def test_a_late_answer_is_refused_as_expired(kp, issued):
    client = create_app(connect(home=kp.home), lifetime=1).test_client()
    nonce = ask(client, issued.genuine)
    time.sleep(1.2)
    assert client.get(f"/api/holding/{nonce}").get_json()["state"] == "expired"
    assert headline(client.get(f"/holding/{nonce}")) == ("NO ANSWER", "expired")
    late = answer(client, nonce, HOLDER)
    assert late.get_json()["refusal"] == "expired"


def test_kp_serve_refuses_a_lifetime_of_nothing(kp):
    failed = kp("serve", "--lifetime", "0")
    assert failed.code != 0 and "a holder needs time to answer: a lifetime of 0 s is none" in failed.err


@pytest.mark.parametrize(
    "request_, status, message",
    [
        (
            ("post", "/holding", {"data": {"number": "AE-2024-999999"}}),
            400,
            "AE-2024-999999: no certificate has this number",
        ),
        (
            ("post", "/holding", {"data": {"number": "<b>"}}),
            400,
            "'<b>' is not a certificate number (like AE-2024-000123) or a token id",
        ),
        (
            ("get", "/api/holding/NoSuchNonce123", {}),
            404,
            "this page holds no such challenge (or it expired an hour ago): ask the holder anew",
        ),
        (("get", "/api/holding/../../etc", {}), 404, None),
        (("post", "/api/holding/NoSuchNonce123", {"json": {"message": "x", "signature": "0x"}}), 404, None),
    ],
    ids=["unknown number", "not a number", "unknown nonce", "path", "answer to nothing"],
)
def test_hostile_requests_get_one_line(client, issued, request_, status, message):
    method, path, options = request_
    response = getattr(client, method)(path, **options)
    assert response.status_code == status
    if message is not None:
        if path.startswith("/api/"):
            assert response.get_json()["error"] == message
        else:
            assert str(escape(message)) in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "body, message",
    [
        ("not json", 'send the answer as JSON: {"message": ..., "signature": ...}'),
        ([1, 2], 'send the answer as JSON: {"message": ..., "signature": ...}'),
        ({"message": 5, "signature": "0x"}, "the answer needs a message and a signature, as text"),
    ],
)
def test_a_malformed_answer_spends_nothing(client, issued, body, message):
    nonce = ask(client, issued.genuine)
    options = {"data": body} if isinstance(body, str) else {"json": body}
    response = client.post(f"/api/holding/{nonce}", **options)
    assert (response.status_code, response.get_json()["error"]) == (400, message)
    assert answer(client, nonce, HOLDER).get_json()["held"]


def test_a_flood_of_challenges_is_refused_past_the_limit(client, issued, monkeypatch):
    monkeypatch.setattr(web, "OPEN_CHALLENGES", 2)
    ask(client, issued.genuine), ask(client, issued.genuine)
    flood = client.post("/holding", data={"number": issued.genuine})
    assert flood.status_code == 503 and "too many challenges are open" in flood.get_data(as_text=True)


def test_my_certificates_lists_what_a_wallet_holds(client, issued, kp):
    page = client.get(f"/holders/{HOLDER.address.lower()}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and f"Held by <strong>{HOLDER.address}</strong>: 3 certificates." in text
    listed = kp.ok("list", "--holder", HOLDER.address, "--json").json()
    for row in listed:
        assert f'<a href="/certificates/{row["token_id"]}">{row["number"]}</a>' in text
    for label in ("Status", "Route", "Carat weight", "Last day of validity"):
        assert text.count(f"<dt>{label}</dt>") == 3
    assert "<dd>voided</dd>" in text and "<dd>expired</dd>" in text and "<dd>AE -&gt; BW</dd>" in text
    api = client.get(f"/api/holders/{HOLDER.address}/certificates").get_json()
    assert [row["number"] for row in api["certificates"]] == [row["number"] for row in listed]
    nobody = client.get(f"/holders/{AE_KEY.address}").get_data(as_text=True)
    assert f"Held by <strong>{AE_KEY.address}</strong>: 0 certificates." in nobody
    typed = client.get(f"/holders?address={HOLDER.address}")
    assert typed.status_code == 303 and typed.headers["Location"] == f"/holders/{HOLDER.address}"
    form = client.get("/holders").get_data(as_text=True)
    assert '<form id="connect" data-kp="connect" action="/holders" method="get">' in form


@pytest.mark.parametrize("address", ["0x123", "not an address", "0x" + "G" * 40, HOLDER.address[:-1] + "x"])
def test_a_bad_wallet_address_gets_one_line(client, address):
    response = client.get(f"/api/holders/{address}/certificates")
    assert response.status_code == 400
    assert (
        response.get_json()["error"] == f"{address!r} is not a wallet address (0x and 40 hexadecimal digits)"
    )


def test_the_one_script_is_kps_own(client):
    script = client.get("/static/kp.js")
    assert script.status_code == 200 and script.mimetype in {"text/javascript", "application/javascript"}
    source = script.get_data(as_text=True)
    assert "eip6963:requestProvider" in source and "personal_sign" in source
    assert not re.search(r"https?://", source)  # talks to this server and the wallet only
    assert "innerHTML" not in source and "eval(" not in source
