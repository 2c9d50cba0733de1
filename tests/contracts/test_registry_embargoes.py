"""KPRegistry: setEmbargo and liftEmbargo, and what an embargo does to issuance."""

from datetime import datetime, timezone

import pytest

from kp_py.errors import timestamp
from kp_py.plenary import decision
from kp_py.records import Embargo
from tests.conftest import DAY, b32, code, enact, production, reverts

MAY_2013 = int(datetime(2013, 5, 23, tzinfo=timezone.utc).timestamp())
EXPORTS, IMPORTS = 0, 1
CAR_ZONES = ["CF/Berberati", "CF/Nola"]


def test_set_export_embargo_with_zones_and_lift_it(as_, accounts, kp, registry, decide):
    chair = as_(accounts.chair)
    receipt = chair.set_embargo("CF", "exports", MAY_2013, CAR_ZONES)
    (event,) = registry.events.EmbargoSet().process_receipt(receipt)
    args = event.args
    assert (args.code, args.scope, args.since, args.until) == (code("CF"), EXPORTS, MAY_2013, 0)
    assert args.zones == [b32(zone) for zone in CAR_ZONES]
    assert kp.participant("CF").exports_embargo == Embargo(timestamp(MAY_2013), None, tuple(CAR_ZONES))

    receipt = decide(chair.lift_embargo("CF", "exports"))
    (event,) = registry.events.EmbargoLifted().process_receipt(receipt)
    assert (event.args.code, event.args.scope) == (code("CF"), EXPORTS)
    assert kp.participant("CF").exports_embargo is None
    assert registry.functions.compliantZones(code("CF")).call() == []


def test_setting_again_replaces_period_and_zones(as_, accounts, kp, decide):
    chair = as_(accounts.chair)
    chair.set_embargo("CF", "exports", MAY_2013, CAR_ZONES)
    # an end and a zone not listed loosen it: the plenary decides
    decide(chair.set_embargo("CF", "exports", MAY_2013 + DAY, ["CF/Carnot"], until=MAY_2013 + 9 * DAY))
    assert kp.participant("CF").exports_embargo == Embargo(
        timestamp(MAY_2013 + DAY), timestamp(MAY_2013 + 9 * DAY), ("CF/Carnot",)
    )


def test_import_embargo(as_, accounts, kp):
    as_(accounts.chair).set_embargo("BW", "imports", MAY_2013)
    bw = kp.participant("BW")
    assert bw.imports_embargo == Embargo(timestamp(MAY_2013), None)
    assert bw.exports_embargo is None


def test_set_embargo_refusals(send, as_, accounts, registry):
    chair = as_(accounts.chair)
    with reverts("UnknownParticipant", code("ZZ")):
        chair.set_embargo("ZZ", "exports", MAY_2013)
    with reverts("InvalidEmbargoPeriod", code("CF"), 0, 0):
        chair.set_embargo("CF", "exports", 0)
    with reverts("InvalidEmbargoPeriod", code("CF"), MAY_2013, MAY_2013):
        chair.set_embargo("CF", "exports", MAY_2013, until=MAY_2013)
    for zone in ["BW/Jwaneng", "CF/", "CF", "CF/ Nola", "CF/Nola#", "CF/Nola\x00x"]:
        with reverts("InvalidZone", code("CF"), b32(zone)):
            chair.set_embargo("CF", "exports", MAY_2013, [zone])
    with reverts("InvalidZone", code("CF"), b32("CF/Nola")):
        chair.set_embargo("CF", "exports", MAY_2013, ["CF/Nola", "CF/Nola"])
    with reverts("InvalidZone", code("CF"), b32("CF/Nola")):
        chair.set_embargo("CF", "imports", MAY_2013, ["CF/Nola"])
    with reverts("TooManyZones", 33, 32):
        chair.set_embargo("CF", "exports", MAY_2013, [f"CF/Zone{i}" for i in range(33)])
    with reverts("InvalidScope", 2):
        send(accounts.chair, registry.functions.setEmbargo(code("CF"), 2, MAY_2013, 0, []))


@pytest.mark.parametrize("scope", [EXPORTS, IMPORTS])
def test_lift_refuses_when_there_is_no_embargo(as_, accounts, decide, scope):
    proposal = as_(accounts.chair).propose([decision("liftEmbargo", code("CF"), scope)])
    with reverts("NoEmbargo", code("CF"), scope):
        decide(proposal)


def test_lift_refuses_a_bad_scope(as_, accounts, decide):
    proposal = as_(accounts.chair).propose([decision("liftEmbargo", code("CF"), 7)])
    with reverts("InvalidScope", 7):
        decide(proposal)


@pytest.mark.parametrize(
    ("since", "until", "zones"),
    [(MAY_2013, 0, CAR_ZONES), (MAY_2013, 0, ["CF/Nola"]), (MAY_2013 - DAY, 0, ["CF/Nola"])],
    ids=["same", "fewer-zones", "earlier-start"],
)
def test_tightening_an_embargo_is_immediate(as_, accounts, kp, since, until, zones):
    chair = as_(accounts.chair)
    chair.set_embargo("CF", "exports", MAY_2013, CAR_ZONES)
    receipt = chair.set_embargo("CF", "exports", since, zones, until=until or None)
    assert "blockNumber" in receipt and kp.participant("CF").exports_embargo.compliant_zones == tuple(zones)


