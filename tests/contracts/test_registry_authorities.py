"""KPRegistry: authority keys added, rotated, retired and disabled, and what validity means."""

import pytest

from kp_py._revert import reverts as decoding
from kp_py.errors import timestamp
from tests.conftest import DAY, OPEN_END, code, production, reverts


def test_add_authority_with_a_window(enrol, accounts, kp, registry, chain):
    start = chain.pending_time() + DAY
    receipt = enrol(accounts[0].address, "BW", start, start + 365 * DAY, by=accounts.bw)
    (event,) = registry.events.AuthorityAdded().process_receipt(receipt)
    args = event.args
    assert (args.authority, args.participant, args.validFrom, args.validUntil) == (
        accounts[0].address,
        code("BW"),
        start,
        start + 365 * DAY,
    )
    key = kp.authority(accounts[0].address)
    assert (key.participant, key.valid_from, key.valid_until) == (
        "BW",
        timestamp(start),
        timestamp(start + 365 * DAY),
    )


def test_keys_are_numbered_per_participant(enrol, accounts, registry):
    """A certificate names its issuer by this number, in 16 bits."""
    receipt = enrol(accounts[0].address, "AE", by=accounts.ae)
    (event,) = registry.events.AuthorityAdded().process_receipt(receipt)
    assert event.args.index == 1  # the AE key of the fixture is number 0
    assert registry.functions.authorityAt(code("AE"), 0).call() == accounts.ae.address
    assert registry.functions.authorityAt(code("AE"), 1).call() == accounts[0].address
    assert registry.functions.authorityWindowAt(code("AE"), 1).call() == [accounts[0].address, OPEN_END]
    assert tuple(registry.functions.participant(code("AE")).call())[2] == 2  # keyCount
    with reverts("UnknownAuthorityIndex", code("AE"), 2), decoding():
        registry.functions.authorityAt(code("AE"), 2).call()


def test_a_start_in_the_past_counts_as_now(enrol, accounts, registry, chain):
    """A key cannot have been valid before it was registered (or accepted)."""
    chain.pending_time()
    receipt = enrol(accounts[0].address, "BW", valid_from=0, by=accounts.bw)
    now = chain.time()
    (event,) = registry.events.AuthorityAdded().process_receipt(receipt)
    assert (event.args.validFrom, event.args.validUntil) == (now, OPEN_END)


def test_add_authority_refusals(as_, accounts, chain):
    secretariat = as_(accounts.secretariat)
    zero = "0x" + "00" * 20
    with reverts("InvalidAuthorityAddress", zero):
        secretariat.add_authority(zero, "BW", by_proposal=False)
    with reverts("UnknownParticipant", code("ZZ")):
        secretariat.add_authority(accounts[0].address, "ZZ", by_proposal=False)
    with reverts("AuthorityExists", accounts.ae.address, code("AE")):
        secretariat.add_authority(accounts.ae.address, "BW")
    later = chain.pending_time() + DAY
    with reverts("InvalidValidity", later, later):
        secretariat.add_authority(accounts[0].address, "BW", later, later, by_proposal=False)
    as_(accounts.chair).withdraw("CF")
    with reverts("ParticipantNotAdmitted", code("CF"), 3):
        secretariat.add_authority(accounts[0].address, "CF", by_proposal=False)


def test_a_key_is_never_reused_even_after_it_was_disabled(as_, accounts, chain):
    """Otherwise re-adding a disabled key would revalidate what it signed while disabled."""
    secretariat = as_(accounts.secretariat)
    secretariat.disable_authority(accounts.ae.address, chain.time() - DAY)
    with reverts("AuthorityExists", accounts.ae.address, code("AE")):
        secretariat.add_authority(accounts.ae.address, "AE")


