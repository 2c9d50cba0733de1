"""KPPlenary, attack first: a stolen Chair or secretariat key alone lets nobody in, not before a
notice period free of objection, and not at all once one participant objects; every refusal is
exact. Then what still works: shut-outs at once, batches all or nothing, the Chair changing hands."""

from __future__ import annotations

import pytest
from eth_utils import keccak

from kp_py._abi import encode_deploy
from kp_py._tx import Sender
from kp_py.client import check_notice_period
from kp_py.errors import KPError
from kp_py.plenary import EXECUTION_WINDOW, decision
from kp_py.records import seconds
from tests.conftest import NOTICE, OPEN_END, advance_to, b32, code, reverts

CHAIR_ROLE = keccak(b"CHAIR_ROLE")
SECRETARIAT_ROLE = keccak(b"SECRETARIAT_ROLE")
ADMIT_UZ = decision("admit", code("UZ"), "Uzbekistan")
EXECUTED, WITHDRAWN = 4, 2


def selector(call: bytes) -> bytes:
    return call[:4]


@pytest.fixture
def plenary(deployed):
    return deployed.plenary


@pytest.fixture
def front(accounts):
    """The key a thief would give its front 'participant'."""
    return accounts[0]


# ------------------------------------------------------------------ 1. direct calls


@pytest.mark.parametrize(
    "call",
    [
        decision("admit", code("UZ"), "Uzbekistan"),
        decision("reinstate", code("CF")),
        decision("liftEmbargo", code("CF"), 0),
    ],
    ids=["admit", "reinstate", "liftEmbargo"],
)
def test_a_stolen_chair_key_cannot_let_anyone_in_directly(accounts, registry, call):
    with reverts("DecisionNeedsProposal", selector(call)):
        Sender(registry.w3, accounts.chair).send(registry.address, call)


def test_the_chair_cannot_loosen_an_embargo_directly(as_, accounts, send, registry, chain):
    since = chain.pending_time() - 1
    as_(accounts.chair).set_embargo("CF", "exports", since, zones=["CF/Berberati"])
    call = registry.functions.setEmbargo(code("CF"), 0, since, 0, [b32("CF/Berberati"), b32("CF/Carnot")])
    with reverts("DecisionNeedsProposal", bytes.fromhex(call.selector[2:])):
        send(accounts.chair, call)
    later = registry.functions.setEmbargo(code("CF"), 0, since + 10 * NOTICE, 0, [b32("CF/Berberati")])
    with reverts("DecisionNeedsProposal", bytes.fromhex(call.selector[2:])):
        send(accounts.chair, later)
    ending = registry.functions.setEmbargo(code("CF"), 0, since, since + NOTICE, [b32("CF/Berberati")])
    with reverts("DecisionNeedsProposal", bytes.fromhex(call.selector[2:])):
        send(accounts.chair, ending)


def test_the_admin_cannot_grant_a_role_or_hand_over_directly(accounts, send, registry):
    grant = registry.functions.grantRole(CHAIR_ROLE, accounts.stranger.address)
    with reverts("DecisionNeedsProposal", bytes.fromhex(grant.selector[2:])):
        send(accounts.admin, grant)
    handover = registry.functions.beginDefaultAdminTransfer(accounts.stranger.address)
    with reverts("DecisionNeedsProposal", bytes.fromhex(handover.selector[2:])):
        send(accounts.admin, handover)


# ------------------------------------------------------------------ 2. stolen secretariat key


def test_a_stolen_secretariat_key_cannot_give_a_working_key(as_, accounts, kp, front, make_document):
    as_(accounts.secretariat).add_authority(front.address, "AE", by_proposal=False)
    assert kp.pending_authority(front.address)[0] == "AE"
    with reverts("UnknownAuthority", front.address):
        as_(front).issue(make_document(number="AE-2024-000999"))
    with reverts("UnknownAuthority", accounts.chair.address):
        as_(accounts.chair).accept_authority(front.address)  # no Chair fallback any more


def test_each_role_proposes_only_its_own_decisions(as_, accounts, front):
    with reverts("AccessControlUnauthorizedAccount", accounts.secretariat.address, CHAIR_ROLE):
        as_(accounts.secretariat).propose([ADMIT_UZ])
    key = decision("addAuthority", front.address, code("CF"), 0, OPEN_END)
    with reverts("AccessControlUnauthorizedAccount", accounts.chair.address, SECRETARIAT_ROLE):
        as_(accounts.chair).propose([key])
    with reverts("AccessControlUnauthorizedAccount", accounts.stranger.address, bytes(32)):
        as_(accounts.stranger).propose([decision("grantRole", CHAIR_ROLE, accounts.stranger.address)])


