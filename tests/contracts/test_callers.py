"""Every state-changing entry point, called by every kind of wrong caller, reverts with its exact
error: strangers, another participant's authority, a disabled key, a key of a withdrawn and
readmitted participant, and the governance roles where an authority is required (and the reverse)."""

import pytest

from tests.conftest import DAY, code, reverts

ADMIN_ROLE = bytes(32)


@pytest.fixture
def keys(as_, accounts, chain, enrol, decide):
    """More wrong callers: a disabled AE key, a retired AE key, and a lapsed (pre-withdrawal) CF key."""
    secretariat = as_(accounts.secretariat)
    disabled, retired, lapsed = accounts[0], accounts[1], accounts[2]
    enrol(disabled.address, "AE", by=accounts.ae)
    enrol(retired.address, "AE", by=accounts.ae)
    enrol(lapsed.address, "CF")
    secretariat.disable_authority(disabled.address, chain.pending_time() - DAY)
    secretariat.retire_authority(retired.address)
    as_(accounts.chair).withdraw("CF")
    decide(as_(accounts.chair).admit("CF", "Central African Republic"))
    chain.travel(1)
    return {"disabled": disabled, "retired": retired, "lapsed": lapsed}


def not_valid(registry, account):
    """The arguments of AuthorityNotValid for an AE key: its address, AE and its window."""
    _, _, _, valid_from, valid_until = registry.functions.authority(account.address).call()
    return account.address, code("AE"), valid_from, valid_until


def test_issue_by_wrong_callers(as_, accounts, registry, keys, make_document):
    document = make_document()
    cases = [
        (accounts.stranger, "UnknownAuthority", (accounts.stranger.address,)),
        (accounts.chair, "UnknownAuthority", (accounts.chair.address,)),
        (accounts.secretariat, "UnknownAuthority", (accounts.secretariat.address,)),
        (accounts.admin, "UnknownAuthority", (accounts.admin.address,)),
        (accounts.holder, "UnknownAuthority", (accounts.holder.address,)),
        (accounts.bw, "NotAuthorityOf", (accounts.bw.address, code("AE"), code("BW"))),
        (keys["disabled"], "AuthorityNotValid", not_valid(registry, keys["disabled"])),
        (keys["retired"], "AuthorityNotValid", not_valid(registry, keys["retired"])),
    ]
    for caller, error, args in cases:
        with reverts(error, *args):
            as_(caller).issue(document)
        with reverts(error, *args):
            as_(caller).issue_batch([document])


def test_a_lapsed_key_cannot_issue_for_the_readmitted_participant(as_, keys, make_document):
    with reverts("AuthorityLapsed", keys["lapsed"].address, code("CF")):
        as_(keys["lapsed"]).issue(make_document(number="CF-1", exporting="CF"))


def test_confirm_by_wrong_callers(as_, accounts, registry, keys, issued):
    cases = [
        (accounts.stranger, "UnknownAuthority", (accounts.stranger.address,)),
        (accounts.holder, "UnknownAuthority", (accounts.holder.address,)),
        (accounts.chair, "UnknownAuthority", (accounts.chair.address,)),
        (accounts.ae, "NotAuthorityOf", (accounts.ae.address, code("BW"), code("AE"))),
        (accounts.eu, "NotAuthorityOf", (accounts.eu.address, code("BW"), code("EU"))),
        (keys["disabled"], "NotAuthorityOf", (keys["disabled"].address, code("BW"), code("AE"))),
    ]
    for caller, error, args in cases:
        with reverts(error, *args):
            as_(caller).confirm_receipt(issued.token_id)


def test_void_by_wrong_callers(as_, accounts, registry, keys, issued):
    cases = [
        (accounts.stranger, "UnknownAuthority", (accounts.stranger.address,)),
        (accounts.holder, "UnknownAuthority", (accounts.holder.address,)),
        (accounts.secretariat, "UnknownAuthority", (accounts.secretariat.address,)),
        (accounts.bw, "NotAuthorityOf", (accounts.bw.address, code("AE"), code("BW"))),
        (keys["disabled"], "AuthorityNotValid", not_valid(registry, keys["disabled"])),
        (keys["retired"], "AuthorityNotValid", not_valid(registry, keys["retired"])),
    ]
    for caller, error, args in cases:
        with reverts(error, *args):
            as_(caller).void(issued.token_id, "fraud")


@pytest.mark.parametrize("caller", ["admin", "chair", "secretariat", "ae", "stranger"])
def test_roles_are_granted_only_by_proposal_and_revoked_only_by_the_admin(send, accounts, registry, caller):
    account = getattr(accounts, caller)
    chair_role = registry.functions.CHAIR_ROLE().call()
    grant = registry.functions.grantRole(chair_role, account.address)
    with reverts("DecisionNeedsProposal", bytes.fromhex(grant.selector[2:])):
        send(account, grant)
    if caller == "admin":
        return
    with reverts("AccessControlUnauthorizedAccount", account.address, ADMIN_ROLE):
        send(account, registry.functions.revokeRole(chair_role, accounts.chair.address))


def test_a_role_is_renounced_only_by_its_holder(send, accounts, registry):
    chair_role = registry.functions.CHAIR_ROLE().call()
    with reverts("AccessControlBadConfirmation"):
        send(accounts.stranger, registry.functions.renounceRole(chair_role, accounts.chair.address))
