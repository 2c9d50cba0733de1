"""Provenance: every carat is drawn from a parent, origins follow the carats, custody ends at roots.

The story: Botswana registers its Jwaneng production and the Central African Republic its Berberati
production; each exports rough to Dubai; Dubai splits Botswana's parcel into two certificates to the
EU and sends CAR's on too; the EU merges one of each into an export to India. Dubai also registers a
South African paper certificate it received. Every refusal is checked with its exact error and
arguments, each attack first (the laundering the audit reproduced), then what stops it.
"""

from collections.abc import Callable, Iterator
from datetime import timezone
from fractions import Fraction

import pytest

from kp_py import KP
from kp_py._revert import reverts as decoding
from kp_py.document import Document, PaperCertificate
from kp_py.errors import KPError
from kp_py.examples import example_paper
from kp_py.offline import sign_issue
from kp_py.plenary import decision
from tests.conftest import DAY, OPEN_END, b32, code, enact, production, reverts, token

MAY_2013 = 1_367_366_400
FUTURE = 2**33  # the year 2242
JWANENG = "JWANENG-2024-Q3"
BERBERATI = "BERBERATI-2024"
PAPER = "ZA-2024-012345"


def made(lot: str, carats: str) -> dict:
    """A draw on the exporter's own production ``lot``."""
    return {"production": lot, "carats": carats}


def paper(number: str, carats: str) -> dict:
    """A draw on a paper certificate the exporter registered."""
    return {"paper": number, "carats": carats}


def cert(number: str, carats: str) -> dict:
    """A draw on a confirmed import."""
    return {"number": number, "carats": carats}


def paper_certificate(**changes) -> PaperCertificate:
    """A paper certificate received by AE this week (registered on receipt: not yet expired)."""
    data = example_paper("AE", number=PAPER, carats="500.00", value_usd="900000.00", parcels=2) | changes
    return PaperCertificate.from_dict(data)


@pytest.fixture(scope="module")
def admitted(deployed, accounts, chain) -> Iterator[None]:
    """IN and ZA admitted, CF, IN and ZA given a key each: decided once for the module (each test
    is reverted to it, and the module's end to the chain before it)."""
    before = chain.snapshot()
    kp = KP(deployed.w3, deployed.deployment)
    stranger = kp.with_account(accounts.stranger)
    admit = [decision("admit", code("IN"), "India"), decision("admit", code("ZA"), "South Africa")]
    enact(stranger, kp.with_account(accounts.chair).propose(admit))
    keys = [
        decision("addAuthority", accounts[spare].address, code(c), 0, OPEN_END)
        for spare, c in enumerate(("CF", "IN", "ZA"))
    ]
    enact(stranger, kp.with_account(accounts.secretariat).propose(keys))
    yield
    chain.revert(before)


@pytest.fixture
def officers(admitted, as_, accounts) -> dict[str, KP]:
    """A signing client per participant: AE, BW, EU (from the deployment), CF, IN and ZA (added)."""
    return {
        "AE": as_(accounts.ae),
        "BW": as_(accounts.bw),
        "EU": as_(accounts.eu),
        "CF": as_(accounts[0]),
        "IN": as_(accounts[1]),
        "ZA": as_(accounts[2]),
    }


@pytest.fixture
def ship(officers, make_document) -> Callable[..., Document]:
    """``ship("AE-1", "EU", "600.00", ["BW/Jwaneng"], [cert("BW-1", "600.00")])``: issue a certificate
    from the number's participant, drawing on parents; ``confirm=True`` also confirms its receipt."""

    def issue(number, importing, carats, origins, parents, *, confirm=False):
        document = make_document(
            number=number,
            exporting=number[:2],
            importing=importing,
            carats=carats,
            origins=list(origins),
            parents=list(parents),
        )
        officers[number[:2]].issue(document)
        if confirm:
            officers[importing].confirm_receipt(number)
        return document

    return issue