# ------------------------------------------------------------------ 3. execution


def test_a_proposal_takes_effect_at_its_ready_time_not_a_second_before(as_, accounts, kp, registry, chain):
    proposal = as_(accounts.chair).admit("UZ", "Uzbekistan")
    ready = seconds(proposal.ready_at)
    assert proposal.state == "pending" and proposal.decisions == ("admit UZ (Uzbekistan)",)
    chain.tester.time_travel(ready - 1)
    with reverts("ProposalNotReady", proposal.id, ready):
        as_(accounts.stranger).execute(proposal.id)
    assert kp.participant("UZ").standing == "none"
    chain.tester.time_travel(ready)
    receipt = as_(accounts.stranger).execute(proposal.id)
    assert registry.events.ParticipantAdmitted().process_receipt(receipt)[0].args.code == code("UZ")
    assert kp.participant("UZ").standing == "admitted"
    assert kp.proposal(proposal.id).state == "executed"
    with reverts("ProposalClosed", proposal.id, EXECUTED):
        as_(accounts.stranger).execute(proposal.id)


def test_a_withdrawn_proposal_is_never_executed(as_, accounts, kp):
    proposal = as_(accounts.chair).admit("UZ", "Uzbekistan")
    as_(accounts.chair).withdraw_proposal(proposal.id)
    advance_to(kp.w3, seconds(proposal.ready_at))
    with reverts("ProposalClosed", proposal.id, WITHDRAWN):
        as_(accounts.stranger).execute(proposal.id)
    assert kp.proposal(proposal.id).state == "withdrawn"


def test_one_objection_blocks_a_stolen_chair_keys_admission_for_good(as_, accounts, kp, plenary):
    proposal = as_(accounts.chair).admit("ZZ", "Front Republic")
    receipt = as_(accounts.bw).object_to(proposal.id)
    (event,) = plenary.events.ProposalObjected().process_receipt(receipt)
    assert (event.args.id, event.args.participant, event.args.authority) == (
        proposal.id,
        code("BW"),
        accounts.bw.address,
    )
    advance_to(kp.w3, seconds(proposal.ready_at))
    with reverts("ProposalBlocked", proposal.id, code("BW")):
        as_(accounts.stranger).execute(proposal.id)
    assert kp.participant("ZZ").standing == "none"
    assert (kp.proposal(proposal.id).state, kp.proposal(proposal.id).objector) == ("objected", "BW")


def test_execution_with_other_calls_or_too_late_is_refused(as_, accounts, kp, send, plenary):
    proposal = as_(accounts.chair).admit("UZ", "Uzbekistan")
    ready = seconds(proposal.ready_at)
    advance_to(kp.w3, ready)
    other = [decision("admit", code("ZZ"), "Front Republic")]
    with reverts("ProposalCallMismatch", proposal.id):
        send(accounts.stranger, plenary.functions.execute(proposal.id, other))
    advance_to(kp.w3, ready + EXECUTION_WINDOW)
    with reverts("ProposalExpired", proposal.id, ready + EXECUTION_WINDOW):
        as_(accounts.stranger).execute(proposal.id)
    assert kp.proposal(proposal.id).state == "expired"


def test_unknown_proposal(as_, accounts):
    with reverts("UnknownProposal", 99):
        as_(accounts.bw).object_to(99)


# ------------------------------------------------------------------ 4. objections


def test_objections_end_at_the_ready_time(as_, accounts, kp):
    proposal = as_(accounts.chair).admit("UZ", "Uzbekistan")
    ready = seconds(proposal.ready_at)
    advance_to(kp.w3, ready)
    with reverts("ObjectionTooLate", proposal.id, ready):
        as_(accounts.bw).object_to(proposal.id)


def test_only_a_valid_key_of_the_participant_objects(as_, accounts, chain, registry):
    chair = as_(accounts.chair)
    proposal = chair.admit("UZ", "Uzbekistan")
    with reverts("UnknownAuthority", accounts.stranger.address):
        as_(accounts.stranger).object_to(proposal.id, "BW")
    with reverts("NotAuthorityOf", accounts.ae.address, code("BW"), code("AE")):
        as_(accounts.ae).object_to(proposal.id, "BW")
    as_(accounts.secretariat).disable_authority(accounts.eu.address, chain.pending_time() - 100)
    _, _, _, valid_from, valid_until = registry.functions.authority(accounts.eu.address).call()
    with reverts("AuthorityNotValid", accounts.eu.address, code("EU"), valid_from, valid_until):
        as_(accounts.eu).object_to(proposal.id)


