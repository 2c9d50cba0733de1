"""`kp embargo set|lift`."""

import pytest

pytestmark = pytest.mark.anvil


def test_set_with_zones_and_lift(kp, decide):
    kp.ok(
        "embargo",
        "set",
        "CF",
        "--exports",
        "--since",
        "2013-05-23",
        "--zone",
        "CF/Berberati",
        "--zone",
        "CF/Nola",
    )
    shown = kp.ok("participant", "show", "CF", "--json").json()
    assert shown["exports_embargo"] == {
        "since": "2013-05-23 00:00:00",
        "until": None,
        "zones": ["CF/Berberati", "CF/Nola"],
    }
    assert (
        "barred since 2013-05-23 00:00:00; compliant zones CF/Berberati, CF/Nola"
        in kp.ok("participant", "show", "CF").out
    )
    kp.ok("embargo", "set", "CF", "--imports", "--since", "2013-05-23", "--until", "2030-01-01")
    lifted = kp.ok("embargo", "lift", "CF", "--json").json()
    assert lifted["decisions"] == ["lift CF's export embargo", "lift CF's import embargo"]
    assert kp.ok("participant", "show", "CF", "--json").json()["exports_embargo"] is not None  # not yet
    decide(lifted)
    assert kp.ok("participant", "show", "CF", "--json").json()["exports_embargo"] is None


def test_a_looser_embargo_is_proposed_a_tighter_one_set_at_once(kp, decide):
    kp.ok("embargo", "set", "CF", "--exports", "--since", "2013-05-23", "--zone", "CF/Berberati")
    loosened = kp.ok("embargo", "set", "CF", "--exports", "--since", "2013-05-23", "--zone", "CF/Berberati",
                     "--zone", "CF/Nola", "--json").json()  # fmt: skip
    assert loosened["state"] == "pending"
    assert kp.ok("participant", "show", "CF", "--json").json()["exports_embargo"]["zones"] == ["CF/Berberati"]
    decide(loosened)
    assert kp.ok("participant", "show", "CF", "--json").json()["exports_embargo"]["zones"] == [
        "CF/Berberati",
        "CF/Nola",
    ]
    tightened = kp.ok("embargo", "set", "CF", "--exports", "--since", "2013-05-23", "--json").json()
    assert "transaction" in tightened
    assert kp.ok("participant", "show", "CF", "--json").json()["exports_embargo"]["zones"] == []


def test_usage_errors(kp):
    assert "exactly one of --exports and --imports" in kp.refused("embargo", "set", "CF")
    assert "exactly one of --exports and --imports" in kp.refused(
        "embargo", "set", "CF", "--exports", "--imports"
    )
    assert "--zone applies to export embargoes only" in kp.refused(
        "embargo", "set", "CF", "--imports", "--zone", "CF/X"
    )
    assert "is not a date" in kp.refused("embargo", "set", "CF", "--exports", "--since", "May 2013")
    assert kp.refused("embargo", "lift", "CF") == "kp: CF has no embargo to lift"
    assert kp.refused("embargo", "lift", "CF", "--imports") == "kp: CF has no imports embargo to lift"
    line = kp.refused("embargo", "set", "CF", "--exports", "--zone", "BW/Orapa")
    assert line == "kp: 'BW/Orapa' is not a distinct zone CODE/name of CF, for an export embargo"