@pytest.fixture
def story(officers, ship):
    """Production registered; BW -> AE, CF -> AE; AE splits BW-1 to the EU twice and sends CF-1's
    rough on; the EU merges; AE registers a paper certificate from South Africa."""
    officers["BW"].register_production(production("BW/Jwaneng", JWANENG, "2000.00"))
    officers["CF"].register_production(production("CF", BERBERATI, "1000.00"))
    ship("BW-1", "AE", "1000.00", ["BW/Jwaneng"], [made(JWANENG, "1000.00")], confirm=True)
    ship("CF-1", "AE", "400.00", ["CF"], [made(BERBERATI, "400.00")], confirm=True)
    ship("AE-1", "EU", "600.00", ["BW/Jwaneng"], [cert("BW-1", "600.00")], confirm=True)
    ship("AE-2", "EU", "400.00", ["BW/Jwaneng"], [cert("BW-1", "400.00")], confirm=True)
    ship("AE-3", "EU", "400.00", ["CF"], [cert("CF-1", "400.00")], confirm=True)
    ship(
        "EU-1", "IN", "1000.00", ["BW/Jwaneng", "CF"], [cert("AE-1", "600.00"), cert("AE-3", "400.00")],
        confirm=True,
    )  # fmt: skip
    officers["AE"].register_paper(paper_certificate())


def root(text: str) -> int:
    return token(text)


# ---------------------------------------------------------------- what the chain records


def test_the_chain_counts_what_each_parent_gave(story, kp, certificates):
    assert kp.root(f"BW#{JWANENG}").drawn == 100_000
    assert kp.certificate("BW-1").drawn == 100_000  # split in two, all of it
    assert kp.certificate("CF-1").drawn == 40_000
    assert kp.certificate("AE-1").drawn == 60_000
    assert kp.certificate("AE-2").drawn == 0
    eu = kp.certificate("EU-1")
    assert [(p.number, p.carats) for p in eu.parents] == [("AE-1", 60_000), ("AE-3", 40_000)]
    assert certificates.functions.certificate(token("BW-1")).call()[9] == 100_000


def test_each_draw_is_an_event_indexed_by_child_and_parent(story, certificates):
    logs = certificates.events.CaratsDrawn().get_logs(
        from_block=0, argument_filters={"parentId": token("BW-1")}
    )
    assert sorted((log.args.tokenId, log.args.carats) for log in logs) == [
        (token("AE-1"), 60_000),
        (token("AE-2"), 40_000),
    ]


def test_each_draw_carries_the_time_its_parent_was_issued(story, certificates):
    """A client reading a certificate's draws learns when each parent was issued, so it can look up
    the parents' events and views in one round trip (issue 16)."""
    drawn = certificates.events.CaratsDrawn().get_logs(from_block=0)
    assert len(drawn) >= 6  # every draw of the story, on certificates and on roots
    for log in drawn:
        parent = certificates.functions.certificate(log.args.parentId).call()
        assert log.args.parentIssuedAt == parent[2] > 0  # the view's issuedAt, the block time of issue


def test_registered_roots_are_records_but_not_tokens(story, kp, officers, accounts, certificates):
    production_id, paper_id = root(f"BW#{JWANENG}"), root(f"AE:{PAPER}")
    made_here = kp.root(production_id)
    assert (made_here.kind, made_here.reference, made_here.importing) == ("production", JWANENG, "BW")
    assert (made_here.origins, made_here.carats, made_here.status) == (("BW/Jwaneng",), 200_000, "registered")
    assert made_here.issuer == accounts.bw.address and made_here.issuer_valid_at_issue
    received = kp.root(f"AE:{PAPER}")
    assert (received.kind, received.exporting, received.importing, received.origins) == (
        "paper",
        "ZA",
        "AE",
        ("ZA",),
    )
    assert (received.value_usd, received.parcels, received.hs_code) == (90_000_000, 2, "7102.31")
    assert received.name == f"paper certificate {PAPER} registered by AE"
    view = certificates.functions.certificate(paper_id).call()
    assert view[0] == "0x" + "00" * 20 and view[4] == 2  # no holder; status Confirmed
    with reverts("ERC721NonexistentToken", production_id), decoding():
        certificates.functions.ownerOf(production_id).call()
    with reverts("ERC721NonexistentToken", paper_id), decoding():
        certificates.functions.tokenURI(paper_id).call()
    assert certificates.functions.balanceOf(accounts.ae.address).call() == 0
    with pytest.raises(KPError, match="is a root, not a certificate"):
        kp.certificate(f"AE:{PAPER}")


