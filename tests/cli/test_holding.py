"""Proof of holding: `kp challenge` (the verifier), `kp prove` (the holder), `kp verify NUMBER
--presentation FILE` (the verifier, once), and the library under them (kp_py/holding.py), on anvil:
end to end with an EOA and an ERC-1271 contract wallet, and each refusal with its reason."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from kp_py._build import compile_contracts
from kp_py._tx import Sender
from kp_py.holding import (
    Challenge,
    NonceStore,
    Presentation,
    check_presentation,
    make_challenge,
    sign_challenge,
)
from kp_py.keys import dev_account
from kp_py.network import connect
from tests.cli.conftest import AE, HOLDER

pytestmark = pytest.mark.anvil
# The `holding` extra installs beside web3 7 only (siwe declares web3<8): elsewhere, nothing to test.
pytest.importorskip("siwe", reason="kp-certificates[holding] is not installed (web3 7 only)")
NUMBER = "AE-2024-000123"
STRANGER = dev_account(4)


@pytest.fixture
def issued(kp, write_document):
    kp.ok("issue", str(write_document(number=NUMBER)), *AE)
    return NUMBER


@pytest.fixture
def library(kp, cli_home):
    """The library on the test node, read only (the verifier's side)."""
    return connect(None, home=cli_home)


@pytest.fixture
def nonces(cli_home):
    return NonceStore(cli_home / "holding")


def challenge_file(kp, *extra: str) -> Challenge:
    kp.ok("challenge", NUMBER, "--domain", "kp.example", "--out", "challenge.json", *extra)
    return Challenge.from_json((kp.folder / "challenge.json").read_text())


# ---------------------------------------------------------------------- end to end, the CLI


@pytest.mark.parametrize("signer", ["dev", "key-env"])
def test_a_holder_proves_it_and_the_verifier_accepts_it_once(kp, issued, signer):
    asked = challenge_file(kp)
    assert asked.domain == "kp.example" and asked.uri == "https://kp.example/" and asked.chain_id == 31337
    key = ("--dev", "3") if signer == "dev" else ("--key-env", "HOLDER_KEY")
    env = {"HOLDER_KEY": HOLDER.key.hex()}
    kp.ok("prove", NUMBER, "--challenge", "challenge.json", "--out", "presentation.json", *key, env=env)
    message = json.loads((kp.folder / "presentation.json").read_text())["message"]
    assert message.startswith(
        f"kp.example wants you to sign in with your Ethereum account:\n{HOLDER.address}"
    )
    assert f"Nonce: {asked.nonce}" in message and f"urn:kp:certificate:{NUMBER}" in message

    told = kp.ok("verify", NUMBER, "--presentation", "presentation.json", "--challenge", "challenge.json")
    assert told.out.startswith(f"{NUMBER}: presented by its holder: {HOLDER.address} holds it and signed")
    assert f"  {NUMBER}: GENUINE (issued)" in told.out

    again = kp("verify", NUMBER, "--presentation", "presentation.json", "--json")
    assert again.code == 1
    report = again.json()
    assert report["held"] is False and report["refusal"] == "replayed"
    assert report["reason"] == f"the challenge with nonce {asked.nonce} was already answered: ask anew"


def test_the_json_says_who_holds_it(kp, issued):
    challenge_file(kp)
    kp.ok("prove", NUMBER, "--challenge", "challenge.json", "--out", "p.json", "--dev", "3")
    report = kp.ok("verify", NUMBER, "--presentation", "p.json", "--json").json()
    assert report["held"] is True and report["verdict"] == "presented by its holder"
    assert report["signer"] == HOLDER.address and report["verification"]["verdict"] == "GENUINE"


def test_prove_refuses_a_wallet_that_does_not_hold_it(kp, issued):
    challenge_file(kp)
    line = kp.refused("prove", NUMBER, "--challenge", "challenge.json", "--out", "p.json", "--dev", "4")
    assert line == f"kp: {STRANGER.address} does not hold {NUMBER}: its holder is {HOLDER.address}"


def test_prove_refuses_a_challenge_for_another_certificate(kp, issued, write_document):
    kp.ok("issue", str(write_document("other", number="AE-2024-000124")), *AE)
    challenge_file(kp)
    line = kp.refused(
        "prove", "AE-2024-000124", "--challenge", "challenge.json", "--out", "p.json", "--dev", "3"
    )
    assert line == f"kp: challenge.json asks about {NUMBER}, not AE-2024-000124"


def test_challenge_refuses_a_number_never_issued(kp, issued):
    line = kp.refused("challenge", "AE-2024-999999", "--domain", "kp.example", "--out", "c.json")
    assert "AE-2024-999999" in line and not (kp.folder / "c.json").exists()


def test_a_challenge_signed_for_another_domain_is_refused(kp, issued):
    """The holder was shown a challenge whose domain was changed (a phishing site relaying ours)."""
    challenge_file(kp)
    data = json.loads((kp.folder / "challenge.json").read_text())
    (kp.folder / "phished.json").write_text(json.dumps({**data, "domain": "evil.example"}))
    kp.ok("prove", NUMBER, "--challenge", "phished.json", "--out", "p.json", "--dev", "3")
    result = kp("verify", NUMBER, "--presentation", "p.json")
    assert result.code == 1
    assert result.out.splitlines()[0] == (
        f"{NUMBER}: refused (wrong-domain): the message was signed for evil.example, not kp.example"
    )


def test_a_challenge_file_other_than_the_one_kept_is_refused(kp, issued):
    challenge_file(kp)
    data = json.loads((kp.folder / "challenge.json").read_text())
    kp.ok("prove", NUMBER, "--challenge", "challenge.json", "--out", "p.json", "--dev", "3")
    (kp.folder / "later.json").write_text(json.dumps({**data, "expiration_time": "2099-01-01T00:00:00Z"}))
    report = kp("verify", NUMBER, "--presentation", "p.json", "--challenge", "later.json", "--json").json()
    assert report["refusal"] == "altered"
    assert report["reason"] == f"the challenge file is not the one issued with nonce {data['nonce']}"


def test_a_voided_certificate_is_refused_through_the_cli(kp, issued):
    challenge_file(kp)
    kp.ok("prove", NUMBER, "--challenge", "challenge.json", "--out", "p.json", "--dev", "3")
    kp.ok("void", NUMBER, "--reason", "fraud", *AE)
    result = kp("verify", NUMBER, "--presentation", "p.json")
    assert result.code == 1
    assert result.out.splitlines()[0] == (
        f"{NUMBER}: refused (not-genuine): {NUMBER} is VOIDED: "
        "the certificate was voided by its exporting authority"
    )


def test_usage(kp, issued):
    challenge_file(kp)
    assert "--presentation goes alone" in kp.refused("verify", NUMBER, "--challenge", "challenge.json")
    line = kp.refused("challenge", NUMBER, "--domain", "kp.example", "--out", "c.json", "--dev", "3")
    assert line.endswith("only reads the chain: it takes no --account, --key-env or --dev")
    (kp.folder / "not.json").write_text("{}")
    assert "not a proof-of-holding presentation" in kp.refused("verify", NUMBER, "--presentation", "not.json")
    data = json.loads((kp.folder / "challenge.json").read_text())
    (kp.folder / "bad.json").write_text(json.dumps({**data, "domain": "kp.example/login"}))
    line = kp.refused("prove", NUMBER, "--challenge", "bad.json", "--out", "p.json", "--dev", "3")
    assert line == "kp: bad.json: document field 'challenge': domain: String should match pattern '^[^/?#]+$'"


# ---------------------------------------------------------------------- each refusal, the library


def answer(library, nonces, signer=HOLDER, *, now=None, **tampered):
    """A challenge kept by the verifier, answered by ``signer`` (over ``tampered`` fields)."""
    kept = make_challenge(library, NUMBER, "kp.example", now=now)
    nonces.keep(kept)
    return kept, sign_challenge(signer, replace(kept, **tampered))


def test_library_end_to_end(library, nonces, issued):
    kept, presentation = answer(library, nonces)
    result = check_presentation(library, presentation, nonces, number=NUMBER, challenge=kept)
    assert result.held and result.refusal is None and result.signer == HOLDER.address
    assert result.verification is not None and result.verification.verdict == "GENUINE"
    assert Presentation.from_json(presentation.to_json()) == presentation
    assert Challenge.from_json(kept.to_json()) == kept


@pytest.mark.parametrize(
    ("tampered", "code", "reason"),
    [
        (
            {"domain": "evil.example"},
            "wrong-domain",
            "the message was signed for evil.example, not kp.example",
        ),
        ({"chain_id": 1}, "wrong-chain", "the message was signed for chain 1, not 31337"),
        (
            {"number": "AE-2024-000124"},
            "wrong-certificate",
            "the message names another certificate than AE-2024-000123: urn:kp:certificate:AE-2024-000124",
        ),
        (
            {"expiration_time": "2099-01-01T00:00:00Z"},
            "altered",
            "the message's expiration_time differs from the challenge issued",
        ),
    ],
    ids=["wrong-domain", "wrong-chain", "wrong-certificate", "altered-expiry"],
)
def test_a_message_other_than_the_challenge_is_refused(library, nonces, issued, tampered, code, reason):
    _, presentation = answer(library, nonces, **tampered)
    result = check_presentation(library, presentation, nonces, number=NUMBER)
    assert (result.held, result.refusal, result.reason) == (False, code, reason)


def test_an_expired_challenge_is_refused(library, nonces, issued):
    past = datetime.now(timezone.utc) - timedelta(minutes=10)
    kept, presentation = answer(library, nonces, now=past)
    result = check_presentation(library, presentation, nonces)
    assert (result.refusal, result.reason) == ("expired", f"the challenge expired at {kept.expiration_time}")


def test_a_replayed_presentation_is_refused(library, nonces, issued):
    kept, presentation = answer(library, nonces)
    assert check_presentation(library, presentation, nonces).held
    again = check_presentation(library, presentation, nonces)
    assert (again.refusal, again.reason) == (
        "replayed",
        f"the challenge with nonce {kept.nonce} was already answered: ask anew",
    )


def test_a_verifiers_folder_forgets_challenges_a_day_after_they_expire(library, issued, tmp_path):
    folder = NonceStore(tmp_path / "verifier")
    old = make_challenge(library, NUMBER, "kp.example", now=datetime.now(timezone.utc) - timedelta(days=2))
    answered = make_challenge(
        library, NUMBER, "kp.example", now=datetime.now(timezone.utc) - timedelta(days=3)
    )
    recent = make_challenge(
        library, NUMBER, "kp.example", now=datetime.now(timezone.utc) - timedelta(hours=2)
    )
    held = tmp_path / "verifier"
    (held / "taken").mkdir(parents=True)
    for path, challenge in ((f"{old.nonce}.json", old), (f"taken/{answered.nonce}.json", answered)):
        (held / path).write_text(challenge.to_json())  # kept days ago (the one answered, then taken)
    folder.keep(recent)
    (held / "stray.json").write_text("not a challenge")
    folder.keep(make_challenge(library, NUMBER, "kp.example"))  # each keep clears what is long expired
    left = sorted(
        p.relative_to(tmp_path / "verifier").as_posix() for p in (tmp_path / "verifier").rglob("*.json")
    )
    assert f"{old.nonce}.json" not in left and f"taken/{answered.nonce}.json" not in left
    assert f"{recent.nonce}.json" in left and "stray.json" in left and len(left) == 3
    assert folder.take(recent.nonce) == recent


def test_a_challenge_this_verifier_never_issued_is_refused(library, nonces, issued, tmp_path):
    _, presentation = answer(library, NonceStore(tmp_path / "another-verifier"))
    result = check_presentation(library, presentation, nonces)
    assert result.refusal == "unknown-challenge" and result.reason.startswith("no challenge with nonce ")


def test_a_signer_who_is_not_the_holder_is_refused(library, nonces, issued):
    _, presentation = answer(library, nonces, STRANGER)
    result = check_presentation(library, presentation, nonces)
    assert (result.refusal, result.reason) == (
        "not-holder",
        f"{STRANGER.address} signed, but {NUMBER} is held by {HOLDER.address}",
    )


def test_a_signature_by_another_key_is_refused(library, nonces, issued):
    kept, _ = answer(library, nonces)
    forged = sign_challenge(STRANGER, kept, wallet=HOLDER.address)  # names the holder, signed by another
    result = check_presentation(library, forged, nonces)
    assert result.refusal == "bad-signature"
    assert result.reason == f"the signature is not {HOLDER.address}'s (nor valid for it by ERC-1271)"


def test_a_voided_certificate_is_refused(kp, library, nonces, issued):
    _, presentation = answer(library, nonces)
    kp.ok("void", NUMBER, "--reason", "fraud", *AE)
    result = check_presentation(library, presentation, nonces)
    assert result.refusal == "not-genuine" and result.signer == HOLDER.address
    assert result.verification is not None and result.verification.verdict == "VOIDED"


def test_a_certificate_for_another_number_than_asked_is_refused(library, nonces, issued):
    _, presentation = answer(library, nonces)
    result = check_presentation(library, presentation, nonces, number="BW-2024-000001")
    assert (result.refusal, result.reason) == (
        "wrong-certificate",
        f"the challenge is for {NUMBER}, not BW-2024-000001",
    )


def test_a_message_that_is_not_eip_4361_is_refused(library, nonces):
    result = check_presentation(library, Presentation("hello", "0x00"), nonces)
    assert (result.refusal, result.reason) == (
        "malformed",
        "the presentation's message is not an EIP-4361 message",
    )


# ---------------------------------------------------------------------- a contract wallet (ERC-1271)


@pytest.fixture(scope="module")
def wallet_artifact():
    return compile_contracts("tests/solidity", ("HolderWallet",))["HolderWallet"]


@pytest.fixture
def contract_wallet(kp, node_web3, wallet_artifact, write_document):
    """A HolderWallet owned by the holder's key, holding AE-2024-000123."""
    from eth_abi import encode

    code = bytes.fromhex(wallet_artifact["bytecode"][2:]) + encode(["address"], [HOLDER.address])
    address = Sender(node_web3, STRANGER).deploy(code)["contractAddress"]
    kp.ok("issue", str(write_document(number=NUMBER, holder=address)), *AE)
    return address


def test_a_contract_wallet_proves_it_through_erc_1271(kp, contract_wallet):
    challenge_file(kp)
    kp.ok("prove", NUMBER, "--challenge", "challenge.json", "--out", "p.json", "--dev", "3",
          "--wallet", contract_wallet)  # fmt: skip
    told = kp.ok("verify", NUMBER, "--presentation", "p.json").out
    assert told.startswith(f"{NUMBER}: presented by its holder: {contract_wallet} holds it and signed")


def test_a_contract_wallet_refuses_a_key_it_does_not_own(library, nonces, contract_wallet):
    kept = make_challenge(library, NUMBER, "kp.example")
    nonces.keep(kept)
    result = check_presentation(library, sign_challenge(STRANGER, kept, wallet=contract_wallet), nonces)
    assert result.refusal == "bad-signature"
