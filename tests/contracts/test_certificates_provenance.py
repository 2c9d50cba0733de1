"""Provenance: re-exports draw on confirmed imports, carats are conserved, origins are covered.

The story: Botswana and the Central African Republic export rough to Dubai; Dubai splits Botswana's
parcel into two certificates to the EU and sends CAR's on too; the EU merges one of each into an
export to India. Every refusal of the rules is checked with its exact error and arguments.
"""

from collections.abc import Callable
from fractions import Fraction

import pytest

from kp_py import KP
from kp_py.document import Document
from kp_py.errors import KPError
from kp_py.offline import sign_issue
from tests.conftest import DAY, b32, code, reverts, token

MAY_2013 = 1_367_366_400


@pytest.fixture
def officers(as_, accounts, chain) -> dict[str, KP]:
    """A signing client per participant: AE, BW, EU (from the deployment), CF and IN (added here)."""
    as_(accounts.chair).admit("IN", "India")
    as_(accounts.secretariat).add_authority(accounts[0].address, "CF", valid_from=0)
    as_(accounts.secretariat).add_authority(accounts[1].address, "IN", valid_from=0)
    return {
        "AE": as_(accounts.ae),
        "BW": as_(accounts.bw),
        "EU": as_(accounts.eu),
        "CF": as_(accounts[0]),
        "IN": as_(accounts[1]),
    }


@pytest.fixture
def ship(officers, make_document) -> Callable[..., Document]:
    """``ship("AE-1", "EU", "600.00", ["BW"], [("BW-1", "600.00")])``: issue a certificate from the
    number's participant, drawing on parents; ``confirm=True`` also confirms its receipt."""

    def issue(number, importing, carats, origins, parents=(), *, confirm=False):
        document = make_document(
            number=number,
            exporting=number[:2],
            importing=importing,
            carats=carats,
            origins=list(origins),
            parents=[{"number": parent, "carats": drawn} for parent, drawn in parents],
        )
        officers[number[:2]].issue(document)
        if confirm:
            officers[importing].confirm_receipt(number)
        return document

    return issue


@pytest.fixture
def story(ship):
    """BW -> AE, CF -> AE; AE splits BW-1 to the EU twice and sends CF-1's rough on; the EU merges."""
    ship("BW-1", "AE", "1000.00", ["BW/Jwaneng"], confirm=True)
    ship("CF-1", "AE", "400.00", ["CF"], confirm=True)
    ship("AE-1", "EU", "600.00", ["BW/Jwaneng"], [("BW-1", "600.00")], confirm=True)
    ship("AE-2", "EU", "400.00", ["BW/Jwaneng"], [("BW-1", "400.00")], confirm=True)
    ship("AE-3", "EU", "400.00", ["CF"], [("CF-1", "400.00")], confirm=True)
    ship(
        "EU-1", "IN", "1000.00", ["BW/Jwaneng", "CF"], [("AE-1", "600.00"), ("AE-3", "400.00")], confirm=True
    )


def test_the_chain_counts_what_each_parent_gave(story, kp, certificates):
    assert kp.certificate("BW-1").drawn == 100_000  # split in two, all of it
    assert kp.certificate("CF-1").drawn == 40_000
    assert kp.certificate("AE-1").drawn == 60_000
    assert kp.certificate("AE-2").drawn == 0
    eu = kp.certificate("EU-1")
    assert [(p.number, p.carats) for p in eu.parents] == [("AE-1", 60_000), ("AE-3", 40_000)]
    assert certificates.functions.certificate(token("BW-1")).call()[9] == 100_000


def test_each_draw_is_an_event_indexed_by_child_and_parent(story, kp, certificates):
    logs = certificates.events.CaratsDrawn().get_logs(
        from_block=0, argument_filters={"parentId": token("BW-1")}
    )
    assert sorted((log.args.tokenId, log.args.carats) for log in logs) == [
        (token("AE-1"), 60_000),
        (token("AE-2"), 40_000),
    ]


def test_trace_goes_back_to_first_exports_with_the_origin_mix(story, kp):
    trace = kp.trace("EU-1")
    assert set(trace.certificates) == {"EU-1", "AE-1", "AE-3", "BW-1", "CF-1"}
    assert trace.status.complete
    assert trace.status.first_exports == ("BW-1", "CF-1")
    assert trace.status.origin_mix == {"BW": Fraction(3, 5), "CF": Fraction(2, 5)}
    assert set(trace.confirmed_at) == {"BW-1", "CF-1", "AE-1", "AE-3", "EU-1"}
    tree = trace.to_dict()["tree"]
    assert [(p["number"], p["carats_drawn"]) for p in tree["parents"]] == [
        ("AE-1", "600.00"),
        ("AE-3", "400.00"),
    ]
    assert tree["parents"][0]["parents"][0]["number"] == "BW-1"
    assert tree["parents"][0]["parents"][0]["parents"] == []