def test_registrations_are_events_indexed_by_participant(story, certificates, accounts):
    logs = certificates.events.ProductionRegistered().get_logs(
        from_block=0, argument_filters={"producer": code("BW")}
    )
    assert [log.args.rootId for log in logs] == [root("BW#STOCK-2024"), root(f"BW#{JWANENG}")]
    made_event = logs[1]
    assert made_event.args.authority == accounts.bw.address
    made_here = made_event.args.production
    assert (made_here["lot"], made_here["origin"], made_here["carats"]) == (
        b32(JWANENG),
        b32("BW/Jwaneng"),
        200_000,
    )
    (paper_event,) = certificates.events.PaperCertificateRegistered().get_logs(
        from_block=0, argument_filters={"importing": code("AE"), "exporting": code("ZA")}
    )
    assert paper_event.args.rootId == root(f"AE:{PAPER}")
    assert paper_event.args.paper["number"] == b32(PAPER)


# ---------------------------------------------------------------- reading the provenance


def test_trace_goes_back_to_the_roots_with_the_origin_mix(story, kp):
    trace = kp.trace("EU-1")
    assert set(trace.certificates) == {
        "EU-1",
        "AE-1",
        "AE-3",
        "BW-1",
        "CF-1",
        f"BW#{JWANENG}",
        f"CF#{BERBERATI}",
    }
    assert trace.status.complete
    assert trace.status.roots == (
        f"production BW {JWANENG} (BW/Jwaneng, 2024-01-01 to 2024-12-31)",
        f"production CF {BERBERATI} (CF, 2024-01-01 to 2024-12-31)",
    )
    assert trace.status.origin_mix == {"BW": Fraction(3, 5), "CF": Fraction(2, 5)}
    assert trace.status.origins == ("BW/Jwaneng", "CF")  # what EU-1 lists on chain, from its roots
    assert set(trace.confirmed_at) == {"BW-1", "CF-1", "AE-1", "AE-3", "EU-1"}
    records = {r["number"]: r for r in trace.to_dict()["records"]}
    assert records["EU-1"]["parents"] == [
        {"number": "AE-1", "carats_drawn": "600.00"},
        {"number": "AE-3", "carats_drawn": "400.00"},
    ]
    assert records[f"BW#{JWANENG}"]["kind"] == "production"
    text = trace.text()
    assert f"1000.00 ct from production BW {JWANENG}" in text
    assert f"Provenance complete back to: production BW {JWANENG}" in text


def test_verify_says_where_custody_ends(story, kp, officers, ship):
    verification = kp.verify("EU-1")
    assert verification.genuine and verification.provenance.complete
    assert f"back to: production BW {JWANENG} (BW/Jwaneng, 2024-01-01 to 2024-12-31); production CF" in (
        verification.summary()
    )
    ship("AE-4", "EU", "100.00", ["ZA"], [paper(PAPER, "100.00")])
    (where,) = kp.verify("AE-4").provenance.roots
    assert where.startswith(f"paper certificate {PAPER} registered by AE on ")
    assert kp.verify("AE-4").provenance.origin_mix == {"ZA": 1}


def test_a_paper_certificate_of_several_origins_is_one_share_of_the_mix(officers, ship, kp):
    officers["AE"].register_paper(paper_certificate(number="ZA-9", origins=["ZA", "BW"]))
    ship("AE-4", "EU", "100.00", ["ZA", "BW"], [paper("ZA-9", "100.00")])
    assert kp.verify("AE-4").provenance.origin_mix == {"BW+ZA": 1}


def test_a_voided_ancestor_warns_the_descendants_without_erasing_history(story, kp, officers):
    officers["AE"].void("AE-1", "fraud")
    verification = kp.verify("EU-1")
    assert verification.genuine  # EU-1 itself is in force
    assert not verification.provenance.complete
    assert verification.provenance.warnings == ("ancestor AE-1 (AE -> EU) was voided after it was drawn on",)
    assert "WARNING: ancestor AE-1" in verification.summary()
    assert kp.certificate("BW-1").drawn == 100_000  # what AE-1 drew stays drawn
    assert [v.provenance.complete for v in kp.verify_many(["EU-1", "AE-3", "BW-1"])] == [False, True, True]


def test_a_retroactively_disabled_ancestor_issuer_warns_too(story, kp, as_, accounts):
    as_(accounts.secretariat).disable_authority(accounts.bw.address, 1)
    warnings = kp.verify("EU-1").provenance.warnings
    disabled = f"by a key disabled at the time ({accounts.bw.address})"
    assert warnings == (
        f"ancestor production BW {JWANENG} was registered {disabled}",
        f"ancestor BW-1 was issued {disabled}",
    )


