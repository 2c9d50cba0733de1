"""KPRegistry: authority keys added, rotated, retired and disabled, and what validity means."""

import pytest

from kp_py.errors import timestamp
from tests.conftest import DAY, OPEN_END, code, reverts


def test_add_authority(as_, accounts, kp, registry, chain):
    now = chain.time()
    receipt = as_(accounts.secretariat).add_authority(accounts[0].address, "BW", now, now + 365 * DAY)
    (event,) = registry.events.AuthorityAdded().process_receipt(receipt)
    assert event.args.authority == accounts[0].address
    assert (event.args.participant, event.args.validFrom, event.args.validUntil) == (
        code("BW"),
        now,
        now + 365 * DAY,
    )
    key = kp.authority(accounts[0].address)
    assert (key.participant, key.valid_from, key.valid_until) == (
        "BW",
        timestamp(now),
        timestamp(now + 365 * DAY),
    )


def test_add_authority_refusals(as_, accounts, chain):
    secretariat = as_(accounts.secretariat)
    zero = "0x" + "00" * 20
    with reverts("InvalidAuthorityAddress", zero):
        secretariat.add_authority(zero, "BW")
    with reverts("UnknownParticipant", code("ZZ")):
        secretariat.add_authority(accounts[0].address, "ZZ")
    with reverts("AuthorityExists", accounts.ae.address, code("AE")):
        secretariat.add_authority(accounts.ae.address, "BW")
    with reverts("InvalidValidity", 100, 100):
        secretariat.add_authority(accounts[0].address, "BW", 100, 100)
    as_(accounts.chair).withdraw("CF")
    with reverts("ParticipantNotAdmitted", code("CF"), 3):
        secretariat.add_authority(accounts[0].address, "CF")


def test_a_key_is_never_reused_even_after_it_was_disabled(as_, accounts, chain):
    """Otherwise re-adding a disabled key would revalidate what it signed while disabled."""
    secretariat = as_(accounts.secretariat)
    secretariat.disable_authority(accounts.ae.address, chain.time() - DAY)
    with reverts("AuthorityExists", accounts.ae.address, code("AE")):
        secretariat.add_authority(accounts.ae.address, "AE")


def test_rotation_keeps_past_certificates_valid(as_, accounts, kp, registry, chain, make_document):
    officer = as_(accounts.ae)
    officer.issue(make_document(number="AE-OLD-1"))
    at = chain.time() + DAY
    receipt = as_(accounts.secretariat).rotate_authority(accounts.ae.address, accounts[0].address, at)
    (retired,) = registry.events.AuthorityRetired().process_receipt(receipt)
    (added,) = registry.events.AuthorityAdded().process_receipt(receipt)
    assert (retired.args.authority, retired.args.validUntil) == (accounts.ae.address, at)
    assert (added.args.authority, added.args.validFrom, added.args.validUntil) == (
        accounts[0].address,
        at,
        OPEN_END,
    )

    # Before `at` the new key cannot act yet; after it, the old one cannot.
    with reverts("AuthorityNotValid", accounts[0].address, code("AE"), at, OPEN_END):
        as_(accounts[0]).issue(make_document(number="AE-NEW-0"))
    chain.travel(DAY)
    as_(accounts[0]).issue(make_document(number="AE-NEW-1"))
    with reverts("AuthorityNotValid", accounts.ae.address, code("AE"), 0, at):
        officer.issue(make_document(number="AE-OLD-2"))
    assert kp.verify("AE-OLD-1").genuine
    assert kp.verify("AE-NEW-1").genuine


def test_rotation_and_retirement_cannot_reach_into_the_past(as_, accounts, chain):
    secretariat = as_(accounts.secretariat)
    past = chain.time() - DAY
    with reverts("InvalidValidityEnd", accounts.ae.address, past, chain.pending_time(), OPEN_END):
        secretariat.retire_authority(accounts.ae.address, past)
    with reverts("UnknownAuthority", accounts[0].address):
        secretariat.rotate_authority(accounts[0].address, accounts[1].address, chain.time() + DAY)
    with reverts("AuthorityExists", accounts.bw.address, code("BW")):
        secretariat.rotate_authority(accounts.ae.address, accounts.bw.address, chain.time() + DAY)