def test_verify_reports_provenance(story, kp):
    verification = kp.verify("EU-1")
    assert verification.genuine
    assert verification.provenance.complete
    assert "back to first exports BW-1, CF-1" in verification.summary()
    first = kp.verify("BW-1")
    assert first.provenance.complete and first.provenance.first_exports == ()
    assert first.provenance.origin_mix == {"BW": 1}


def test_a_voided_ancestor_warns_the_descendants_without_erasing_history(story, kp, officers):
    officers["AE"].void("AE-1", "fraud")
    verification = kp.verify("EU-1")
    assert verification.genuine  # EU-1 itself is in force
    assert not verification.provenance.complete
    assert verification.provenance.warnings == ("ancestor AE-1 (AE -> EU) was voided after it was drawn on",)
    assert "WARNING: ancestor AE-1" in verification.summary()
    assert kp.certificate("BW-1").drawn == 100_000  # what AE-1 drew stays drawn
    assert [v.provenance.complete for v in kp.verify_many(["EU-1", "AE-3", "BW-1"])] == [False, True, True]


def test_a_retroactively_disabled_ancestor_issuer_warns_too(story, kp, as_, accounts, chain):
    as_(accounts.secretariat).disable_authority(accounts.bw.address, 1)
    (warning,) = kp.verify("EU-1").provenance.warnings
    assert warning.startswith("ancestor BW-1 was issued by a key disabled at the time")


def test_over_drawing_a_parent_is_refused(story, ship):
    with reverts("ParentOverdrawn", token("BW-1"), 1, 0):
        ship("AE-4", "EU", "0.01", ["BW/Jwaneng"], [("BW-1", "0.01")])
    with reverts("ParentOverdrawn", token("AE-2"), 40_001, 40_000):
        ship("EU-2", "IN", "400.01", ["BW/Jwaneng"], [("AE-2", "400.01")])


def test_a_parent_must_be_confirmed(story, ship):
    ship("BW-2", "AE", "10.00", ["BW"], confirm=True)
    ship("AE-4", "EU", "10.00", ["BW"], [("BW-2", "10.00")])
    with reverts("ParentNotConfirmed", token("AE-4"), 1):  # issued, receipt not yet confirmed
        ship("EU-2", "IN", "10.00", ["BW"], [("AE-4", "10.00")])


def test_a_voided_parent_cannot_be_drawn_on(story, ship, officers):
    ship("BW-2", "AE", "10.00", ["BW"], confirm=True)
    officers["BW"].void("BW-2", "fraud")
    with reverts("ParentNotConfirmed", token("BW-2"), 3):
        ship("AE-5", "EU", "10.00", ["BW"], [("BW-2", "10.00")])


def test_a_parent_must_have_been_imported_into_the_exporter(story, ship):
    with reverts("ParentNotImported", token("BW-1"), code("AE"), code("EU")):  # AE's import, not EU's
        ship("EU-2", "IN", "1.00", ["BW/Jwaneng"], [("BW-1", "1.00")])
    with reverts("ParentNotImported", token("AE-1"), code("EU"), code("AE")):  # AE's own export
        ship("AE-4", "BW", "1.00", ["BW/Jwaneng"], [("AE-1", "1.00")])


def test_every_origin_must_be_covered(story, ship):
    with reverts("OriginNotCovered", b32("CF")):
        ship("EU-2", "IN", "100.00", ["BW/Jwaneng", "CF"], [("AE-2", "100.00")])
    with reverts("OriginNotCovered", b32("BW")):  # the parent said BW/Jwaneng: no other claim covers
        ship("EU-2", "IN", "100.00", ["BW"], [("AE-2", "100.00")])


def test_a_first_export_is_of_the_exporters_own_rough(ship):
    with reverts("OriginNotCovered", b32("BW")):  # the prototype's loophole: Dubai "exporting" BW rough
        ship("AE-1", "EU", "10.00", ["BW"])
    ship("BW-1", "AE", "10.00", ["BW/Orapa", "BW/Jwaneng"])
    ship("AE-1", "EU", "10.00", ["AE"])  # its own production: allowed, and its origin says so