def test_a_receipt_confirmed_by_a_stolen_key_warns_the_descendants(story, kp, as_, accounts, chain):
    """A thief with AE's key confirms receipt of rough that never arrived; the key is disabled from
    before that confirmation once the theft is found: every descendant verifies with a warning."""
    confirmed = kp.trace("EU-1").confirmed_at["BW-1"]
    as_(accounts.secretariat).disable_authority(accounts.ae.address, confirmed.replace(tzinfo=timezone.utc))
    warnings = kp.verify("EU-1").provenance.warnings
    assert any(
        w.startswith(f"ancestor BW-1's receipt was confirmed by {accounts.ae.address}") for w in warnings
    )
    assert not kp.verify("EU-1").provenance.complete
    assert kp.verify("BW-1").provenance.complete  # its own confirmation is not its ancestry


# ---------------------------------------------------------------- the laundering the audit found


def test_rough_of_an_embargoed_origin_cannot_leave_a_third_country_relabelled(story, ship, as_, accounts):
    """Audit finding: with CF under embargo, Dubai re-exported 400 ct of a confirmed CF import as
    origin AE. Origins follow the carats: refused, naming the origin left out."""
    as_(accounts.chair).set_embargo("CF", "exports", MAY_2013)
    with reverts("OriginNotCarried", token("AE-3"), b32("CF")):
        ship("EU-2", "IN", "400.00", ["EU"], [cert("AE-3", "400.00")])
    with reverts("OriginEmbargoed", b32("CF"), MAY_2013):  # labelled truly: the embargo follows the rough
        ship("EU-2", "IN", "400.00", ["CF"], [cert("AE-3", "400.00")])


def test_a_mixed_parcel_cannot_drop_its_embargoed_part(story, officers, ship, as_, accounts):
    """Audit finding: 300 ct of CF rough mixed with 10 ct of BW rough, listed only as BW."""
    ship("CF-2", "AE", "300.00", ["CF"], [made(BERBERATI, "300.00")], confirm=True)
    as_(accounts.chair).set_embargo("CF", "exports", MAY_2013)
    with reverts("OriginNotCarried", token("CF-2"), b32("CF")):
        ship("AE-4", "EU", "310.00", ["BW/Jwaneng"], [cert("CF-2", "300.00"), cert("BW-1", "10.00")])


def test_a_partial_draw_carries_all_of_a_mixed_parents_origins(story, ship):
    """The safe rule: 1 ct drawn from EU-1 (BW and CF rough) carries both origins."""
    with reverts("OriginNotCarried", token("EU-1"), b32("CF")):
        ship("IN-1", "AE", "1.00", ["BW/Jwaneng"], [cert("EU-1", "1.00")])
    ship("IN-1", "AE", "1.00", ["BW/Jwaneng", "CF"], [cert("EU-1", "1.00")])


def test_a_partially_embargoed_exporter_cannot_relabel_imported_rough_as_its_zone(
    officers, ship, as_, accounts
):
    """Audit finding: under the 2015 operational framework CF could export only its compliant zones'
    rough; imported rough labelled as a compliant zone went through."""
    as_(accounts.chair).set_embargo("CF", "exports", MAY_2013, ["CF/Berberati"])
    officers["BW"].register_production(production("BW", "ORAPA-2024"))
    ship("BW-9", "CF", "50.00", ["BW"], [made("ORAPA-2024", "50.00")], confirm=True)
    with reverts("OriginNotCarried", token("BW-9"), b32("BW")):
        ship("CF-9", "AE", "50.00", ["CF/Berberati"], [cert("BW-9", "50.00")])
    with reverts("ExportsLimitedToZones", code("CF"), b32("BW")):
        ship("CF-9", "AE", "50.00", ["BW", "CF/Berberati"], [cert("BW-9", "50.00")])
    officers["CF"].register_production(production("CF/Berberati", "BERBERATI-Z"))
    ship("CF-9", "AE", "50.00", ["CF/Berberati"], [made("BERBERATI-Z", "50.00")])  # its zone's own rough