def test_a_participant_withdrawn_and_readmitted_objects_only_with_a_new_key(as_, accounts, decide):
    chair = as_(accounts.chair)
    chair.withdraw("EU")
    decide(chair.admit("EU", "European Union"))
    proposal = chair.admit("UZ", "Uzbekistan")
    with reverts("AuthorityLapsed", accounts.eu.address, code("EU")):
        as_(accounts.eu).object_to(proposal.id)


def test_a_participant_long_suspended_is_not_heard(as_, accounts, kp, chain):
    chair = as_(accounts.chair)
    chair.suspend("BW")
    since = chain.time()
    advance_to(kp.w3, since + NOTICE)
    proposal = chair.admit("UZ", "Uzbekistan")
    with reverts("NotInGoodStanding", code("BW"), 2, since):
        as_(accounts.bw).object_to(proposal.id)


def test_a_chair_that_suspends_everyone_then_proposes_is_still_objected_to(as_, accounts, kp):
    chair = as_(accounts.chair)
    for participant in ("AE", "BW", "EU", "CF"):
        chair.suspend(participant)
    proposal = chair.admit("ZZ", "Front Republic")
    as_(accounts.ae).object_to(proposal.id)
    assert kp.proposal(proposal.id).objector == "AE"


# ------------------------------------------------------------------ 5. not proposable


@pytest.mark.parametrize(
    "call",
    [
        decision("suspend", code("CF"), False),
        decision("disableAuthority", "0x" + "11" * 20, 1),
        decision("grantRole", bytes(32), "0x" + "11" * 20),
        b"",
    ],
    ids=["suspend", "disableAuthority", "grant-admin", "empty"],
)
def test_only_decisions_that_let_someone_in_are_proposed(as_, accounts, call):
    with reverts("NotProposable", call[:4].ljust(4, b"\0")):
        as_(accounts.chair).propose([call])


def test_an_empty_proposal_is_refused(accounts, send, plenary):
    with reverts("EmptyProposal"):
        send(accounts.chair, plenary.functions.propose([]))


# ------------------------------------------------------------------ 6. revocation, withdrawal


def test_a_revoked_chairs_proposal_dies_with_its_role(as_, accounts, kp, send, registry):
    proposal = as_(accounts.chair).admit("ZZ", "Front Republic")
    send(accounts.admin, registry.functions.revokeRole(CHAIR_ROLE, accounts.chair.address))
    advance_to(kp.w3, seconds(proposal.ready_at))
    with reverts("ProposerLostRole", proposal.id, accounts.chair.address):
        as_(accounts.stranger).execute(proposal.id)


def test_a_stranger_cannot_withdraw(as_, accounts):
    proposal = as_(accounts.chair).admit("UZ", "Uzbekistan")
    with reverts("AccessControlUnauthorizedAccount", accounts.stranger.address, CHAIR_ROLE):
        as_(accounts.stranger).withdraw_proposal(proposal.id)
    as_(accounts.admin).withdraw_proposal(proposal.id)


# ------------------------------------------------------------------ 7. shut-outs stay immediate


def test_shut_outs_take_effect_at_once(as_, accounts, kp, send, registry, chain):
    chair = as_(accounts.chair)
    chair.suspend("CF")
    assert kp.participant("CF").standing == "suspended"
    chair.set_embargo("BW", "exports", chain.pending_time() - 1)
    assert kp.participant("BW").exports_embargo is not None
    chair.withdraw("EU")
    assert kp.participant("EU").standing == "withdrawn"
    as_(accounts.secretariat).disable_authority(accounts.ae.address, chain.pending_time() - 1)
    send(accounts.admin, registry.functions.revokeRole(SECRETARIAT_ROLE, accounts.secretariat.address))
    assert not registry.functions.hasRole(SECRETARIAT_ROLE, accounts.secretariat.address).call()


# ------------------------------------------------------------------ 8. batches


def test_a_batch_takes_effect_whole_or_not_at_all(as_, accounts, kp, decide, chain):
    chair = as_(accounts.chair)
    chair.set_embargo("CF", "exports", chain.pending_time() - 1)
    proposal = chair.propose(
        [ADMIT_UZ, decision("liftEmbargo", code("CF"), 0), decision("admit", code("UZ"), "x")]
    )
    with reverts("InvalidStandingChange", code("UZ"), 1, 1):
        decide(proposal)
    assert kp.participant("UZ").standing == "none" and kp.proposal(proposal.id).state == "ready"
    plenary_2024 = chair.propose([ADMIT_UZ, decision("liftEmbargo", code("CF"), 0)])
    assert plenary_2024.participants == ("UZ", "CF")
    decide(plenary_2024)
    assert kp.participant("UZ").standing == "admitted" and kp.participant("CF").exports_embargo is None
    assert [p.id for p in kp.proposals("CF")] == [1, proposal.id, plenary_2024.id]  # 1: the founders
    assert [p.id for p in kp.proposals("CF", open_only=True)] == [proposal.id]