@pytest.mark.parametrize(
    ("since", "until", "zones"),
    [(2**39, 0, CAR_ZONES), (MAY_2013, 2**39, CAR_ZONES), (MAY_2013, 0, [*CAR_ZONES, "CF/Carnot"])],
    ids=["later-start", "an-end", "new-zone"],
)
def test_loosening_an_embargo_is_proposed(as_, accounts, kp, decide, since, until, zones):
    chair = as_(accounts.chair)
    chair.set_embargo("CF", "exports", MAY_2013, CAR_ZONES)
    proposal = chair.set_embargo("CF", "exports", since, zones, until=until or None)
    assert proposal.state == "pending"
    assert kp.participant("CF").exports_embargo.compliant_zones == tuple(CAR_ZONES)
    decide(proposal)
    assert kp.participant("CF").exports_embargo.compliant_zones == tuple(zones)


# ------------------------------------------------------------------ effect on issuance


def test_full_export_embargo_bars_the_exporter(as_, accounts, make_document):
    as_(accounts.chair).set_embargo("AE", "exports", MAY_2013)
    with reverts("ExportsBarred", code("AE"), MAY_2013):
        as_(accounts.ae).issue(make_document())


def test_import_embargo_bars_the_importer(as_, accounts, make_document):
    as_(accounts.chair).set_embargo("BW", "imports", MAY_2013)
    with reverts("ImportsBarred", code("BW"), MAY_2013):
        as_(accounts.ae).issue(make_document())


def test_an_embargo_is_in_force_from_its_start_to_its_end(as_, accounts, chain, make_document):
    start = chain.time() + 10 * DAY
    as_(accounts.chair).set_embargo("AE", "exports", start, until=start + 10 * DAY)
    as_(accounts.ae).issue(make_document(number="AE-1"))
    chain.travel(10 * DAY)
    with reverts("ExportsBarred", code("AE"), start):
        as_(accounts.ae).issue(make_document(number="AE-2"))
    chain.travel(10 * DAY)
    as_(accounts.ae).issue(make_document(number="AE-3"))


def test_embargoed_origin_is_refused_even_when_re_exported(as_, accounts, make_document):
    """Laundering CAR rough through Dubai: the origin's embargo follows the rough."""
    as_(accounts.chair).set_embargo("CF", "exports", MAY_2013)
    with reverts("OriginEmbargoed", b32("CF"), MAY_2013):
        as_(accounts.ae).issue(make_document(origins=["BW", "CF"]))


def berberati(as_, accounts):
    """CF with an authority key and production registered in its compliant zone, Berberati."""
    enact(as_(accounts.stranger), as_(accounts.secretariat).add_authority(accounts[0].address, "CF"))
    as_(accounts[0]).register_production(production("CF/Berberati", "BERBERATI"))
    return [{"production": "BERBERATI"}]


def test_compliant_zone_origin_is_allowed_other_zones_are_not(as_, accounts, make_document):
    mined = berberati(as_, accounts)
    as_(accounts.chair).set_embargo("CF", "exports", MAY_2013, ["CF/Berberati"])
    as_(accounts[0]).issue(
        make_document(number="CF-1", exporting="CF", importing="AE", origins=["CF/Berberati"], parents=mined)
    )
    as_(accounts.ae).confirm_receipt("CF-1")
    shipped = make_document(
        number="AE-1", origins=["CF/Berberati"], parents=[{"number": "CF-1", "carats": "1250.50"}]
    )
    as_(accounts.ae).issue(shipped)
    with reverts("OriginEmbargoed", b32("CF/Bangui"), MAY_2013):
        as_(accounts.ae).issue(make_document(number="AE-2", origins=["CF/Bangui"]))
    with reverts("OriginEmbargoed", b32("CF"), MAY_2013):
        as_(accounts.ae).issue(make_document(number="AE-3", origins=["CF"]))


def test_partially_embargoed_exporter_ships_compliant_rough_only(as_, accounts, make_document):
    """The CAR operational framework of 2015: exports only from compliant zones, not even rough
    labelled as another country's."""
    mined = berberati(as_, accounts)
    as_(accounts.chair).set_embargo("CF", "exports", MAY_2013, ["CF/Berberati"])
    cf = as_(accounts[0])
    cf.issue(make_document(number="CF-2016-1", exporting="CF", origins=["CF/Berberati"], parents=mined))
    with reverts("OriginEmbargoed", b32("CF"), MAY_2013):
        cf.issue(make_document(number="CF-2016-2", exporting="CF", origins=["CF"]))
    with reverts("ExportsLimitedToZones", code("CF"), b32("BW")):
        cf.issue(
            make_document(number="CF-2016-3", exporting="CF", origins=["CF/Berberati", "BW"], parents=mined)
        )
    as_(accounts.chair).set_embargo("CF", "exports", MAY_2013)
    with reverts("ExportsBarred", code("CF"), MAY_2013):
        cf.issue(make_document(number="CF-2016-4", exporting="CF", origins=["CF/Berberati"], parents=mined))


def test_lifting_the_embargo_lets_trade_resume(as_, accounts, make_document, decide):
    decide(as_(accounts.secretariat).add_authority(accounts[0].address, "CF"))
    as_(accounts.chair).set_embargo("CF", "exports", MAY_2013)
    decide(as_(accounts.chair).lift_embargo("CF", "exports"))
    as_(accounts[0]).register_production(production("CF", "STOCK-2024"))
    as_(accounts[0]).issue(make_document(number="CF-1", exporting="CF", origins=["CF"]))