def test_carats_cannot_be_made_from_nowhere(story, ship, make_document, officers):
    """Audit finding: "own production" topped up a 0.01 ct draw to any number of carats. Every carat
    is drawn now: a certificate without parents, or with too few carats drawn, is refused."""
    with reverts("CaratsNotDrawn", 1_000_000_000, 1):
        ship("EU-2", "IN", "10000000.00", ["BW/Jwaneng"], [cert("AE-2", "0.01")])
    with reverts("CaratsNotDrawn", 1_000, 0):
        officers["AE"].issue(make_document(number="AE-4", carats="10.00", origins=["AE"], parents=[]))
    with reverts("CaratsNotDrawn", 5_000, 10_000):  # more drawn than it carries
        ship("EU-2", "IN", "50.00", ["BW/Jwaneng"], [cert("AE-2", "100.00")])


def test_a_hub_cannot_declare_rough_it_received_on_paper_as_its_own(story, ship):
    with reverts("OriginNotCarried", root(f"AE:{PAPER}"), b32("ZA")):
        ship("AE-4", "EU", "100.00", ["AE"], [paper(PAPER, "100.00")])
    with reverts("OriginNotCovered", b32("BW")):  # nor invent an origin it did not receive
        ship("AE-4", "EU", "100.00", ["ZA", "BW"], [paper(PAPER, "100.00")])


# ---------------------------------------------------------------- roots


def test_over_drawing_production_or_a_paper_import_is_refused(story, ship):
    with reverts("ParentOverdrawn", root(f"BW#{JWANENG}"), 100_001, 100_000):
        ship("BW-2", "AE", "1000.01", ["BW/Jwaneng"], [made(JWANENG, "1000.01")])
    ship("AE-4", "EU", "500.00", ["ZA"], [paper(PAPER, "500.00")])
    with reverts("ParentOverdrawn", root(f"AE:{PAPER}"), 1, 0):
        ship("AE-5", "EU", "0.01", ["ZA"], [paper(PAPER, "0.01")])


def test_a_paper_number_is_registered_once_per_importer(story, officers, as_, accounts):
    with reverts("AlreadyRegistered", root(f"AE:{PAPER}")):
        officers["AE"].register_paper(paper_certificate(carats="9999.00"))
    # Another importer naming the same number is its own record: nobody can squat a number for
    # another importer, and both registrations are public for an auditor to question.
    officers["EU"].register_paper(paper_certificate(importing="EU"))


def test_a_digital_certificate_cannot_enter_again_as_paper(story, officers, ship):
    """Reviewed attack: AE confirmed digital ZA-2024-7, then registered ZA-2024-7 as paper too, to
    draw 1000 ct from a 500 ct shipment. One shipment enters once."""
    officers["ZA"].register_production(production("ZA", "VENETIA-2024"))
    ship("ZA-2024-7", "AE", "500.00", ["ZA"], [made("VENETIA-2024", "500.00")], confirm=True)
    with reverts("CertificateExists", token("ZA-2024-7")):
        officers["AE"].register_paper(paper_certificate(number="ZA-2024-7"))


def test_a_paper_number_issued_digitally_afterwards_warns_every_descendant(story, officers, ship, kp):
    """The other order, which the chain cannot refuse cheaply at every issue: AE registers paper
    ZA-2024-8, then ZA issues a digital certificate of that number to AE. Whatever draws on the
    certificate verifies with a warning that the shipment entered twice."""
    officers["AE"].register_paper(paper_certificate(number="ZA-2024-8"))
    officers["ZA"].register_production(production("ZA", "VENETIA-2024"))
    ship("ZA-2024-8", "AE", "500.00", ["ZA"], [made("VENETIA-2024", "500.00")], confirm=True)
    ship("AE-9", "EU", "600.00", ["ZA"], [cert("ZA-2024-8", "500.00"), paper("ZA-2024-8", "100.00")])
    warnings = kp.verify("AE-9").provenance.warnings
    assert warnings == (
        "ancestor ZA-2024-8 was also registered as a paper certificate by AE: one shipment entered twice",
    )
    assert kp.trace("AE-9").status.warnings == warnings
    assert kp.verify("ZA-2024-8").provenance.complete  # its own ancestry is sound


def test_production_is_registered_only_by_its_producer(story, officers, accounts):
    with reverts("NotAuthorityOf", accounts.ae.address, code("BW"), code("AE")):
        officers["AE"].register_production(production("BW/Jwaneng", "FAKE-1"))
    with reverts("AlreadyRegistered", root(f"BW#{JWANENG}")):
        officers["BW"].register_production(production("BW/Jwaneng", JWANENG))


