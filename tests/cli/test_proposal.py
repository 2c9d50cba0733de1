"""`kp proposal list|show|object|withdraw|execute`, and the commands that now propose."""

import pytest

from tests.cli.conftest import BW, NOTICE

pytestmark = pytest.mark.anvil


def test_a_proposal_is_listed_shown_and_executed_after_its_notice(kp, advance):
    proposed = kp.ok("participant", "admit", "XZ", "Zembla", "--json").json()
    id = str(proposed["id"])
    assert proposed["state"] == "pending" and proposed["participants"] == ["XZ"]
    shown = kp.ok("proposal", "show", id).out
    assert f"proposal {id}  pending" in shown and "decision   admit XZ (Zembla)" in shown
    assert kp.refused("proposal", "execute", id).startswith(f"kp: proposal {id} is open to objection until ")
    listed = kp.ok("proposal", "list", "--participant", "XZ", "--json").json()
    assert [p["id"] for p in listed] == [proposed["id"]]
    advance(NOTICE)
    assert kp.ok("proposal", "show", id, "--json").json()["state"] == "ready"
    executed = kp.ok("proposal", "execute", id, "--dev", "3", "--json").json()  # anyone executes
    assert executed["decisions"] == ["admit XZ (Zembla)"]
    assert kp.ok("participant", "show", "XZ", "--json").json()["standing"] == "admitted"
    assert kp.refused("proposal", "execute", id) == f"kp: proposal {id} is executed"
    assert "executed" in kp.ok("proposal", "list").out


def test_one_participants_objection_blocks_a_proposal(kp, advance):
    id = str(kp.ok("participant", "admit", "XZ", "Front Republic", "--json").json()["id"])
    objected = kp.ok("proposal", "object", id, *BW, "--json").json()
    assert objected["objector"] == "BW"
    assert kp.ok("proposal", "show", id, "--json").json()["state"] == "objected"
    advance(NOTICE)
    assert (
        kp.refused("proposal", "execute", id) == f"kp: BW objected to proposal {id}: it will not take effect"
    )
    assert kp.refused("participant", "show", "XZ") == "kp: XZ is not a KP participant"  # nothing pending


def test_withdrawal_and_refusals(kp):
    id = str(kp.ok("participant", "admit", "XZ", "Zembla", "--json").json()["id"])
    assert "is not an authority key: say which participant objects" in kp.refused(
        "proposal", "object", id, "--dev", "3"
    )
    assert "is not a KP authority key" in kp.refused("proposal", "object", id, "--for", "BW", "--dev", "3")
    assert "does not hold the role Chair" in kp.refused("proposal", "withdraw", id, "--dev", "3")
    kp.ok("proposal", "withdraw", id)
    assert kp.refused("proposal", "execute", id) == f"kp: proposal {id} is withdrawn"
    assert kp.refused("proposal", "show", "999") == "kp: there is no proposal 999"
    assert "is not in the range x>=1" in kp.refused("proposal", "show", "0")
    assert (
        kp.refused("participant", "admit", "BW", "Botswana")
        == "kp: BW is admitted: it cannot become admitted"
    )


def test_deploy_takes_a_notice_period(kp):
    deployed = kp.ok("deploy", "--notice-period", "15m", "--json").json()
    assert deployed["notice_period"] == 900
    assert "the notice period must be at least one second, not 0" in kp.refused(
        "deploy", "--notice-period", "0"
    )
    assert "'a week' is not a duration like 3600, 30m, 24h or 7d" in kp.refused(
        "deploy", "--notice-period", "a week"
    )