def test_retire(as_, accounts, registry, chain, make_document):
    at = chain.time() + DAY
    receipt = as_(accounts.secretariat).retire_authority(accounts.ae.address, at)
    (event,) = registry.events.AuthorityRetired().process_receipt(receipt)
    assert (event.args.authority, event.args.participant, event.args.validUntil) == (
        accounts.ae.address,
        code("AE"),
        at,
    )
    with reverts("InvalidValidityEnd", accounts.ae.address, at + 1, chain.pending_time(), at):
        as_(accounts.secretariat).retire_authority(accounts.ae.address, at + 1)


def test_disable_from_a_past_time_invalidates_only_later_certificates(
    as_, accounts, kp, registry, chain, make_document
):
    officer = as_(accounts.ae)
    officer.issue(make_document(number="AE-BEFORE"))
    chain.travel(DAY)
    compromised_at = chain.pending_time()
    chain.travel(DAY)
    officer.issue(make_document(number="AE-STOLEN"))
    receipt = as_(accounts.secretariat).disable_authority(accounts.ae.address, compromised_at)
    (event,) = registry.events.AuthorityDisabled().process_receipt(receipt)
    args = event.args
    assert (args.authority, args.participant, args["from"]) == (
        accounts.ae.address,
        code("AE"),
        compromised_at,
    )

    before, stolen = kp.verify("AE-BEFORE"), kp.verify("AE-STOLEN")
    assert before.genuine and before.certificate.issuer_valid_at_issue
    assert not stolen.genuine and not stolen.certificate.issuer_valid_at_issue
    assert any("disabled at the time of issue" in reason for reason in stolen.reasons)
    with reverts("IssuerDisabled", kp.certificate("AE-STOLEN").token_id, accounts.ae.address, compromised_at):
        as_(accounts.bw).confirm_receipt("AE-STOLEN")
    with reverts("AuthorityNotValid", accounts.ae.address, code("AE"), 0, compromised_at):
        officer.issue(make_document(number="AE-AFTER"))


def test_disable_refusals(as_, accounts, chain):
    secretariat = as_(accounts.secretariat)
    with reverts("UnknownAuthority", accounts[0].address):
        secretariat.disable_authority(accounts[0].address, chain.time())
    at = chain.time() + DAY
    secretariat.retire_authority(accounts.ae.address, at)
    with reverts("InvalidValidityEnd", accounts.ae.address, at + 1, 0, at):
        secretariat.disable_authority(accounts.ae.address, at + 1)


@pytest.mark.parametrize("caller", ["stranger", "chair", "admin", "ae"])
@pytest.mark.parametrize(
    "call",
    [
        lambda kp, a: kp.add_authority(a.stranger.address, "BW"),
        lambda kp, a: kp.rotate_authority(a.ae.address, a.stranger.address),
        lambda kp, a: kp.retire_authority(a.ae.address),
        lambda kp, a: kp.disable_authority(a.ae.address, 0),
    ],
    ids=["addAuthority", "rotateAuthority", "retireAuthority", "disableAuthority"],
)
def test_only_the_secretariat_manages_keys(as_, accounts, registry, caller, call):
    account = getattr(accounts, caller)
    role = registry.functions.SECRETARIAT_ROLE().call()
    with reverts("AccessControlUnauthorizedAccount", account.address, role):
        call(as_(account), accounts)


def test_check_authority_view(registry, accounts):
    registry.functions.checkAuthority(accounts.ae.address, code("AE")).call()  # valid: no revert
    with reverts("NotAuthorityOf", accounts.ae.address, code("BW"), code("AE")):
        from kp_py.client import reverts as decoding

        with decoding():
            registry.functions.checkAuthority(accounts.ae.address, code("BW")).call()