def test_only_the_producer_draws_on_its_production(story, send, accounts, certificates, make_issue):
    issue = make_issue(
        number=b32("AE-9"), importing=code("EU"), carats=1, origins=[b32("BW/Jwaneng")],
        parents=[(root(f"BW#{JWANENG}"), 1, [b32("BW/Jwaneng")])],
    )  # fmt: skip
    with reverts("ParentNotHeld", root(f"BW#{JWANENG}"), code("BW"), code("AE")):
        send(accounts.ae, certificates.functions.issue(issue))


def test_only_the_importer_draws_on_its_paper_certificate(
    story, ship, send, accounts, certificates, make_issue
):
    issue = make_issue(
        number=b32("EU-9"), importing=code("IN"), carats=1, origins=[b32("ZA")],
        parents=[(root(f"AE:{PAPER}"), 1, [b32("ZA")])],
    )  # fmt: skip
    with reverts("ParentNotHeld", root(f"AE:{PAPER}"), code("AE"), code("EU")):
        send(accounts.eu, certificates.functions.issue(issue))


@pytest.mark.parametrize(
    ("changes", "error", "args"),
    [
        ({"lot": b32("jwaneng")}, "InvalidLot", (b32("jwaneng"),)),
        ({"lot": b32("X" * 30)}, "InvalidLot", (b32("X" * 30),)),
        ({"origin": b32("BW/")}, "InvalidOrigin", (b32("BW/"),)),
        ({"carats": 0}, "InvalidCarats", (0,)),
        ({"periodStart": 2, "periodEnd": 2}, "InvalidPeriod", (2, 2)),
        ({"periodStart": 2**39, "periodEnd": 2**39 + 1}, "InvalidPeriod", (2**39, 2**39 + 1)),
        ({"periodStart": 1, "periodEnd": FUTURE}, "InvalidPeriod", (1, FUTURE)),  # not mined yet
    ],
)
def test_malformed_production_is_refused(send, accounts, certificates, changes, error, args):
    fields = {"lot": b32("L-1"), "origin": b32("BW"), "carats": 1, "periodStart": 1, "periodEnd": 2} | changes
    with reverts(error, *args):
        send(accounts.bw, certificates.functions.registerProduction(tuple(fields.values())))


@pytest.mark.parametrize(
    ("changes", "error", "args"),
    [
        ({"number": b32("ZA-" + "1" * 27)}, "InvalidCertificateNumber", (b32("ZA-" + "1" * 27),)),
        ({"number": b32("ZA 1")}, "InvalidCertificateNumber", (b32("ZA 1"),)),
        ({"issuedAt": 2**39}, "InvalidPaperDates", (2**39, FUTURE)),
        ({"expiresAt": 1}, "InvalidPaperDates", (1, 1)),
        ({"expiresAt": 2}, "InvalidPaperDates", (1, 2)),  # expired before it was registered
        ({"importing": code("EU")}, "NotAuthorityOf", None),
        ({"number": b32("AE-1")}, "SameParticipant", (code("AE"),)),
        ({"number": b32("XX-1")}, "ParticipantNotAdmitted", (code("XX"), 0)),
        ({"origins": [b32("XX")]}, "InvalidOrigin", (b32("XX"),)),
        ({"hsCode": 7}, "InvalidHsCode", (7,)),
    ],
)
def test_malformed_paper_certificates_are_refused(send, accounts, certificates, changes, error, args):
    fields = {
        "number": b32("BW-1"), "importing": code("AE"), "origins": [b32("BW")], "carats": 1, "valueUsd": 1,
        "parcels": 1, "hsCode": 31, "issuedAt": 1, "expiresAt": FUTURE,
    } | changes  # fmt: skip
    if args is None:
        args = (accounts.ae.address, code("EU"), code("AE"))
    with reverts(error, *args):
        send(accounts.ae, certificates.functions.registerPaperCertificate(tuple(fields.values())))


def test_paper_from_an_embargoed_origin_cannot_be_registered(officers, as_, accounts):
    as_(accounts.chair).set_embargo("CF", "exports", MAY_2013)
    with reverts("OriginEmbargoed", b32("CF"), MAY_2013):
        officers["AE"].register_paper(paper_certificate(origins=["CF"]))
    with reverts("ExportsBarred", code("CF"), MAY_2013):
        officers["AE"].register_paper(paper_certificate(number="CF-2024-1", origins=["BW"]))


