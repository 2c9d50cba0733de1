"""The registry: ``kp participant`` and ``kp embargo`` (the Chair), ``kp authority`` (the
secretariat, and a participant's consent to its keys)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from kp_py.cli._options import (
    Options,
    Progress,
    emit,
    fail,
    proposed,
    reads,
    report,
    shown,
    signs,
    table,
    when,
)
from kp_py.cli._types import ADDRESS, CODE, FILES, TIME, UsageError, utc
from kp_py.client import KP
from kp_py.plenary import Proposal
from kp_py.records import PARTICIPANTS_FILE


@click.group()
def participant() -> None:
    """KP participants: admit, suspend, reinstate, withdraw, show, list, load (the Chair)."""


def _participant_dict(kp: KP, code: str) -> dict[str, Any]:
    p = kp.participant(code)

    def embargo(e: Any) -> dict[str, Any] | None:
        if e is None:
            return None
        return {
            "since": when(e.since),
            "until": when(e.until) if e.until else None,
            "zones": list(e.compliant_zones),
        }

    return {
        "code": p.code,
        "name": p.name,
        "standing": p.standing,
        "standing_since": when(p.standing_since),
        "exports_embargo": embargo(p.exports_embargo),
        "imports_embargo": embargo(p.imports_embargo),
    }


@participant.command("admit")
@click.argument("code", type=CODE)
@click.argument("name")
@signs
def participant_admit(options: Options, code: str, name: str) -> None:
    """Propose admitting CODE (ISO 3166-1 alpha-2) as a participant named NAME: it takes effect
    after the notice period, if no participant objects."""
    proposed(options, options.writer().admit(code, name), f"admit {code} ({name})")


@participant.command("suspend")
@click.argument("code", type=CODE)
@click.option("--self", "self_suspension", is_flag=True, help="The participant asked for it.")
@signs
def participant_suspend(options: Options, code: str, self_suspension: bool) -> None:
    """Suspend CODE."""
    report(options, options.writer().suspend(code, self_suspension=self_suspension), f"{code} suspended")


@participant.command("reinstate")
@click.argument("code", type=CODE)
@signs
def participant_reinstate(options: Options, code: str) -> None:
    """Propose reinstating suspended CODE (after the notice period, if no participant objects)."""
    proposed(options, options.writer().reinstate(code), f"reinstate {code}")


@participant.command("withdraw")
@click.argument("code", type=CODE)
@signs
def participant_withdraw(options: Options, code: str) -> None:
    """Record that CODE left or was removed (its keys lapse)."""
    report(options, options.writer().withdraw(code), f"{code} withdrawn")


@participant.command("show")
@click.argument("code", type=CODE)
@reads
def participant_show(options: Options, code: str) -> None:
    """Show CODE's standing, embargoes and the pending proposals about it."""
    kp = options.reader()
    data = _participant_dict(kp, code)
    pending = kp.proposals(code, open_only=True)
    data["pending_proposals"] = [p.to_dict() for p in pending]
    if data["standing"] == "none" and not pending:
        fail(f"{code} is not a KP participant")
    lines = [
        f"{data['code']}  {shown(data['name'])}",
        f"standing   {data['standing']}"
        + (f" since {data['standing_since']}" if data["standing"] != "none" else ""),
    ]
    for scope in ("exports", "imports"):
        embargo = data[f"{scope}_embargo"]
        if embargo:
            zones = f"; compliant zones {shown(', '.join(embargo['zones']))}" if embargo["zones"] else ""
            until = f" until {embargo['until']}" if embargo["until"] else ""
            lines.append(f"{scope:9}  barred since {embargo['since']}{until}{zones}")
    for p in pending:
        lines.append(f"proposal {p.id} ({p.state}, from {when(p.ready_at)}): {shown('; '.join(p.decisions))}")
    emit(options, data, "\n".join(lines))


@participant.command("list")
@reads
def participant_list(options: Options) -> None:
    """List every participant ever admitted."""
    kp = options.reader()
    rows = []
    for code in kp.participant_codes():
        data = _participant_dict(kp, code)
        data["embargo"] = ", ".join(s for s in ("exports", "imports") if data[f"{s}_embargo"]) or "-"
        rows.append(data)
    emit(options, rows, table(rows, ["code", "name", "standing", "embargo"]))