# ------------------------------------------------------------------ 9-10. roles change hands


def test_the_chair_changes_hands_by_proposal(as_, accounts, decide, send, registry):
    new_chair = accounts[1]
    decide(as_(accounts.chair).grant_role("chair", new_chair.address))
    send(accounts.chair, registry.functions.renounceRole(CHAIR_ROLE, accounts.chair.address))
    with reverts("AccessControlUnauthorizedAccount", accounts.chair.address, CHAIR_ROLE):
        as_(accounts.chair).suspend("CF")
    as_(new_chair).suspend("CF")


def test_a_new_admin_waits_the_notice_and_then_the_transfer_delay(as_, accounts, decide, send, registry):
    new_admin = accounts[1]
    call = decision("beginDefaultAdminTransfer", new_admin.address)
    decide(as_(accounts.admin).propose([call]))
    pending, schedule = registry.functions.pendingDefaultAdmin().call()
    assert pending == new_admin.address
    with reverts("AccessControlEnforcedDefaultAdminDelay", schedule):
        send(new_admin, registry.functions.acceptDefaultAdminTransfer())


# ------------------------------------------------------------------ deployment, keys


def test_a_zero_notice_period_is_refused(web3, accounts):
    with reverts("InvalidNoticePeriod", 0):
        Sender(web3, accounts.admin).deploy(encode_deploy("KPRegistry", [accounts.admin.address] * 3 + [0]))


def test_a_first_key_comes_through_a_proposal(as_, accounts, kp, decide, front):
    decide(as_(accounts.chair).admit("UZ", "Uzbekistan"))
    proposal = as_(accounts.secretariat).add_authority(front.address, "UZ")
    assert kp.authority(front.address).participant == ""
    decide(proposal)
    assert kp.authority(front.address).participant == "UZ"


def test_a_participant_with_no_valid_key_gets_one_through_a_proposal(as_, accounts, kp, decide, chain):
    as_(accounts.secretariat).disable_authority(accounts.bw.address, chain.pending_time() - 1)
    new = accounts[2]
    decide(as_(accounts.secretariat).add_authority(new.address, "BW", by_proposal=True))
    assert kp.authority(new.address).participant == "BW"
    assert kp.proposals("BW")[-1].decisions == (f"register {new.address} as an authority key of BW",)


@pytest.mark.parametrize("kind", ["admit", "reinstate", "lift", "first key"])
def test_no_stolen_key_alone_lets_anyone_in_early_or_over_an_objection(as_, accounts, kp, chain, front, kind):
    """The issue's attack, decision by decision: proposed by a stolen Chair (or, for a key, secretariat)
    key, nothing takes effect before the notice period, and nothing at all once one participant objects."""
    chair, secretariat = as_(accounts.chair), as_(accounts.secretariat)
    chair.suspend("CF")
    chair.set_embargo("CF", "exports", chain.pending_time() - 1)

    def state():
        cf = kp.participant("CF")
        return (
            kp.participant("ZZ").standing,
            cf.standing,
            cf.exports_embargo is None,
            kp.authority(front.address).participant,
        )

    before = state()
    proposal = {
        "admit": lambda: chair.admit("ZZ", "Front Republic"),
        "reinstate": lambda: chair.reinstate("CF"),
        "lift": lambda: chair.lift_embargo("CF", "exports"),
        "first key": lambda: secretariat.add_authority(front.address, "CF", by_proposal=True),
    }[kind]()
    ready = seconds(proposal.ready_at)
    chain.tester.time_travel(ready - 1)
    with reverts("ProposalNotReady", proposal.id, ready):
        as_(accounts.stranger).execute(proposal.id)
    assert state() == before
    as_(accounts.eu).object_to(proposal.id)
    advance_to(kp.w3, ready)
    with reverts("ProposalBlocked", proposal.id, code("EU")):
        as_(accounts.stranger).execute(proposal.id)
    assert state() == before


def test_a_short_notice_needs_a_development_chain_or_an_explicit_choice():
    check_notice_period(31337, 60)  # the local node
    with pytest.raises(
        KPError, match="on chain 11155111, a notice period of 3600 s leaves the participants less"
    ):
        check_notice_period(11155111, 3600)
    check_notice_period(11155111, 3600, short=True)
    check_notice_period(11155111, 86_400)
    with pytest.raises(KPError, match="at least one second, not 0"):
        check_notice_period(31337, 0)