def test_a_voided_root_cannot_be_drawn_on_and_warns_what_drew_on_it(story, ship, officers, kp):
    ship("AE-4", "EU", "100.00", ["ZA"], [paper(PAPER, "100.00")])
    officers["AE"].void(f"AE:{PAPER}", "fraud")  # the paper turned out forged
    with reverts("ParentNotConfirmed", root(f"AE:{PAPER}"), 3):
        ship("AE-5", "EU", "1.00", ["ZA"], [paper(PAPER, "1.00")])
    (warning,) = kp.verify("AE-4").provenance.warnings
    assert (
        warning
        == f"ancestor paper certificate {PAPER} registered by AE (ZA -> AE) was voided after it was drawn on"
    )


def test_production_registered_by_a_stolen_key_stops_feeding_exports(
    story, as_, accounts, make_document, decide
):
    as_(accounts.secretariat).disable_authority(accounts.bw.address, 1)
    # BW has no valid key left: its new key comes through the plenary
    decide(as_(accounts.secretariat).add_authority(accounts[3].address, "BW", by_proposal=True))
    document = make_document(
        number="BW-2", exporting="BW", importing="AE", carats="1.00", origins=["BW/Jwaneng"],
        parents=[made(JWANENG, "1.00")],
    )  # fmt: skip
    with reverts("ParentIssuerNotValid", root(f"BW#{JWANENG}")):  # BW's new key cannot draw on it
        as_(accounts[3]).issue(document)


# ---------------------------------------------------------------- the rules around draws


def test_a_parent_must_be_confirmed(story, ship):
    ship("AE-4", "EU", "10.00", ["ZA"], [paper(PAPER, "10.00")])
    with reverts("ParentNotConfirmed", token("AE-4"), 1):  # issued, receipt not yet confirmed
        ship("EU-2", "IN", "10.00", ["ZA"], [cert("AE-4", "10.00")])


def test_a_voided_parent_cannot_be_drawn_on(story, ship, officers):
    ship("BW-2", "AE", "10.00", ["BW/Jwaneng"], [made(JWANENG, "10.00")], confirm=True)
    officers["BW"].void("BW-2", "fraud")
    with reverts("ParentNotConfirmed", token("BW-2"), 3):
        ship("AE-5", "EU", "10.00", ["BW/Jwaneng"], [cert("BW-2", "10.00")])


def test_a_parent_must_be_held_by_the_exporter(story, ship):
    with reverts("ParentNotHeld", token("BW-1"), code("AE"), code("EU")):  # AE's import, not EU's
        ship("EU-2", "IN", "1.00", ["BW/Jwaneng"], [cert("BW-1", "1.00")])
    with reverts("ParentNotHeld", token("AE-1"), code("EU"), code("AE")):  # AE's own export
        ship("AE-4", "BW", "1.00", ["BW/Jwaneng"], [cert("AE-1", "1.00")])


def test_every_origin_must_come_from_a_parent(story, ship):
    with reverts("OriginNotCovered", b32("CF")):
        ship("EU-2", "IN", "100.00", ["BW/Jwaneng", "CF"], [cert("AE-2", "100.00")])
    with reverts(
        "OriginNotCarried", token("AE-2"), b32("BW/Jwaneng")
    ):  # the zone exactly as the parent lists it
        ship("EU-2", "IN", "100.00", ["BW"], [cert("AE-2", "100.00")])


def test_a_parent_issued_by_a_key_not_valid_at_the_time_cannot_be_drawn_on(story, ship, as_, accounts):
    as_(accounts.secretariat).disable_authority(accounts[0].address, 1)  # CF's key, from the start
    with reverts("ParentIssuerNotValid", token("CF-1")):
        ship("AE-4", "EU", "1.00", ["CF"], [cert("CF-1", "1.00")])


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
    with pytest.raises(KPError, match="parent AE-9 is not on chain"):
        ship("EU-2", "IN", "1.00", ["AE"], [cert("AE-9", "1.00")])
    with pytest.raises(KPError, match="parent production EU NONE is not on chain"):
        ship("EU-2", "IN", "1.00", ["EU"], [made("NONE", "1.00")])


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
