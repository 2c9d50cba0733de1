"""`kp participant admit|suspend|reinstate|withdraw|show|list|load`."""

import pytest

pytestmark = pytest.mark.anvil


def test_the_data_file_is_loaded(kp):
    rows = kp.ok("participant", "list", "--json").json()
    codes = [row["code"] for row in rows]
    assert len(codes) == 61 and "NA" in codes and "EU" in codes and "TW" in codes
    table = kp.ok("participant", "list").out.splitlines()
    assert table[0].split() == ["CODE", "NAME", "STANDING", "EMBARGO"]
    assert any(line.startswith("NA    Namibia") for line in table)
    # Loading again admits nobody twice.
    assert kp.ok("participant", "load", "--json").json() == {"proposed": [], "proposal": None}


def test_load_a_csv(kp, tmp_path, decide):
    path = tmp_path / "more.csv"
    path.write_text("code,name,status\nXA,Atlantis,active\nXB,Lemuria,suspended\n")
    loaded = kp.ok("participant", "load", str(path), "--json").json()
    assert loaded["proposed"] == ["XA", "XB"]
    assert loaded["proposal"]["decisions"] == ["admit XA (Atlantis)", "admit XB (Lemuria)"]
    # proposed once: loading again during the notice period proposes nobody twice
    assert kp.ok("participant", "load", str(path), "--json").json()["proposed"] == []
    decide(loaded["proposal"])
    assert kp.ok("participant", "show", "XB", "--json").json()["standing"] == "admitted"
    kp.ok("participant", "load", str(path))  # again, once admitted: the suspension the file says
    assert kp.ok("participant", "show", "XB", "--json").json()["standing"] == "suspended"
    path.write_text("code,name\n,Nowhere\n")
    assert (
        kp.refused("participant", "load", str(path))
        == f"kp: {path}, line 2: a participant needs a code and a name"
    )


def test_standing_changes(kp, decide):
    kp.ok("participant", "suspend", "VE", "--self")
    assert kp.ok("participant", "show", "VE", "--json").json()["standing"] == "suspended"
    reinstatement = kp.ok("participant", "reinstate", "VE")
    assert reinstatement.out.startswith("proposal ") and "open to objection until" in reinstatement.out
    decide(kp.ok("proposal", "list", "--participant", "VE", "--open", "--json").json()[-1])
    assert kp.ok("participant", "show", "VE", "--json").json()["standing"] == "admitted"
    kp.ok("participant", "withdraw", "VE")
    shown = kp.ok("participant", "show", "VE").out
    assert "standing   withdrawn since" in shown
    proposal = kp.ok("participant", "admit", "VE", "Venezuela", "--json").json()
    assert set(proposal) == {"id", "proposer", "proposed_at", "ready_at", "expires_at", "state", "objector",
                             "decisions", "participants"}  # fmt: skip
    assert proposal["state"] == "pending" and proposal["decisions"] == ["admit VE (Venezuela)"]
    shown = kp.ok("participant", "show", "VE").out
    assert (
        f"proposal {proposal['id']} (pending, from {proposal['ready_at'][:-1].replace('T', ' ')}): admit VE"
        in shown
    )
    decide(proposal)
    assert kp.ok("participant", "show", "VE", "--json").json()["pending_proposals"] == []


def test_refusals_are_one_line_with_exit_2(kp):
    assert (
        kp.refused("participant", "admit", "BW", "Botswana")
        == "kp: BW is admitted: it cannot become admitted"
    )
    assert kp.refused("participant", "reinstate", "BW") == "kp: BW is admitted: it cannot become admitted"
    assert kp.refused("participant", "suspend", "ZZ") == "kp: ZZ is not a KP participant"
    assert kp.refused("participant", "show", "ZZ") == "kp: ZZ is not a KP participant"
    assert kp.refused("participant", "admit", "b1", "x") == (
        "kp: Invalid value for 'CODE': 'b1' is not a two-letter ISO 3166-1 code"
    )


def test_only_the_chair(kp):
    line = kp.refused("participant", "admit", "UZ", "Uzbekistan", "--dev", "1")
    assert line == "kp: 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 does not hold the role Chair"