def test_rotation_keeps_past_certificates_valid(as_, accounts, kp, registry, chain, make_document):
    officer = as_(accounts.ae)
    officer.issue(make_document(number="AE-OLD-1"))
    at = chain.pending_time() + DAY
    receipt = as_(accounts.secretariat).rotate_authority(accounts.ae.address, accounts[0].address, at)
    (retired,) = registry.events.AuthorityRetired().process_receipt(receipt)
    (proposed,) = registry.events.AuthorityProposed().process_receipt(receipt)
    assert (proposed.args.authority, proposed.args.validFrom) == (accounts[0].address, at)
    (added,) = registry.events.AuthorityAdded().process_receipt(officer.accept_authority(accounts[0].address))
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
    with reverts(
        "AuthorityNotValid", accounts.ae.address, code("AE"), registry_valid_from(registry, accounts.ae), at
    ):
        officer.issue(make_document(number="AE-OLD-2"))
    assert kp.verify("AE-OLD-1").genuine
    assert kp.verify("AE-NEW-1").genuine


def registry_valid_from(registry, account):
    return registry.functions.authority(account.address).call()[3]


def test_retire_now_means_the_next_second(as_, accounts, registry, chain, make_document):
    """A key retired at the current second would invalidate what it issued in that second."""
    as_(accounts.ae).issue(make_document(number="AE-LAST"))
    next_second = chain.pending_time() + 1
    receipt = as_(accounts.secretariat).retire_authority(accounts.ae.address)
    (event,) = registry.events.AuthorityRetired().process_receipt(receipt)
    assert (event.args.authority, event.args.participant, event.args.validUntil) == (
        accounts.ae.address,
        code("AE"),
        next_second,
    )
    assert as_(accounts.ae).verify("AE-LAST").genuine


def test_rotation_and_retirement_cannot_reach_into_the_past(as_, accounts, chain):
    secretariat = as_(accounts.secretariat)
    now = chain.pending_time()
    for at in (now - DAY, now):
        with reverts("InvalidValidityEnd", accounts.ae.address, at, now + 1, OPEN_END):
            secretariat.retire_authority(accounts.ae.address, at)
        with reverts("InvalidValidityEnd", accounts.ae.address, at, now + 1, OPEN_END):
            secretariat.rotate_authority(accounts.ae.address, accounts[0].address, at)
    with reverts("UnknownAuthority", accounts[0].address):
        secretariat.rotate_authority(accounts[0].address, accounts[1].address, now + DAY)
    with reverts("AuthorityExists", accounts.bw.address, code("BW")):
        secretariat.rotate_authority(accounts.ae.address, accounts.bw.address, now + DAY)


def test_a_window_is_only_ever_shortened(as_, accounts, chain):
    secretariat = as_(accounts.secretariat)
    at = chain.pending_time() + DAY
    secretariat.retire_authority(accounts.ae.address, at)
    with reverts("InvalidValidityEnd", accounts.ae.address, at + 1, chain.pending_time() + 1, at):
        secretariat.retire_authority(accounts.ae.address, at + 1)
    with reverts("InvalidValidityEnd", accounts.ae.address, at + 1, 0, at):
        secretariat.disable_authority(accounts.ae.address, at + 1)


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
    # Receipt can still be recorded (the goods arrived), but the certificate stays invalid.
    as_(accounts.bw).confirm_receipt("AE-STOLEN")
    assert kp.verify("AE-STOLEN").problems == ("issuer-disabled",)
    valid_from = registry_valid_from(registry, accounts.ae)
    with reverts("AuthorityNotValid", accounts.ae.address, code("AE"), valid_from, compromised_at):
        officer.issue(make_document(number="AE-AFTER"))


def test_disable_refusals(as_, accounts, chain):
    with reverts("UnknownAuthority", accounts[0].address):
        as_(accounts.secretariat).disable_authority(accounts[0].address, chain.time())


