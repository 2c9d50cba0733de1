"""``kp proposal``: the plenary's proposals (admissions, reinstatements, lifted embargoes, first keys,
role grants) listed, shown, objected to, withdrawn and executed."""

from __future__ import annotations

from typing import Any

import click

from kp_py.cli._options import Options, emit, reads, report, shown, signs, table, when
from kp_py.cli._types import CODE
from kp_py.plenary import Proposal


@click.group()
def proposal() -> None:
    """Proposals of the plenary: list, show, object, withdraw, execute."""


def _line(p: Proposal) -> dict[str, Any]:
    return {
        "id": p.id,
        "state": p.state,
        "ready_at": when(p.ready_at),
        "objector": p.objector or "-",
        "decisions": "; ".join(p.decisions),
    }


@proposal.command("list")
@click.option("--participant", type=CODE, help="Only the proposals about this participant.")
@click.option("--open", "open_only", is_flag=True, help="Only those that can still take effect.")
@reads
def proposal_list(options: Options, participant: str | None, open_only: bool) -> None:
    """List the proposals, oldest first."""
    found = options.reader().proposals(participant, open_only=open_only)
    rows = [_line(p) for p in found]
    emit(
        options,
        [p.to_dict() for p in found],
        table(rows, ["id", "state", "ready_at", "objector", "decisions"]),
    )


@proposal.command("show")
@click.argument("id", type=click.IntRange(min=1))
@reads
def proposal_show(options: Options, id: int) -> None:
    """Show proposal ID: who made it, when it can take effect, its state and decisions."""
    p = options.reader().proposal(id)
    lines = [
        f"proposal {p.id}  {p.state}" + (f" (objected to by {p.objector})" if p.objector else ""),
        f"proposer   {p.proposer}",
        f"proposed   {when(p.proposed_at)}",
        f"ready      {when(p.ready_at)}",
        f"expires    {when(p.expires_at)}",
        *(f"decision   {shown(d)}" for d in p.decisions),
    ]
    emit(options, p.to_dict(), "\n".join(lines))


@proposal.command("object")
@click.argument("id", type=click.IntRange(min=1))
@click.option("--for", "participant", type=CODE, help="The participant objecting [default: the key's].")
@signs
def proposal_object(options: Options, id: int, participant: str | None) -> None:
    """Object to proposal ID, signing with a valid authority key of your participant: it will not
    take effect."""
    kp = options.writer()
    sent = kp.object_to(id, participant)
    objector = kp.proposal(id).objector
    report(
        options,
        sent,
        f"{objector} objected to proposal {id}: it will not take effect",
        {"objector": objector},
    )


@proposal.command("withdraw")
@click.argument("id", type=click.IntRange(min=1))
@signs
def proposal_withdraw(options: Options, id: int) -> None:
    """Withdraw proposal ID (its proposer, the Chair or the admin)."""
    report(options, options.writer().withdraw_proposal(id), f"proposal {id} withdrawn")


@proposal.command("execute")
@click.argument("id", type=click.IntRange(min=1))
@signs
def proposal_execute(options: Options, id: int) -> None:
    """Put proposal ID into effect, once its notice period has passed with no objection (anyone)."""
    kp = options.writer()
    sent = kp.execute(id)
    decisions = kp.proposal(id).decisions
    report(
        options,
        sent,
        f"proposal {id} executed: {shown('; '.join(decisions))}",
        {"decisions": list(decisions)},
    )
