"""The story of the November 2024 Dubai plenary, told on a local anvil node (`make demo`).

What lets someone in (an admission, a lifted embargo, a participant's first key) is a proposal of the
plenary: published, open to objection for a notice period (here 60 s; the node's clock is moved
on, rather than waited for), then executed by anyone. A proposal from a stolen Chair key is
objected to by one participant and never takes effect.

The node keeps its chain under .kp/; each run deploys a fresh pair of contracts on it, records the
deployment in .kp/deployments.json (so `kp show`, `kp verify` and friends find it after the demo,
once `kp node start` has resumed the chain) and writes the issued certificate to .kp/certificates/.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from web3 import Web3

from kp_py import KP, Document, IssuedDocument, KPError
from kp_py.deployments import record_deployment
from kp_py.document import PaperCertificate, Production
from kp_py.examples import example_document, example_paper
from kp_py.keys import dev_account
from kp_py.node import LocalNode
from kp_py.plenary import Proposal, decision

HOME = Path(".kp")
DATA = Path(__file__).resolve().parent.parent / "kp_py" / "data" / "kp-participants.csv"
CAR_EMBARGO = datetime(2013, 5, 23, tzinfo=timezone.utc)
NOTICE = 60  # seconds: the notice period of the demo's deployment (7 days by default)


def step(text: str) -> None:
    print(f"\n== {text}")


def say(text: str) -> None:
    print(f"   {text}")


def main() -> int:
    chair, uae_officer, bw_officer, bw_importer, car_officer, dubai_trader = (
        dev_account(i) for i in range(6)
    )

    step("A local chain")
    node = LocalNode(HOME)
    url = node.start()
    try:
        return story(url, chair, uae_officer, bw_officer, bw_importer, car_officer, dubai_trader)
    finally:
        node.stop()
        print(f"\n(the node is stopped; its chain is saved in {HOME}/: `kp node start` resumes it, and then")
        print(" `kp verify AE-2024-000123 --document .kp/certificates/AE-2024-000123.json` checks it again")
        print(" and `kp trace AE-2024-000123 --graph trace.svg` draws where its rough came from)")


def story(
    url: str,
    chair: Any,
    uae_officer: Any,
    bw_officer: Any,
    bw_importer: Any,
    car_officer: Any,
    dubai_trader: Any,
) -> int:
    w3 = Web3(Web3.HTTPProvider(url))
    say(f"anvil at {url} (chain id {w3.eth.chain_id}, block {w3.eth.block_number}); state kept in {HOME}/")

    step("The Chair deploys the participant registry, its plenary and the certificate contract")
    kp = KP.deploy(w3, chair, notice_period=NOTICE)
    record_deployment(kp.deployment, HOME / "deployments.json")
    say(f"registry      {kp.deployment.registry}")
    say(f"plenary       {kp.plenary.address} (notice period {kp.notice_period} s)")
    say(f"certificates  {kp.deployment.certificates}")

    step("The participants of the scheme are loaded from the data file")
    rows = [line for line in DATA.read_text(encoding="utf-8").splitlines()[1:] if not line.startswith("UZ,")]
    before_plenary = HOME / "participants-before-2024.csv"
    before_plenary.write_text("\n".join([DATA.read_text(encoding="utf-8").splitlines()[0], *rows]) + "\n")
    founding, loaded = kp.load_participants(before_plenary)
    assert founding is not None
    say(f"proposal {founding.id}: admit {len(loaded)} participants, open to objection until")
    say(f"{founding.ready_at}, published on chain")
    enact(kp, founding)
    say(f"{len(loaded)} participants admitted, among them NA ({kp.participant('NA').name}) and EU")

    step("Authorities: the Dubai KP office, Botswana's ministry, the CAR's BECDOR (first keys, proposed)")
    officers = [(uae_officer, "AE"), (bw_officer, "BW"), (car_officer, "CF")]
    keys = kp.propose([decision("addAuthority", o.address, c.encode(), 0, 2**40 - 1) for o, c in officers])
    enact(kp, keys)
    for officer, code in officers:
        say(f"{code}: {officer.address}")

    step("The CAR embargo, in force since May 2013, with the compliant zones of the 2015 framework")
    kp.set_embargo(
        "CF", "exports", CAR_EMBARGO, ["CF/Berberati", "CF/Boda", "CF/Carnot", "CF/Gadzi", "CF/Nola"]
    )
    embargo = kp.participant("CF").exports_embargo
    assert embargo is not None
    say(f"CF: exports barred since {embargo.since:%Y-%m-%d}")
    say(f"compliant zones: {', '.join(embargo.compliant_zones)}")
    uae, botswana, car = (kp.with_account(officer) for officer in (uae_officer, bw_officer, car_officer))

    step("Every carat starts somewhere: the mines register their production")
    for officer, origin, lot, carats in [
        (botswana, "BW/Jwaneng", "JWANENG-2024-Q3", "5000.00"),
        (car, "CF/Berberati", "BERBERATI-2024-Q3", "800.00"),
        (car, "CF", "BANGUI-2024-Q3", "200.00"),
    ]:
        officer.register_production(produced(origin, lot, carats))
        say(f"production {origin[:2]} {lot}: {carats} ct of {origin} rough, July to September 2024")

    step("Rough reaches Dubai: from Jwaneng (Botswana) and from Berberati (CAR); Dubai confirms both")
    for officer, number, carats, origin, lot in [
        (botswana, "BW-2024-000045", "1000.00", "BW/Jwaneng", "JWANENG-2024-Q3"),
        (car, "CF-2024-000007", "400.00", "CF/Berberati", "BERBERATI-2024-Q3"),
    ]:
        first_export = certificate(number, holder=dubai_trader.address, origins=[origin], carats=carats,
                                   exporting=number[:2], importing="AE",
                                   parents=[{"production": lot}])  # fmt: skip
        officer.issue(first_export)
        uae.confirm_receipt(number)
        say(f"{number}: {carats} ct of {origin} rough drawn from production {lot}, receipt confirmed by AE")

    step("The transition from paper: Dubai registers a Botswana paper certificate it received")
    paper = PaperCertificate.from_dict(
        example_paper("AE", number="BW-2024-012345", origins=["BW"], carats="300.00")
    )
    uae.register_paper(paper)
    say(f"paper certificate {paper.number} (BW -> AE, {paper.carats / 100:,.2f} ct of BW rough) registered")
    try:
        uae.register_paper(paper)
    except KPError as refusal:
        say(f"registering it a second time: refused, {refusal}")
    else:
        return 1

    step("Laundering attempts, each refused by the chain")
    attempts = [
        (car, certificate("CF-2024-000008", holder=dubai_trader.address, exporting="CF", importing="AE",
                          origins=["CF/Berberati"], carats="100.00",
                          parents=[{"production": "BANGUI-2024-Q3"}]),
         "the CAR labels rough from outside the compliant zones as Berberati's"),
        (uae, certificate("AE-2024-000099", holder=bw_importer.address, origins=["AE"], carats="100.00",
                          parents=[{"number": "CF-2024-000007", "carats": "100.00"}]),
         "Dubai relabels CAR rough as its own"),
        (uae, certificate("AE-2024-000099", holder=bw_importer.address, origins=["BW/Jwaneng"],
                          carats="110.00",
                          parents=[{"number": "CF-2024-000007", "carats": "100.00"},
                                   {"number": "BW-2024-000045", "carats": "10.00"}]),
         "Dubai mixes 100 ct of CAR rough into 10 ct of Botswana's and declares Botswana only"),
        (uae, certificate("AE-2024-000099", holder=bw_importer.address, origins=["AE"], carats="10000.00",
                          parents=[]),
         "Dubai certifies 10,000 ct of 'its own' rough, drawn from nowhere"),
    ]  # fmt: skip
    for officer, attempt, told in attempts:
        if not refused(officer, attempt, told):
            return 1

    step("Dubai plenary, November 2024: the Chair proposes lifting the CAR embargo and admitting Uzbekistan")
    plenary = kp.propose([decision("liftEmbargo", b"CF", 0), decision("admit", b"UZ", "Uzbekistan")])
    say(f"proposal {plenary.id}: {'; '.join(plenary.decisions)}")
    say(f"open to objection until {plenary.ready_at}; until then UZ is {kp.participant('UZ').standing}")

    step("Meanwhile someone with a stolen Chair key proposes admitting a front 'participant'")
    front = kp.propose([decision("admit", b"ZZ", "Free Diamond Republic")])
    say(f"proposal {front.id}: {'; '.join(front.decisions)}, published on chain for every participant")
    kp.with_account(bw_officer).object_to(front.id)
    blocked = kp.proposal(front.id)
    say(f"Botswana's authority objects: proposal {front.id} is {blocked.state} (by {blocked.objector})")

    step(f"{NOTICE} s later (the node's clock moved on): anyone executes what nobody objected to")
    enact(kp, plenary)
    cf, uz = kp.participant("CF"), kp.participant("UZ")
    say(f"proposal {plenary.id} executed")
    say(f"CF export embargo: {cf.exports_embargo or 'none'}; UZ is {uz.standing}")
    say(f"{len(kp.participant_codes())} participants on chain")
    try:
        kp.execute(front.id)
    except KPError as refusal:
        say(f"executing proposal {front.id}: refused, {refusal}; ZZ is {kp.participant('ZZ').standing}")
    else:
        return 1

    step("Dubai mixes parcels from both and certifies them to a Botswana importer's wallet")
    parents = [
        {"number": "BW-2024-000045", "carats": "950.50"},
        {"number": "CF-2024-000007", "carats": "300.00"},
    ]
    document = certificate(
        "AE-2024-000123", holder=bw_importer.address, origins=["BW/Jwaneng", "CF/Berberati"], parents=parents
    )
    issued = uae.issue(document)
    out = HOME / "certificates" / f"{document.number}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(issued.to_json() + "\n", encoding="utf-8")
    receipt = w3.eth.get_transaction_receipt(issued.transaction)
    say(f"{document.number}: {document.carats / 100:,.2f} carats, US$ {document.value_usd / 100:,.2f}, "
        f"HS {document.hs_code}, holder {document.holder}")  # fmt: skip
    say(f"transaction {issued.transaction} (block {receipt['blockNumber']}, {receipt['gasUsed']:,} gas)")
    say(f"the issued document, with its salts, is in {out}")
    locked = kp.certificates.functions.locked(issued.token_id).call()
    say(f"the token is locked to the wallet: locked() = {locked}")

    step("Dubai re-exports the rough that arrived on paper, drawing on its registration")
    from_paper = certificate("AE-2024-000125", holder=bw_importer.address, importing="EU", origins=["BW"],
                             carats="300.00", parents=[{"paper": "BW-2024-012345"}])  # fmt: skip
    uae.issue(from_paper)
    say(indent(kp.verify(from_paper.number).summary()).strip())

    step("Dubai tries to certify more Jwaneng rough than it ever imported")
    more = [{"number": "BW-2024-000045", "carats": "100.00"}]
    overdrawn = certificate(
        "AE-2024-000124", holder=bw_importer.address, origins=["BW/Jwaneng"], carats="100.00", parents=more
    )
    if not refused(uae, overdrawn, "the chain refuses it"):
        return 1

    step("Botswana's authority confirms receipt")
    receipt = kp.with_account(bw_officer).confirm_receipt(document.number)
    say(f"status: {kp.certificate(document.number).status} ({receipt['gasUsed']:,} gas)")

    step("A customs officer verifies the certificate and the document the holder shows")
    print(
        indent(
            kp.verify(document.number, IssuedDocument.from_json(out.read_text(encoding="utf-8"))).summary()
        )
    )

    step("Where the rough came from, back to the mines' registered production")
    print(indent(kp.trace(document.number).text()))

    step("A forger changes one carat in a copy of the document")
    tampered = json.loads(out.read_text(encoding="utf-8"))
    tampered["document"]["carats"] = "1251.50"
    forged = IssuedDocument.from_json(json.dumps(tampered))
    verdict = kp.verify(document.number, forged)
    print(indent(verdict.summary()))
    if verdict.genuine or verdict.differing_fields != ("carats",):
        return 1
    print("\nThe end: the genuine certificate verifies, the forged copy does not.")
    return 0


def enact(kp: KP, proposal: Proposal) -> None:
    """Move the local node's clock past the proposal's notice period and execute it."""
    kp.enact_on_local_node(proposal)


def refused(officer: KP, document: Document, told: str) -> bool:
    """Whether the chain refuses to issue ``document``, as the story needs; says why."""
    try:
        officer.issue(document)
    except KPError as refusal:
        say(f"{told}, {refusal}")
        return True
    say(f"!! {document.number} was accepted")
    return False


def certificate(number: str, *, holder: str, origins: list[str], **changes: Any) -> Document:
    return Document.from_dict(example_document(holder, number=number, origins=origins, **changes))


def produced(origin: str, lot: str, carats: str) -> Production:
    return Production.from_dict(
        {"lot": lot, "origin": origin, "carats": carats, "from": "2024-07-01", "to": "2024-09-30"}
    )


def indent(text: str) -> str:
    return "\n".join("   " + line for line in text.splitlines())


if __name__ == "__main__":
    sys.exit(main())