@participant.command("load")
@click.argument(
    "csv_file",
    metavar="FILE.csv",
    required=False,
    type=FILES,
)
@signs
def participant_load(options: Options, csv_file: Path | None) -> None:
    """Propose admitting, in one proposal, the participants of FILE.csv (columns code, name, status)
    not yet admitted nor proposed [default: the KP participants file shipped with kp]; suspend the
    admitted ones the file says are suspended (run it again once the proposal is executed)."""
    kp = options.writer()
    proposal, codes = kp.load_participants(csv_file or PARTICIPANTS_FILE, progress=Progress("participants"))
    if proposal is None:
        told = f"no participant left to propose; {len(kp.participant_codes())} participants on chain"
        emit(options, {"proposed": [], "proposal": None}, told)
        return
    data = {"proposed": codes, "proposal": proposal.to_dict()}
    told = (
        f"proposal {proposal.id}: admit {len(codes)} participants; open to objection until "
        f"{when(proposal.ready_at)}, then `kp proposal execute {proposal.id}`"
    )
    emit(options, data, told)


@click.group()
def embargo() -> None:
    """Embargoes on a participant's exports or imports (the Chair)."""


def _scopes(exports: bool, imports: bool) -> list[str]:
    return [s for s, chosen in (("exports", exports), ("imports", imports)) if chosen]


@embargo.command("set")
@click.argument("code", type=CODE)
@click.option("--exports", is_flag=True, help="Bar exports.")
@click.option("--imports", is_flag=True, help="Bar imports.")
@click.option(
    "--since",
    type=TIME,
    default="now",
    show_default=True,
    help="Start: a date, a time, Unix seconds or 'now'.",
)
@click.option("--until", type=TIME, help="End (exclusive) [default: until lifted].")
@click.option(
    "--zone", "zones", multiple=True, help="A compliant zone, CODE/name (exports only; repeatable)."
)
@signs
def embargo_set(
    options: Options,
    code: str,
    exports: bool,
    imports: bool,
    since: int,
    until: int | None,
    zones: tuple[str, ...],
) -> None:
    """Bar CODE's exports or imports."""
    scopes = _scopes(exports, imports)
    if len(scopes) != 1:
        raise UsageError("give exactly one of --exports and --imports")
    if zones and scopes[0] == "imports":
        raise UsageError("--zone applies to export embargoes only")
    sent = options.writer().set_embargo(code, scopes[0], since, list(zones), until=until)
    if isinstance(sent, Proposal):  # it loosens the embargo in force
        proposed(options, sent, f"{code}: {scopes[0]} embargo loosened")
        return
    report(options, sent, f"{code}: {scopes[0]} barred")


@embargo.command("lift")
@click.argument("code", type=CODE)
@click.option("--exports", is_flag=True, help="Lift the export embargo.")
@click.option("--imports", is_flag=True, help="Lift the import embargo.")
@signs
def embargo_lift(options: Options, code: str, exports: bool, imports: bool) -> None:
    """Lift CODE's embargoes (both, unless --exports or --imports)."""
    kp = options.writer()
    p = kp.participant(code)
    scopes = _scopes(exports, imports) or [
        s for s, e in (("exports", p.exports_embargo), ("imports", p.imports_embargo)) if e
    ]
    if not scopes:
        fail(f"{code} has no embargo to lift")
    proposed(options, kp.lift_embargo(code, *scopes), f"lift {code}'s {' and '.join(scopes)} embargo")


@click.group()
def authority() -> None:
    """Authority keys of participants (the secretariat)."""