def test_keys_lapse_when_the_participant_withdraws(as_, accounts, kp, make_document, decide):
    """A readmitted participant starts with new keys: the old regime's do not come back."""
    as_(accounts.ae).issue(make_document(number="AE-1"))
    chair = as_(accounts.chair)
    chair.withdraw("AE")
    with reverts("ParticipantNotAdmitted", code("AE"), 3):
        as_(accounts.ae).void("AE-1", "lost")
    decide(chair.admit("AE", "United Arab Emirates"))
    with reverts("AuthorityLapsed", accounts.ae.address, code("AE")):
        as_(accounts.ae).issue(make_document(number="AE-2"))
    # AE has no valid key left: the plenary gives it one
    decide(as_(accounts.secretariat).add_authority(accounts[0].address, "AE", by_proposal=True))
    as_(accounts[0]).issue(make_document(number="AE-2"))
    assert kp.verify("AE-1").genuine  # issued honestly before the withdrawal


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
    with reverts("NotAuthorityOf", accounts.ae.address, code("BW"), code("AE")), decoding():
        registry.functions.checkAuthority(accounts.ae.address, code("BW")).call()


def test_the_secretariat_alone_cannot_give_a_key_that_issues_for_a_participant(
    as_, accounts, kp, registry, make_document, chain
):
    """Audit finding: the secretariat alone could register a key for any participant and issue a
    genuine-verifying certificate with it. A participant's keys after its first need its consent."""
    thief = accounts[0]
    receipt = as_(accounts.secretariat).add_authority(thief.address, "AE")
    (proposed,) = registry.events.AuthorityProposed().process_receipt(receipt)
    assert (proposed.args.authority, proposed.args.participant) == (thief.address, code("AE"))
    assert kp.pending_authority(thief.address)[0] == "AE"
    with reverts("UnknownAuthority", thief.address):
        as_(thief).issue(make_document(number="AE-THIEF-1"))
    as_(accounts.secretariat).rotate_authority(
        accounts.ae.address, accounts[1].address, chain.pending_time() + DAY
    )
    with reverts("UnknownAuthority", accounts[1].address):  # a rotation proposes its successor too
        as_(accounts[1]).issue(make_document(number="AE-THIEF-2"))


def test_only_the_participant_consents_to_its_key(as_, accounts, registry, make_document):
    key = accounts[0].address
    with reverts("NoPendingAuthority", key):
        as_(accounts.ae).accept_authority(key)
    as_(accounts.secretariat).add_authority(key, "AE")
    with reverts("UnknownAuthority", accounts.stranger.address):
        as_(accounts.stranger).accept_authority(key)
    with reverts("UnknownAuthority", accounts.secretariat.address):
        as_(accounts.secretariat).accept_authority(key)
    with reverts("NotAuthorityOf", accounts.bw.address, code("AE"), code("BW")):
        as_(accounts.bw).accept_authority(key)
    with reverts("UnknownAuthority", accounts.chair.address):  # the Chair cannot stand in
        as_(accounts.chair).accept_authority(key)
    receipt = as_(accounts.ae).accept_authority(key)
    (accepted,) = registry.events.AuthorityAccepted().process_receipt(receipt)
    assert (accepted.args.authority, accepted.args.participant, accepted.args.by) == (
        key,
        code("AE"),
        accounts.ae.address,
    )
    (added,) = registry.events.AuthorityAdded().process_receipt(receipt)
    assert added.args.index == 1
    as_(accounts[0]).issue(make_document(number="AE-NEW-1"))
    with reverts("NoPendingAuthority", key):
        as_(accounts.ae).accept_authority(key)


def test_a_participant_left_without_a_valid_key_gets_one_through_the_plenary(
    as_, accounts, chain, make_document, decide
):
    """All of AE's keys stolen and disabled: the secretariat proposes the key to the plenary, and it is
    registered once the notice period has passed with no objection."""
    as_(accounts.secretariat).disable_authority(accounts.ae.address, chain.pending_time() - DAY)
    decide(as_(accounts.secretariat).add_authority(accounts[0].address, "AE", by_proposal=True))
    as_(accounts[0]).register_production(production("AE", "STOCK-2"))  # the stolen key's lot is void
    as_(accounts[0]).issue(
        make_document(number="AE-RECOVERED-1", parents=[{"production": "STOCK-2", "origins": ["AE"]}])
    )
