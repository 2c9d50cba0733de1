"""KPRegistry: setEmbargo and liftEmbargo, and what an embargo does to issuance."""

from datetime import datetime, timezone

import pytest

from kp_py.errors import timestamp
from tests.conftest import DAY, b32, code, reverts

MAY_2013 = int(datetime(2013, 5, 23, tzinfo=timezone.utc).timestamp())
EXPORTS, IMPORTS = 0, 1


def test_set_export_embargo_with_zones_and_lift_it(as_, accounts, kp, registry):
    chair = as_(accounts.chair)
    receipt = chair.set_embargo("CF", "exports", MAY_2013, ["CF/Berberati", "CF/Nola"])
    (event,) = registry.events.EmbargoSet().process_receipt(receipt)
    assert (event.args.code, event.args.scope, event.args.since) == (code("CF"), EXPORTS, MAY_2013)
    assert event.args.zones == [b32("CF/Berberati"), b32("CF/Nola")]
    cf = kp.participant("CF")
    assert cf.exports_barred_since == timestamp(MAY_2013)
    assert cf.compliant_zones == ("CF/Berberati", "CF/Nola")

    receipt = chair.lift_embargo("CF", "exports")
    (event,) = registry.events.EmbargoLifted().process_receipt(receipt)
    assert (event.args.code, event.args.scope) == (code("CF"), EXPORTS)
    cf = kp.participant("CF")
    assert cf.exports_barred_since is None and cf.compliant_zones == ()


def test_setting_again_replaces_start_and_zones(as_, accounts, kp):
    chair = as_(accounts.chair)
    chair.set_embargo("CF", "exports", MAY_2013, ["CF/Berberati", "CF/Nola"])
    chair.set_embargo("CF", "exports", MAY_2013 + DAY, ["CF/Carnot"])
    assert kp.participant("CF").compliant_zones == ("CF/Carnot",)


def test_import_embargo(as_, accounts, kp):
    as_(accounts.chair).set_embargo("BW", "imports", MAY_2013)
    assert kp.participant("BW").imports_barred_since == timestamp(MAY_2013)
    assert kp.participant("BW").exports_barred_since is None


def test_set_embargo_refusals(send, as_, accounts, registry):
    chair = as_(accounts.chair)
    with reverts("UnknownParticipant", code("ZZ")):
        chair.set_embargo("ZZ", "exports", MAY_2013)
    with reverts("InvalidEmbargoStart", code("CF"), 0):
        chair.set_embargo("CF", "exports", 0)
    with reverts("InvalidZone", code("CF"), b32("BW/Jwaneng")):
        chair.set_embargo("CF", "exports", MAY_2013, ["BW/Jwaneng"])
    with reverts("InvalidZone", code("CF"), b32("CF/")):
        chair.set_embargo("CF", "exports", MAY_2013, ["CF/"])
    with reverts("InvalidZone", code("CF"), b32("CF/Nola")):
        chair.set_embargo("CF", "imports", MAY_2013, ["CF/Nola"])


@pytest.mark.parametrize("scope", [EXPORTS, IMPORTS])
def test_lift_refuses_when_there_is_no_embargo(send, accounts, registry, scope):
    with reverts("NoEmbargo", code("CF"), scope):
        send(accounts.chair, registry.functions.liftEmbargo(code("CF"), scope))


# ------------------------------------------------------------------ effect on issuance


def test_full_export_embargo_bars_the_exporter(as_, accounts, make_document):
    as_(accounts.chair).set_embargo("AE", "exports", MAY_2013)
    with reverts("ExportsBarred", code("AE"), MAY_2013):
        as_(accounts.ae).issue(make_document())


def test_import_embargo_bars_the_importer(as_, accounts, make_document):
    as_(accounts.chair).set_embargo("BW", "imports", MAY_2013)
    with reverts("ImportsBarred", code("BW"), MAY_2013):
        as_(accounts.ae).issue(make_document())


def test_an_embargo_starting_later_is_not_yet_in_force(as_, accounts, chain, make_document):
    start = chain.time() + 10 * DAY
    as_(accounts.chair).set_embargo("AE", "exports", start)
    as_(accounts.ae).issue(make_document(number="AE-1"))
    chain.travel(10 * DAY)
    with reverts("ExportsBarred", code("AE"), start):
        as_(accounts.ae).issue(make_document(number="AE-2"))


def test_embargoed_origin_is_refused_even_when_re_exported(as_, accounts, make_document):
    """Laundering CAR rough through Dubai: the origin's embargo follows the rough."""
    as_(accounts.chair).set_embargo("CF", "exports", MAY_2013)
    with reverts("OriginEmbargoed", b32("CF"), MAY_2013):
        as_(accounts.ae).issue(make_document(origins=["BW", "CF"]))


def test_compliant_zone_origin_is_allowed_other_zones_are_not(as_, accounts, make_document):
    as_(accounts.chair).set_embargo("CF", "exports", MAY_2013, ["CF/Berberati"])
    as_(accounts.ae).issue(make_document(number="AE-1", origins=["CF/Berberati"]))
    with reverts("OriginEmbargoed", b32("CF/Bangui"), MAY_2013):
        as_(accounts.ae).issue(make_document(number="AE-2", origins=["CF/Bangui"]))
    with reverts("OriginEmbargoed", b32("CF"), MAY_2013):
        as_(accounts.ae).issue(make_document(number="AE-3", origins=["CF"]))


def test_partially_embargoed_exporter_ships_compliant_rough_only(as_, accounts, kp, make_document):
    """The CAR operational framework of 2015: exports only from compliant zones."""
    as_(accounts.secretariat).add_authority(accounts[0].address, "CF", valid_from=0)
    as_(accounts.chair).set_embargo("CF", "exports", MAY_2013, ["CF/Berberati"])
    cf = as_(accounts[0])
    cf.issue(make_document(number="CF-2016-1", exporting="CF", origins=["CF/Berberati"]))
    with reverts("OriginEmbargoed", b32("CF"), MAY_2013):
        cf.issue(make_document(number="CF-2016-2", exporting="CF", origins=["CF"]))
    as_(accounts.chair).set_embargo("CF", "exports", MAY_2013)
    with reverts("ExportsBarred", code("CF"), MAY_2013):
        cf.issue(make_document(number="CF-2016-3", exporting="CF", origins=["CF/Berberati"]))


def test_lifting_the_embargo_lets_trade_resume(as_, accounts, make_document):
    as_(accounts.chair).set_embargo("CF", "exports", MAY_2013)
    as_(accounts.chair).lift_embargo("CF", "exports")
    as_(accounts.ae).issue(make_document(origins=["CF"]))