@authority.command("add")
@click.argument("code", type=CODE)
@click.argument("address", type=ADDRESS)
@click.option("--from", "valid_from", type=TIME, help="Start of validity [default: the chain's now].")
@click.option("--until", "valid_until", type=TIME, help="End of validity [default: none].")
@click.option(
    "--by-proposal",
    is_flag=True,
    help="Propose it to the plenary even though CODE has keys (when none of them is valid any more).",
)
@signs
def authority_add(
    options: Options,
    code: str,
    address: str,
    valid_from: int | None,
    valid_until: int | None,
    by_proposal: bool,
) -> None:
    """Register ADDRESS as an authority key of CODE. CODE's first key (or, with --by-proposal, one for
    a participant left with no valid key) is proposed to the plenary and acts once the proposal is
    executed; any other waits until a valid key of CODE accepts it (`kp authority accept ADDRESS`)."""
    kp = options.writer()
    sent = kp.add_authority(address, code, valid_from, valid_until, by_proposal=by_proposal or None)
    if isinstance(sent, Proposal):
        proposed(options, sent, f"register {address} as an authority key of {code}")
        return
    report(
        options,
        sent,
        _added_or_proposed(kp, address, code),
        {"pending": kp.pending_authority(address) is not None},
    )


def _added_or_proposed(kp: KP, key: str, code: str) -> str:
    if kp.pending_authority(key) is None:
        return f"{key} is now a key of {code}"
    return (
        f"{key} is proposed as a key of {code}: it acts once a valid key of {code} accepts it "
        f"(`kp authority accept {key}`); if {code} has none left, `kp authority add --by-proposal`"
    )


@authority.command("accept")
@click.argument("address", type=ADDRESS)
@signs
def authority_accept(options: Options, address: str) -> None:
    """Accept ADDRESS, proposed as a key of your participant (sign with one of its valid keys)."""
    kp = options.writer()
    pending = kp.pending_authority(address)
    sent = kp.accept_authority(address)
    code = pending[0] if pending else "?"
    report(options, sent, f"{address} is now a key of {code}")


@authority.command("rotate")
@click.argument("old", type=ADDRESS)
@click.argument("new", type=ADDRESS)
@click.option("--at", type=TIME, help="When the new key takes over [default: the next second].")
@signs
def authority_rotate(options: Options, old: str, new: str, at: int | None) -> None:
    """Hand over from key OLD to key NEW; OLD's certificates stay valid."""
    old_key, new_key = old, new
    kp = options.writer()
    sent = kp.rotate_authority(old_key, new_key, at)
    pending = kp.pending_authority(new_key)
    told = f"{old_key} retired; " + (
        _added_or_proposed(kp, new_key, pending[0]) if pending else f"{new_key} takes over"
    )
    report(options, sent, told, {"pending": pending is not None})


@authority.command("retire")
@click.argument("address", type=ADDRESS)
@click.option("--at", type=TIME, help="End of validity [default: the next second].")
@signs
def authority_retire(options: Options, address: str, at: int | None) -> None:
    """End ADDRESS's validity in the ordinary way; its certificates stay valid."""
    report(options, options.writer().retire_authority(address, at), f"{address} retired")


@authority.command("disable")
@click.argument("address", type=ADDRESS)
@click.option(
    "--from",
    "since",
    type=TIME,
    default="now",
    show_default=True,
    help="From when its signatures are void (may be in the past).",
)
@signs
def authority_disable(options: Options, address: str, since: int) -> None:
    """Disable a compromised key: certificates it issued from --from on become invalid."""
    kp = options.writer()
    sent = kp.disable_authority(address, since)
    kp.refresh_metadata()  # wallets redraw its certificates, now shown as invalid (ERC-4906)
    report(options, sent, f"{address} disabled from {when(utc(since))}")


@authority.command("show")
@click.argument("address", type=ADDRESS)
@reads
def authority_show(options: Options, address: str) -> None:
    """Show the participant and validity window of key ADDRESS."""
    a = options.reader().authority(address)
    if not a.participant:
        fail(f"{address} is not a KP authority key")
    data = {
        "address": a.address,
        "participant": a.participant,
        "valid_from": when(a.valid_from),
        "valid_until": when(a.valid_until),
    }
    emit(
        options,
        data,
        f"{a.address}: key of {a.participant}, valid {data['valid_from']} to {data['valid_until']}",
    )