def test_carats_must_be_accounted_for(story, ship):
    with reverts("CaratsNotDrawn", 20_000, 10_000):  # 100 ct drawn for a 200 ct certificate
        ship("EU-2", "IN", "200.00", ["BW/Jwaneng"], [("AE-2", "100.00")])
    with reverts("CaratsNotDrawn", 5_000, 10_000):  # more drawn than it carries
        ship("EU-2", "IN", "50.00", ["BW/Jwaneng"], [("AE-2", "100.00")])


def test_own_production_may_make_up_the_rest(story, ship, kp):
    ship("EU-2", "IN", "200.00", ["BW/Jwaneng", "EU"], [("AE-2", "100.00")])
    assert kp.trace("EU-2").status.origin_mix == {"BW": Fraction(1, 2), "EU": Fraction(1, 2)}


def test_a_parent_issued_by_a_key_not_valid_at_the_time_cannot_be_drawn_on(story, ship, as_, accounts):
    as_(accounts.secretariat).disable_authority(accounts[0].address, 1)  # CF's key, from the start
    with reverts("ParentIssuerNotValid", token("CF-1")):
        ship("AE-4", "EU", "1.00", ["CF"], [("CF-1", "1.00")])


@pytest.mark.parametrize(
    ("parents", "error", "args"),
    [
        ([(token("AE-2"), 1, [b32("BW/Jwaneng")])] * 2, "DuplicateParent", (token("AE-2"),)),
        ([(token("AE-2"), 0, [b32("BW/Jwaneng")])], "InvalidDraw", (token("AE-2"), 0)),
        ([(token("AE-2"), 1, [b32("BW")])], "ParentOriginsMismatch", (token("AE-2"),)),
        ([(token("AE-3"), 1, [b32("CF"), b32("BW")])], "ParentOriginsMismatch", (token("AE-3"),)),
        ([(token("AE-9"), 1, [b32("AE")])], "ParentNotConfirmed", (token("AE-9"), 0)),
        ([(i, 1, [b32("AE")]) for i in range(33)], "TooManyParents", (33, 32)),
    ],
)
def test_malformed_draws_are_refused(story, send, accounts, certificates, make_issue, parents, error, args):
    issue = make_issue(
        number=b32("EU-4"), importing=code("IN"), carats=1, origins=[b32("BW/Jwaneng")], parents=parents
    )
    with reverts(error, *args):
        send(accounts.eu, certificates.functions.issue(issue))


def test_the_client_names_an_unknown_parent_before_sending(ship):
    with pytest.raises(KPError, match="parent certificate AE-9 is not on chain"):
        ship("EU-2", "IN", "1.00", ["AE"], [("AE-9", "1.00")])


def test_an_off_line_signed_re_export_carries_its_parents(story, kp, accounts, make_document):
    document = make_document(
        number="EU-2",
        exporting="EU",
        importing="IN",
        carats="400.00",
        origins=["BW/Jwaneng"],
        parents=[{"number": "AE-2", "carats": "400.00", "origins": ["BW/Jwaneng"]}],
    )
    signed = sign_issue(
        accounts.eu,
        document,
        chain_id=kp.deployment.chain_id,
        contract=kp.certificates.address,
        valid_for=DAY,
    )
    kp.with_account(accounts.stranger).submit_issue(signed)
    assert kp.certificate("AE-2").drawn == 40_000
    assert [p.number for p in kp.certificate("EU-2").parents] == ["AE-2"]


def test_the_document_shows_its_parents_and_verification_compares_them(story, kp, make_document):
    def eu_1(from_ae_1: str, from_ae_3: str) -> Document:
        draws = [{"number": "AE-1", "carats": from_ae_1}, {"number": "AE-3", "carats": from_ae_3}]
        return make_document(number="EU-1", exporting="EU", importing="IN", carats="1000.00",
                             origins=["BW/Jwaneng", "CF"], parents=draws)  # fmt: skip

    assert kp.verify("EU-1", eu_1("600.00", "400.00")).document_matches
    assert kp.verify("EU-1", eu_1("700.00", "300.00")).differing_fields == ("parents",)


def test_embargo_on_origin_still_follows_the_rough_through_parents(story, ship, as_, accounts):
    as_(accounts.chair).set_embargo("CF", "exports", MAY_2013)
    with reverts("OriginEmbargoed", b32("CF"), MAY_2013):
        ship("EU-2", "IN", "1.00", ["CF"], [("AE-3", "1.00")])
