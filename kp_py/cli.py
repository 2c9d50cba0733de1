"""The ``kp`` command line: a thin layer over :mod:`kp_py` (parse, call, print).

Every command takes, after its name, ``--rpc-url`` (default: the local node of ``./.kp``),
``--account NAME`` (a keystore) or ``--key-env VAR`` (a private key in an environment variable) or,
on the local node, ``--dev N`` (its development account N; 0 by default), and ``--json``.

Exit codes: 0 success; 1 a certificate that ``verify`` finds not genuine; 2 bad usage, a refusal
or a node that cannot answer, with one line on standard error and no traceback; 3 a bug in kp.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, TypeVar, cast

import click
import requests
from click.core import ParameterSource
from eth_account.signers.local import LocalAccount
from eth_utils import is_address, to_checksum_address
from web3.exceptions import Web3Exception

from kp_py import files, keys, offline, render, stats
from kp_py._abi import VOID_REASONS, number_to_token_id, token_id_to_number
from kp_py._text import day, drawn_from, hundredths, last_day, paper_id, printable, production_id, usd
from kp_py.client import KP, IssuedDocument, role_holders
from kp_py.document import Document, Production
from kp_py.errors import KPError
from kp_py.examples import example_paper, example_re_export
from kp_py.network import (
    DEFAULT_HOME,
    connect,
    deployment_facts,
    deployment_files,
    describe,
    find_deployment,
    record_deployment,
    recorded_file,
    web3_for,
)
from kp_py.node import LocalNode
from kp_py.roots import Root, is_root

F = TypeVar("F", bound=Callable[..., Any])
DATA = Path(__file__).resolve().parent / "data" / "kp-participants.csv"


@dataclass(frozen=True)
class Options:
    """The options every command accepts."""

    rpc_url: str | None
    account: str | None
    key_env: str | None
    dev: int | None
    json: bool
    home: Path
    deployments: Path | None
    confirmations: int = 1
    home_named: bool = False  # --home or $KP_HOME, rather than the current folder's .kp by default

    @property
    def local(self) -> bool:
        return self.rpc_url is None

    @property
    def trusted_home(self) -> Path | None:
        """The home, if the user named it: only then may it name the deployment of a public chain."""
        return self.home if self.home_named else None

    def signer(self) -> LocalAccount:
        chosen = [
            name
            for name, value in (("--account", self.account), ("--key-env", self.key_env), ("--dev", self.dev))
            if value is not None
        ]
        if len(chosen) > 1:
            raise click.UsageError(f"give one of {' and '.join(chosen)}, not several")
        if self.key_env is not None:
            return keys.from_env(self.key_env)
        if self.account is not None:
            return keys.load_keystore(self.account, self.home)
        if not self.local:
            raise click.UsageError("this command signs: give --account NAME or --key-env VAR")
        return keys.dev_account(self.dev or 0)

    def reader(self) -> KP:
        """The deployment, read only."""
        return connect(
            self.rpc_url,
            home=self.trusted_home,
            deployments=self.deployments,
            confirmations=self.confirmations,
        )

    def writer(self) -> KP:
        """The deployment, signing with the chosen key."""
        signer = self.signer()  # usage errors before any network access
        return self.reader().with_account(signer)


def common(fn: F) -> F:
    """Add the options every command accepts, and turn expected errors into one line and exit 2."""

    @click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts instead of a table.")
    @click.option(
        "--confirmations",
        type=click.IntRange(1),
        default=1,
        envvar="KP_CONFIRMATIONS",
        help="Blocks a transaction must be deep before it counts as done [default: 1].",
    )
    @click.option(
        "--deployments",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="KP_DEPLOYMENTS",
        help="A deployments file to look the chain up in first.",
    )
    @click.option(
        "--home",
        type=click.Path(file_okay=False, path_type=Path),
        default=DEFAULT_HOME,
        envvar="KP_HOME",
        show_default=True,
        help="Folder of the local node, deployments, keystores.",
    )
    @click.option(
        "--dev", type=click.IntRange(0, 19), help="Sign with development account N (local node only)."
    )
    @click.option("--key-env", metavar="VAR", help="Sign with the private key in environment variable VAR.")
    @click.option("--account", metavar="NAME", help="Sign with keystore NAME (.kp/keystores/NAME.json).")
    @click.option("--rpc-url", envvar="KP_RPC_URL", help="JSON-RPC URL [default: the local node of --home].")
    @functools.wraps(fn)
    def wrapper(
        *args: Any,
        rpc_url: str | None,
        account: str | None,
        key_env: str | None,
        dev: int | None,
        home: Path,
        deployments: Path | None,
        as_json: bool,
        confirmations: int,
        **kwargs: Any,
    ) -> Any:
        named = click.get_current_context().get_parameter_source("home") is not ParameterSource.DEFAULT
        options = Options(rpc_url, account, key_env, dev, as_json, home, deployments, confirmations, named)
        if dev is not None and rpc_url is not None:
            raise click.UsageError("--dev signs with a well-known development key: local node only")
        if confirmations > 1 and rpc_url is None:
            raise click.UsageError(
                "--confirmations: the local node mines a block only for a transaction, so a deeper "
                "one would never come; use it with --rpc-url"
            )
        with _expected_errors():
            return fn(options, *args, **kwargs)

    return cast(F, wrapper)


@contextmanager
def _expected_errors() -> Iterator[None]:
    try:
        yield
    except KPError as error:
        _fail(str(error))
    except (Web3Exception, requests.RequestException) as error:  # the node or the network failed us
        _fail(f"the node could not answer: {_first_line(error)}")
    except OSError as error:
        _fail(f"{error.filename or ''}: {error.strerror}" if error.strerror else str(error))
    except KeyboardInterrupt:
        _fail("interrupted")
    except click.ClickException:
        raise  # usage errors: click prints them and exits 2
    except Exception as error:  # a bug: say so, distinctly from a refusal (2) or a forgery (1)
        if os.environ.get("KP_DEBUG"):
            raise
        _fail(
            f"internal error ({type(error).__name__}: {_first_line(error)}); run with KP_DEBUG=1 for details",
            3,
        )


def _first_line(error: BaseException) -> str:
    text = str(error.args[0] if len(error.args) == 1 else error)
    return text.splitlines()[0] if text else type(error).__name__


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"kp: {printable(message)}", err=True)
    sys.exit(code)


def _emit(options: Options, data: Any, text: str) -> None:
    """Print ``data`` as JSON (exact), or ``text`` for people: line by line, without the controls
    that text from the chain may carry (values that could hold a line break go through _shown)."""
    if options.json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo("\n".join(printable(line) for line in text.split("\n")))


def _shown(value: Any) -> str:
    """One value as a person sees it in a line or a table cell: on one line, without controls."""
    return printable(str(value))


def _table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    if not rows:
        return "(none)"
    cells = [{c: _shown(r.get(c, "")) for c in columns} for r in rows]
    widths = {c: max(len(c), *(len(r[c]) for r in cells)) for c in columns}
    lines = ["  ".join(c.upper().ljust(widths[c]) for c in columns).rstrip()]
    lines += ["  ".join(r[c].ljust(widths[c]) for c in columns).rstrip() for r in cells]
    return "\n".join(lines)


def _progress(label: str) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        if sys.stderr.isatty() or os.environ.get("KP_PROGRESS"):
            end = "\n" if done >= total else ""
            click.echo(f"\r{label}: {done:,}/{total:,}", err=True, nl=False)
            click.echo(end, err=True, nl=False)

    return report


def parse_time(text: str, option: str) -> int:
    """``now``, Unix seconds (``@1732060800``, or ten digits or more), an ISO date (midnight UTC, also
    written ``20241120``) or an ISO date and time. Eight digits are a date, never seconds: a
    mistaken ``--from 20241120`` must not mean 1970."""
    if text == "now":
        return int(datetime.now(timezone.utc).timestamp())
    if text.startswith("@") and text[1:].isdigit():
        return int(text[1:])
    if text.isdigit() and len(text) >= 10:
        return int(text)
    if text.isdigit() and len(text) == 8:
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00")) if "T" in text else None
        if moment is None:
            moment = datetime.combine(date.fromisoformat(text), datetime.min.time())
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a date (2013-05-23), a time (2024-11-20T10:00Z), "
            "Unix seconds (@1732060800) or 'now'",
            param_hint=option,
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp())


def _address(text: str, what: str) -> str:
    if not is_address(text):
        raise click.BadParameter(f"{text!r} is not a 0x address", param_hint=what)
    return to_checksum_address(text)


def _when(value: Any) -> str:
    if value is None:
        return "-"
    return value.isoformat(" ") if isinstance(value, datetime) else str(value)


def _receipt(options: Options, receipt: Any, what: str, extra: dict[str, Any] | None = None) -> None:
    data = {
        "transaction": "0x" + bytes(receipt["transactionHash"]).hex(),
        "block": receipt["blockNumber"],
        "gas_used": receipt["gasUsed"],
        **(extra or {}),
    }
    _emit(options, data, f"{what} (block {data['block']}, transaction {data['transaction']})")


# ====================================================================== commands


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kp-certificates", prog_name="kp")
def main() -> None:
    """Kimberley Process certificates on Ethereum."""


# ---------------------------------------------------------------------- node


@main.group()
def node() -> None:
    """The local anvil node (state kept under .kp/)."""


def _node_status(options: Options, local: LocalNode) -> dict[str, Any]:
    status = local.status()
    data: dict[str, Any] = {"running": status is not None, "home": str(options.home)}
    if status is not None:
        data.update(status)
        data["dev_accounts"] = [keys.dev_account(i).address for i in range(5)]
        try:
            chain_id = int(str(status["chain_id"]))
            found = find_deployment(
                chain_id, deployment_files(chain_id, options.trusted_home, options.deployments)
            )
            data["deployment"] = {
                "registry": found.registry,
                "certificates": found.certificates,
                "block": found.block,
            }
        except KPError:
            data["deployment"] = None
    return data


@node.command("start")
@click.option("--port", type=int, default=0, help="Port to listen on [default: any free port].")
@click.option("--chain-id", type=int, default=31337, show_default=True)
@common
def node_start(options: Options, port: int, chain_id: int) -> None:
    """Start the local node, or report the one running."""
    local = LocalNode(options.home, chain_id=chain_id, port=port)
    url = local.start()
    data = _node_status(options, local)
    _emit(
        options,
        data,
        f"local node running at {url} (chain id {data.get('chain_id')}); state in {options.home}/",
    )


@node.command("stop")
@common
def node_stop(options: Options) -> None:
    """Stop the local node; its chain is saved and the next start resumes it."""
    stopped = LocalNode(options.home).stop()
    _emit(options, {"stopped": stopped}, "local node stopped" if stopped else "no local node was running")


@node.command("status")
@common
def node_status(options: Options) -> None:
    """Whether the local node runs, its URL, chain id and deployment."""
    data = _node_status(options, LocalNode(options.home))
    if not data["running"]:
        _emit(options, data, f"no local node running for {options.home}/ (start one with `kp node start`)")
        return
    deployment = data["deployment"]
    lines = [f"running at {data['url']} (chain id {data['chain_id']}, pid {data['pid']})"]
    if deployment:
        lines += [f"registry      {deployment['registry']}", f"certificates  {deployment['certificates']}"]
    else:
        lines.append("kp is not deployed on it yet (`kp deploy`)")
    lines += [f"dev account {i}: {address}" for i, address in enumerate(data["dev_accounts"])]
    _emit(options, data, "\n".join(lines))


# ---------------------------------------------------------------------- deploy


@main.command()
@click.option("--admin", help="Holder of the admin role [default: the deployer].")
@click.option("--chair", help="Holder of the Chair role [default: the deployer].")
@click.option("--secretariat", help="Holder of the secretariat role [default: the deployer].")
@click.option(
    "--one-account-for-all-roles",
    "one_account",
    is_flag=True,
    help="Let one account hold several roles on a public chain (a test network, not the KP's own).",
)
@common
def deploy(
    options: Options, admin: str | None, chair: str | None, secretariat: str | None, one_account: bool
) -> None:
    """Deploy the registry and certificate contracts and record the deployment. On a public chain
    the admin (meant for a multisig), the Chair and the secretariat must be different accounts,
    unless --one-account-for-all-roles says otherwise."""
    w3 = web3_for(options.rpc_url, options.home)
    deployer = options.signer()
    named = {
        name: _address(value, f"--{name}") if value else None
        for name, value in (("admin", admin), ("chair", chair), ("secretariat", secretariat))
    }
    holders = role_holders(w3.eth.chain_id, deployer.address, **named, shared=one_account)
    kp = KP.deploy(w3, deployer, **named)
    target = options.deployments or recorded_file(kp.deployment.chain_id, options.trusted_home)
    record_deployment(kp.deployment, target)
    data = {
        "chain_id": kp.deployment.chain_id,
        "registry": kp.deployment.registry,
        "certificates": kp.deployment.certificates,
        "block": kp.deployment.block,
        "rpc_url": w3.provider.endpoint_uri,  # type: ignore[attr-defined]
        "deployer": deployer.address,
        "roles": holders,
        "recorded_in": str(target),
    }
    _emit(
        options,
        data,
        "\n".join(
            [
                f"deployed on chain {data['chain_id']} at block {data['block']} (recorded in {target})",
                f"registry      {data['registry']}",
                f"certificates  {data['certificates']}",
                *(f"{name:13} {holder}" for name, holder in holders.items()),
            ]
        ),
    )


# ---------------------------------------------------------------------- participants


@main.group()
def participant() -> None:
    """KP participants: admit, suspend, reinstate, withdraw, show, list, load (the Chair)."""


def _participant_dict(kp: KP, code: str) -> dict[str, Any]:
    p = kp.participant(code)

    def embargo(e: Any) -> dict[str, Any] | None:
        if e is None:
            return None
        return {
            "since": _when(e.since),
            "until": _when(e.until) if e.until else None,
            "zones": list(e.compliant_zones),
        }

    return {
        "code": p.code,
        "name": p.name,
        "standing": p.standing,
        "standing_since": _when(p.standing_since),
        "exports_embargo": embargo(p.exports_embargo),
        "imports_embargo": embargo(p.imports_embargo),
    }


@participant.command("admit")
@click.argument("code")
@click.argument("name")
@common
def participant_admit(options: Options, code: str, name: str) -> None:
    """Admit CODE (ISO 3166-1 alpha-2) as a participant named NAME."""
    _receipt(options, options.writer().admit(code, name), f"{code} admitted")


@participant.command("suspend")
@click.argument("code")
@click.option("--self", "self_suspension", is_flag=True, help="The participant asked for it.")
@common
def participant_suspend(options: Options, code: str, self_suspension: bool) -> None:
    """Suspend CODE."""
    _receipt(options, options.writer().suspend(code, self_suspension=self_suspension), f"{code} suspended")


@participant.command("reinstate")
@click.argument("code")
@common
def participant_reinstate(options: Options, code: str) -> None:
    """Reinstate suspended CODE."""
    _receipt(options, options.writer().reinstate(code), f"{code} reinstated")


@participant.command("withdraw")
@click.argument("code")
@common
def participant_withdraw(options: Options, code: str) -> None:
    """Record that CODE left or was removed (its keys lapse)."""
    _receipt(options, options.writer().withdraw(code), f"{code} withdrawn")


@participant.command("show")
@click.argument("code")
@common
def participant_show(options: Options, code: str) -> None:
    """Show CODE's standing and embargoes."""
    kp = options.reader()
    data = _participant_dict(kp, code)
    if data["standing"] == "none":
        _fail(f"{code} is not a KP participant")
    lines = [
        f"{data['code']}  {_shown(data['name'])}",
        f"standing   {data['standing']} since {data['standing_since']}",
    ]
    for scope in ("exports", "imports"):
        embargo = data[f"{scope}_embargo"]
        if embargo:
            zones = f"; compliant zones {_shown(', '.join(embargo['zones']))}" if embargo["zones"] else ""
            until = f" until {embargo['until']}" if embargo["until"] else ""
            lines.append(f"{scope:9}  barred since {embargo['since']}{until}{zones}")
    _emit(options, data, "\n".join(lines))


@participant.command("list")
@common
def participant_list(options: Options) -> None:
    """List every participant ever admitted."""
    kp = options.reader()
    rows = []
    for code in kp.participant_codes():
        data = _participant_dict(kp, code)
        data["embargo"] = ", ".join(s for s in ("exports", "imports") if data[f"{s}_embargo"]) or "-"
        rows.append(data)
    _emit(options, rows, _table(rows, ["code", "name", "standing", "embargo"]))


@participant.command("load")
@click.argument(
    "csv_file",
    metavar="FILE.csv",
    required=False,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@common
def participant_load(options: Options, csv_file: Path | None) -> None:
    """Admit the participants of FILE.csv (columns code, name, status) not yet admitted
    [default: the KP participants file shipped with kp]."""
    kp = options.writer()
    admitted = kp.load_participants(csv_file or DATA, progress=_progress_codes())
    _emit(options, {"admitted": admitted}, f"{len(admitted)} participants admitted")


def _progress_codes() -> Callable[[str], None]:
    count = 0

    def report(code: str) -> None:
        nonlocal count
        count += 1
        if sys.stderr.isatty() or os.environ.get("KP_PROGRESS"):
            click.echo(f"\radmitted {count} ({code})", err=True, nl=False)

    return report


# ---------------------------------------------------------------------- embargoes


@main.group()
def embargo() -> None:
    """Embargoes on a participant's exports or imports (the Chair)."""


def _scopes(exports: bool, imports: bool) -> list[str]:
    return [s for s, chosen in (("exports", exports), ("imports", imports)) if chosen]


@embargo.command("set")
@click.argument("code")
@click.option("--exports", is_flag=True, help="Bar exports.")
@click.option("--imports", is_flag=True, help="Bar imports.")
@click.option(
    "--since", default="now", show_default=True, help="Start: a date, a time, Unix seconds or 'now'."
)
@click.option("--until", help="End (exclusive) [default: until lifted].")
@click.option(
    "--zone", "zones", multiple=True, help="A compliant zone, CODE/name (exports only; repeatable)."
)
@common
def embargo_set(
    options: Options,
    code: str,
    exports: bool,
    imports: bool,
    since: str,
    until: str | None,
    zones: tuple[str, ...],
) -> None:
    """Bar CODE's exports or imports."""
    scopes = _scopes(exports, imports)
    if len(scopes) != 1:
        raise click.UsageError("give exactly one of --exports and --imports")
    if zones and scopes[0] == "imports":
        raise click.UsageError("--zone applies to export embargoes only")
    start = parse_time(since, "--since")
    end = parse_time(until, "--until") if until else None
    receipt = options.writer().set_embargo(code, scopes[0], start, list(zones), until=end)
    _receipt(options, receipt, f"{code}: {scopes[0]} barred")


@embargo.command("lift")
@click.argument("code")
@click.option("--exports", is_flag=True, help="Lift the export embargo.")
@click.option("--imports", is_flag=True, help="Lift the import embargo.")
@common
def embargo_lift(options: Options, code: str, exports: bool, imports: bool) -> None:
    """Lift CODE's embargoes (both, unless --exports or --imports)."""
    kp = options.writer()
    p = kp.participant(code)
    scopes = _scopes(exports, imports) or [
        s for s, e in (("exports", p.exports_embargo), ("imports", p.imports_embargo)) if e
    ]
    if not scopes:
        _fail(f"{code} has no embargo to lift")
    receipts = [kp.lift_embargo(code, scope) for scope in scopes]
    _receipt(options, receipts[-1], f"{code}: {' and '.join(scopes)} embargo lifted", {"lifted": scopes})


# ---------------------------------------------------------------------- authorities


@main.group()
def authority() -> None:
    """Authority keys of participants (the secretariat)."""


@authority.command("add")
@click.argument("code")
@click.argument("address")
@click.option("--from", "valid_from", default="now", show_default=True, help="Start of validity.")
@click.option("--until", "valid_until", help="End of validity [default: none].")
@common
def authority_add(
    options: Options, code: str, address: str, valid_from: str, valid_until: str | None
) -> None:
    """Register ADDRESS as an authority key of CODE: at once if it is CODE's first key, else proposed
    until a valid key of CODE accepts it (`kp authority accept ADDRESS`)."""
    key = _address(address, "ADDRESS")
    start = None if valid_from == "now" else parse_time(valid_from, "--from")  # the chain's now, not ours
    end = parse_time(valid_until, "--until") if valid_until else None
    kp = options.writer()
    receipt = kp.add_authority(key, code, start, end)
    _receipt(
        options,
        receipt,
        _added_or_proposed(kp, key, code),
        {"pending": kp.pending_authority(key) is not None},
    )


def _added_or_proposed(kp: KP, key: str, code: str) -> str:
    if kp.pending_authority(key) is None:
        return f"{key} is now a key of {code}"
    return (
        f"{key} is proposed as a key of {code}: it acts once a valid key of {code} accepts it "
        f"(`kp authority accept {key}`), or the Chair if {code} has none left"
    )


@authority.command("accept")
@click.argument("address")
@common
def authority_accept(options: Options, address: str) -> None:
    """Accept ADDRESS, proposed as a key of your participant (sign with one of its valid keys; the
    Chair may when the participant has no valid key left)."""
    key = _address(address, "ADDRESS")
    kp = options.writer()
    pending = kp.pending_authority(key)
    receipt = kp.accept_authority(key)
    code = pending[0] if pending else "?"
    _receipt(options, receipt, f"{key} is now a key of {code}")


@authority.command("rotate")
@click.argument("old")
@click.argument("new")
@click.option("--at", help="When the new key takes over [default: the next second].")
@common
def authority_rotate(options: Options, old: str, new: str, at: str | None) -> None:
    """Hand over from key OLD to key NEW; OLD's certificates stay valid."""
    old_key, new_key = _address(old, "OLD"), _address(new, "NEW")
    kp = options.writer()
    receipt = kp.rotate_authority(old_key, new_key, parse_time(at, "--at") if at else None)
    pending = kp.pending_authority(new_key)
    told = f"{old_key} retired; " + (
        _added_or_proposed(kp, new_key, pending[0]) if pending else f"{new_key} takes over"
    )
    _receipt(options, receipt, told, {"pending": pending is not None})


@authority.command("retire")
@click.argument("address")
@click.option("--at", help="End of validity [default: the next second].")
@common
def authority_retire(options: Options, address: str, at: str | None) -> None:
    """End ADDRESS's validity in the ordinary way; its certificates stay valid."""
    key = _address(address, "ADDRESS")
    receipt = options.writer().retire_authority(key, parse_time(at, "--at") if at else None)
    _receipt(options, receipt, f"{key} retired")


@authority.command("disable")
@click.argument("address")
@click.option(
    "--from",
    "since",
    default="now",
    show_default=True,
    help="From when its signatures are void (may be in the past).",
)
@common
def authority_disable(options: Options, address: str, since: str) -> None:
    """Disable a compromised key: certificates it issued from --from on become invalid."""
    key = _address(address, "ADDRESS")
    receipt = options.writer().disable_authority(key, parse_time(since, "--from"))
    _receipt(options, receipt, f"{key} disabled from {since}")


@authority.command("show")
@click.argument("address")
@common
def authority_show(options: Options, address: str) -> None:
    """Show the participant and validity window of key ADDRESS."""
    a = options.reader().authority(_address(address, "ADDRESS"))
    if not a.participant:
        _fail(f"{address} is not a KP authority key")
    data = {
        "address": a.address,
        "participant": a.participant,
        "valid_from": _when(a.valid_from),
        "valid_until": _when(a.valid_until),
    }
    _emit(
        options,
        data,
        f"{a.address}: key of {a.participant}, valid {data['valid_from']} to {data['valid_until']}",
    )


# ---------------------------------------------------------------------- certificates


@main.command()
@click.argument(
    "paths",
    metavar="FILE.json...",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, 500),
    default=50,
    show_default=True,
    help="Certificates per transaction.",
)
@common
def issue(options: Options, paths: tuple[Path, ...], batch_size: int) -> None:
    """Issue certificate documents; writes FILE.issued.json (document, salts, token id,
    transaction) next to each. Re-running never issues one twice."""
    kp = options.writer()
    results = files.issue_files(kp, paths, batch_size=batch_size, progress=_progress("issued"))
    rows = [
        {"number": r.number, "outcome": r.outcome, "output": str(r.output), "transaction": r.transaction}
        for r in results
    ]
    _emit(options, rows, _table(rows, ["number", "outcome", "output"]))


@main.command()
@click.argument("number")
@common
def confirm(options: Options, number: str) -> None:
    """Confirm receipt of certificate NUMBER (an authority of the importing participant)."""
    _receipt(options, options.writer().confirm_receipt(number), f"receipt of {number} confirmed")


@main.command()
@click.argument("number")
@click.option("--reason", required=True, type=click.Choice(VOID_REASONS[1:]), help="Why it is voided.")
@common
def void(options: Options, number: str, reason: str) -> None:
    """Void certificate NUMBER (an authority of the exporting participant)."""
    _receipt(options, options.writer().void(number, reason), f"{number} voided ({reason})")


# ---------------------------------------------------------------------- roots: production, paper


@main.group()
def production() -> None:
    """Mined production, registered by an authority of the producer for its first exports to draw on."""


@production.command("register")
@click.argument("lot")
@click.option("--origin", required=True, metavar="CODE[/ZONE]", help="Where it was mined: BW or BW/Jwaneng.")
@click.option("--carats", required=True, metavar="AMOUNT", help="Carats mined, like 100000.00.")
@click.option("--from", "period_from", required=True, metavar="DATE", help="First day of the period.")
@click.option("--to", "period_to", required=True, metavar="DATE", help="Last day of the period.")
@common
def production_register(
    options: Options, lot: str, origin: str, carats: str, period_from: str, period_to: str
) -> None:
    """Register production LOT (such as JWANENG-2024-Q3): its origin, carats and period. Its first
    exports name it as a parent: {"production": "LOT"}."""
    made = Production.from_dict(
        {"lot": lot, "origin": origin, "carats": carats, "from": period_from, "to": period_to}
    )
    receipt = options.writer().register_production(made)
    _receipt(options, receipt, f"registered production {made.producer} {made.lot}", {"id": made.id})


@production.command("show")
@click.argument("producer")
@click.argument("lot")
@common
def production_show(options: Options, producer: str, lot: str) -> None:
    """Show production LOT of PRODUCER as the chain holds it: carats, how much is drawn, period."""
    _show_root(options, options.reader().root(production_id(producer.upper(), lot)))


@production.command("list")
@click.option("--participant", metavar="CODE", help="Only this producer's.")
@common
def production_list(options: Options, participant: str | None) -> None:
    """List registered production."""
    _list_roots(options, "production", participant)


@main.group()
def paper() -> None:
    """Paper KP certificates, registered on receipt by an authority of the importer, so that its
    re-exports can draw on rough that arrived on paper."""


@paper.command("register")
@click.argument(
    "paths", metavar="FILE.json...", nargs=-1, required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)  # fmt: skip
@common
def paper_register(options: Options, paths: tuple[Path, ...]) -> None:
    """Register paper certificates received (`kp template --paper` gives a file to fill in). Every
    file is checked before the first is sent; re-running skips those already registered. Its
    re-exports name each: {"paper": "NUMBER"}."""
    results = files.register_paper_files(options.writer(), paths, progress=_progress("registered"))
    rows = [
        {"number": r.number, "outcome": r.outcome, "id": paper.id, "file": str(r.source),
         "transaction": r.transaction}
        for paper, r in results
    ]  # fmt: skip
    _emit(options, rows, _table(rows, ["number", "outcome", "file"]))


@paper.command("show")
@click.argument("importer")
@click.argument("number")
@common
def paper_show(options: Options, importer: str, number: str) -> None:
    """Show paper certificate NUMBER as IMPORTER registered it."""
    _show_root(options, options.reader().root(paper_id(importer.upper(), number.upper())))


@paper.command("list")
@click.option("--participant", metavar="CODE", help="Only those this importer registered.")
@common
def paper_list(options: Options, participant: str | None) -> None:
    """List registered paper certificates."""
    _list_roots(options, "paper", participant)


def _show_root(options: Options, root: Root) -> None:
    lines = [f"{root.name}  ({root.status})", f"origins      {', '.join(root.origins)}"]
    if root.kind == "production":
        lines.append(f"period       {day(root.start)} to {last_day(root.end)}")
    else:
        lines += [
            f"route        {root.exporting} -> {root.importing}",
            f"goods        US$ {usd(root.value_usd)}, {root.parcels} parcel(s), HS {root.hs_code}",
            f"dates        issued {day(root.start)}, expires {last_day(root.end)}",
        ]
    lines += [
        f"carats       {hundredths(root.carats)} ct, {hundredths(root.drawn)} drawn by certificates",
        f"registered   {_when(root.issued_at)} by {root.issuer}",
        f"             (block {root.block}, transaction {root.transaction})",
    ]
    if not root.issuer_valid_at_issue:
        lines.append("WARNING      registered by a key disabled at the time: nothing can be drawn from it")
    _emit(options, root.to_dict(), "\n".join(lines))


def _list_roots(options: Options, kind: str, participant: str | None) -> None:
    roots = options.reader().list_roots(kind=kind, participant=participant.upper() if participant else None)
    data = [root.to_dict() for root in roots]
    columns = ["name", "origins", "carats", "drawn", "status"]
    rows = [{**row, "origins": ", ".join(row["origins"])} for row in data]
    _emit(options, data, _table(rows, columns))


def _certificate_lines(data: dict[str, Any], parents: str) -> list[str]:
    return [
        f"{data['number']}  ({data['status']})",
        f"route        {data['exporting']} -> {data['importing']}   origins {', '.join(data['origins'])}",
        f"goods        {data['carats']} ct, US$ {data['value_usd']}, {data['parcels']} parcel(s)",
        f"HS code      {data['hs_code']}",
        f"holder       {data['holder']}",
        f"issuer       {data['issuer']}",
        f"issued       {data['issued_at']}  (block {data['block']}, transaction {data['transaction']})",
        f"expires      {data['expires_at']}",
        f"token id     {data['token_id']}",
        f"commitment   {data['commitment']}",
        f"drawn from   {parents}",
        f"drawn since  {data['drawn']} ct by later certificates",
    ]


@main.command()
@click.argument("number")
@common
def show(options: Options, number: str) -> None:
    """Show certificate NUMBER (or a token id, or a root such as BW#JWANENG-2024-Q3) as the chain
    holds it."""
    kp = options.reader()
    if is_root(number.upper()):
        _show_root(options, kp.root(number.upper()))
        return
    certificate = kp.certificate(number)
    data = certificate.to_dict()
    endpoint = getattr(kp.w3.provider, "endpoint_uri", None)
    data.update(chain_id=kp.deployment.chain_id, contract=kp.certificates.address, rpc_url=endpoint)
    _emit(options, data, "\n".join(_certificate_lines(data, drawn_from(certificate.parents))))


@main.command()
@click.argument("number")
@click.option(
    "--graph",
    "graph_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also draw the provenance tree to this file (.svg, .png or .pdf).",
)
@common
def trace(options: Options, number: str, graph_path: Path | None) -> None:
    """Trace certificate NUMBER back to the roots where custody starts (registered production, paper
    certificates): each hop with its participants, dates and
    carats drawn, and the origin mix. Exit 0 if the provenance is complete, 1 if an ancestor broke it."""
    result = options.reader().trace(number)
    if graph_path is not None:
        result.graph(graph_path)
    _emit(options, result.to_dict(), result.text())
    if not result.status.complete:
        sys.exit(1)


@main.command("list")
@click.option("--exporting", metavar="CODE")
@click.option("--importing", metavar="CODE")
@click.option("--holder", metavar="ADDRESS")
@click.option("--status", type=click.Choice(["issued", "receipt confirmed", "voided", "expired"]))
@click.option("--since", help="Issued at or after this time.")
@click.option("--until", help="Issued before this time.")
@click.option(
    "--chunk",
    type=click.IntRange(1),
    default=10_000,
    show_default=True,
    help="Blocks per log query (public RPCs cap it).",
)
@common
def list_(
    options: Options,
    exporting: str | None,
    importing: str | None,
    holder: str | None,
    status: str | None,
    since: str | None,
    until: str | None,
    chunk: int,
) -> None:
    """List certificates, from the logs."""
    rows = options.reader().list_certificates(
        exporting=exporting,
        importing=importing,
        holder=_address(holder, "--holder") if holder else None,
        status=status,
        since=parse_time(since, "--since") if since else None,
        until=parse_time(until, "--until") if until else None,
        chunk=chunk,
        progress=_progress("blocks scanned"),
    )
    data = [row.to_dict() for row in rows]
    _emit(
        options,
        data,
        _table(data, ["number", "status", "exporting", "importing", "carats", "hs_code", "issued_at"]),
    )


@main.command("render")
@click.argument("number")
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the PDF.")  # fmt: skip
@click.option("--document", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The issued document, for the names and addresses kept off chain.")  # fmt: skip
@click.option("--verify-url", default=render.DEFAULT_VERIFY_URL, show_default=True,
              help="The verification page the QR code points to.")  # fmt: skip
@common
def render_command(
    options: Options, number: str, pdf_path: Path, document: Path | None, verify_url: str
) -> None:
    """Draw certificate NUMBER as a printable PDF with a QR code to verify it."""
    kp = options.reader()
    certificate = kp.certificate(number)
    issued = IssuedDocument.from_json(document.read_bytes()) if document else None
    link = render.Link(
        kp.deployment.chain_id, kp.certificates.address, certificate.token_id, certificate.commitment
    )
    render.render_pdf(
        certificate,
        pdf_path,
        link=link,
        verify_url=verify_url,
        issued=issued,
        exporting_name=kp.participant(certificate.exporting).name,
        importing_name=kp.participant(certificate.importing).name,
        custody=_custody(kp.verify(certificate.token_id)),
    )
    data = {"number": certificate.number, "pdf": str(pdf_path), "link": link.url(verify_url)}
    _emit(options, data, f"{certificate.number} drawn in {pdf_path}; its QR code: {data['link']}")


def _custody(result: Any) -> str:
    lineage = result.provenance
    return lineage.headline() if lineage is not None else ""


@main.command("stats")
@click.option("--period", type=click.Choice(stats.PERIODS), default="quarter", show_default=True)
@click.option("--participant", metavar="CODE", help="Only this participant's rows.")
@click.option("--since", help="Certificates issued at or after this time.")
@click.option("--until", help="Certificates issued before this time.")
@click.option(
    "--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write CSV here."
)
@click.option(
    "--chart", "chart_path", type=click.Path(dir_okay=False, path_type=Path), help="Also draw a PNG."
)
@common
def stats_command(
    options: Options,
    period: str,
    participant: str | None,
    since: str | None,
    until: str | None,
    csv_path: Path | None,
    chart_path: Path | None,
) -> None:
    """KP statistics from the certificates: per participant and period, exported and imported,
    per HS code and partner (voided certificates left out)."""
    listed = options.reader().list_certificates(
        since=parse_time(since, "--since") if since else None,
        until=parse_time(until, "--until") if until else None,
        progress=_progress("blocks scanned"),
    )
    rows = stats.statistics(listed, period, participant)
    if csv_path:
        csv_path.write_text(stats.to_csv(rows), encoding="utf-8")
    if chart_path:
        stats.chart(rows, chart_path)
    data = [row.to_dict() for row in rows]
    columns = [
        "participant",
        "period",
        "direction",
        "partner",
        "hs_code",
        "certificates",
        "carats",
        "value_usd",
    ]
    _emit(options, data, _table(data, columns))


@main.command()
@click.argument("number")
@click.option(
    "--document",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The issued document (with salts) the holder shows, or a plain certificate document.",
)
@common
def verify(options: Options, number: str, document: Path | None) -> None:
    """Verify certificate NUMBER (or a token id, or the link of its QR code): exit 0 if genuine, 1 if not."""
    shown: IssuedDocument | Document | None = None
    if document is not None:
        shown = _read_shown(document)
    kp = options.reader()
    if "://" in number:  # the link of a certificate's QR code
        result = render.verify_link(kp, render.Link.parse(number), shown)
    else:
        result = kp.verify(number, shown)
    facts = deployment_facts(kp)
    _emit(options, {**result.to_dict(), "network": facts}, f"{result.summary()}\n  ({describe(facts)})")
    if not result.genuine:
        sys.exit(1)


def _read_shown(path: Path) -> IssuedDocument | Document:
    if _kind(path) == "issued-document/v1":
        return IssuedDocument.from_json(path.read_bytes())
    return files.read_document(path)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0: every interface).")  # fmt: skip
@click.option("--port", type=click.IntRange(0, 65535), default=8417, show_default=True,
              help="Port to listen on (0: any free port).")  # fmt: skip
@common
def serve(options: Options, host: str, port: int) -> None:
    """Serve the verification page (number, QR link or document; JSON under /api/) until Ctrl-C.
    It only reads the chain: no key, no account, no gas."""
    if options.account is not None or options.key_env is not None or options.dev is not None:
        raise click.UsageError("kp serve only reads the chain: it takes no --account, --key-env or --dev")
    try:
        from kp_py import web
    except ImportError:
        raise KPError("kp serve needs flask and waitress: pip install 'kp-certificates[web]'") from None
    kp = options.reader()
    server, url = web.serve(web.create_app(kp), host, port)
    facts = deployment_facts(kp)
    click.echo(
        f"kp: verification page at {url}/ (chain {facts['chain_id']}, contract {facts['certificates']}, "
        f"registry {facts['registry']}, deployment: {facts['deployment']}); Ctrl-C stops it"
    )
    # A service manager's stop (SIGTERM) ends it as Ctrl-C does: waitress closes on either.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.run()
    click.echo("kp: stopped")


@main.command()
@click.option("--holder", default="0x90F79bf6EB2c4f870365E785982E1f101E93b906", show_default=True,
              help="The trader's wallet the certificate will be bound to.")  # fmt: skip
@click.option("--number", default="AE-2024-000123", show_default=True, help="The certificate number.")
@click.option("--paper", is_flag=True, help="Print the paper certificate it draws on instead.")
def template(holder: str, number: str, paper: bool) -> None:
    """Print an example certificate document to edit (`kp template > cert.json`): a re-export of
    rough that arrived on a paper certificate; `--paper` prints that paper certificate, to register
    first (`kp template --paper > paper.json`, `kp paper register paper.json`)."""
    if paper:
        data = example_paper(importing=number[:2])
    else:
        data = example_re_export(_address(holder, "--holder"), number=number)
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


# ---------------------------------------------------------------------- keys kept off line


@main.group()
def sign() -> None:
    """Sign an issue or a confirmation of receipt off line (EIP-712), for another machine to submit
    with `kp submit`. With --chain-id and --contract it needs no network at all."""


def _duration(text: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86_400}
    try:
        if text[-1:] in units:
            return int(text[:-1]) * units[text[-1]]
        return int(text)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a duration like 3600, 30m, 24h or 7d", param_hint="--valid-for"
        ) from None


def _target(options: Options, chain_id: int | None, contract: str | None) -> tuple[int, str]:
    if (chain_id is None) != (contract is None):
        raise click.UsageError("give both --chain-id and --contract, or neither (then they are looked up)")
    if chain_id is not None and contract is not None:
        return chain_id, _address(contract, "--contract")
    kp = options.reader()
    return kp.deployment.chain_id, kp.certificates.address


def _explicit_signer(options: Options) -> LocalAccount:
    if options.account is None and options.key_env is None and options.dev is None:
        raise click.UsageError("signing off line needs the authority's key: --account NAME or --key-env VAR")
    return options.signer()


signing_options = [
    click.option(
        "--out", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the signed file."
    ),
    click.option("--valid-for", default="7d", show_default=True, help="How long the signature may be used."),
    click.option(
        "--chain-id", type=int, help="Chain of the deployment (with --contract: no network needed)."
    ),
    click.option("--contract", help="Address of the certificate contract."),
]


def _signing(fn: F) -> F:
    for option in reversed(signing_options):
        fn = option(fn)
    return fn


@sign.command("issue")
@click.argument("path", metavar="FILE.json", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_signing
@common
def sign_issue(
    options: Options, path: Path, out: Path | None, valid_for: str, chain_id: int | None, contract: str | None
) -> None:
    """Sign the issue of the certificate document FILE.json; writes FILE.signed.json."""
    signer = _explicit_signer(options)
    document = files.read_document(path)
    planned = out or path.with_name(path.stem + ".signed.json")
    if planned.exists():
        _fail(f"{planned} exists: it may already be submitted, and its salts would be lost; remove it first")
    chain, address = _target(options, chain_id, contract)
    signed = offline.sign_issue(
        signer, document, chain_id=chain, contract=address, valid_for=_duration(valid_for)
    )
    target = out or path.with_name(path.stem + ".signed.json")
    files.write_secret(target, signed.to_json())
    data = {
        "number": document.number,
        "authority": signer.address,
        "deadline": signed.deadline,
        "file": str(target),
    }
    _emit(
        options,
        data,
        f"{document.number} signed by {signer.address}, valid until {_when(_utc(signed.deadline))}: {target}",
    )


@sign.command("confirm")
@click.argument("number")
@_signing
@common
def sign_confirm(
    options: Options,
    number: str,
    out: Path | None,
    valid_for: str,
    chain_id: int | None,
    contract: str | None,
) -> None:
    """Sign the confirmation of receipt of certificate NUMBER; writes NUMBER.confirmation.json."""
    signer = _explicit_signer(options)
    chain, address = _target(options, chain_id, contract)
    token_id = number_to_token_id(number) if not number.isdigit() else int(number)
    signed = offline.sign_confirmation(
        signer, token_id, chain_id=chain, contract=address, valid_for=_duration(valid_for)
    )
    target = out or Path(f"{token_id_to_number(token_id).replace('/', '_')}.confirmation.json")
    target.write_text(signed.to_json() + "\n", encoding="utf-8")
    data = {"number": token_id_to_number(token_id), "authority": signer.address, "deadline": signed.deadline,
            "file": str(target)}  # fmt: skip
    _emit(options, data, f"receipt of {data['number']} signed by {signer.address}: {target}")


@main.command()
@click.argument("paths", metavar="FILE.json...", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))  # fmt: skip
@common
def submit(options: Options, paths: tuple[Path, ...]) -> None:
    """Submit signed issues and confirmations (from `kp sign`); this account relays and pays. An
    issue writes FILE.issued.json beside its FILE.signed.json."""
    kp = options.writer()
    rows = []
    for path in paths:
        kind = _kind(path)
        text = path.read_bytes()
        if kind == "signed-issue/v1":
            signed_issue = offline.SignedIssue.from_json(text)
            recovered = kp.issued_document(signed_issue.document, signed_issue.salts)  # submitted before?
            issued = recovered or kp.submit_issue(signed_issue)
            stem = path.name.removesuffix(".signed.json").removesuffix(".json")
            output = path.with_name(stem + ".issued.json")
            files.write_secret(output, issued.to_json())
            number, written, transaction = issued.document.number, str(output), issued.transaction
            outcome = "recovered" if recovered else "issued"
        elif kind == "signed-confirmation/v1":
            signed = offline.SignedConfirmation.from_json(text)
            receipt = kp.submit_confirmation(signed)
            number, outcome, written = token_id_to_number(signed.token_id), "confirmed", ""
            transaction = "0x" + bytes(receipt["transactionHash"]).hex()
        else:
            _fail(f"{path}: not a file from `kp sign` (kp: {kind!r})")
        row = {
            "file": str(path),
            "number": number,
            "outcome": outcome,
            "output": written,
            "transaction": transaction,
        }
        rows.append(row)
    _emit(options, rows, _table(rows, ["number", "outcome", "file", "output"]))


def _kind(path: Path) -> str | None:
    """The ``kp`` field of a file kp wrote (``issued-document/v1``...); one line, exit 2, for a
    file that is not JSON kp reads."""
    data = files.read_json(path)
    return data.get("kp") if isinstance(data, dict) else None


def _utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).replace(tzinfo=None)


# ---------------------------------------------------------------------- accounts


@main.group()
def account() -> None:
    """Keystores: encrypted key files under .kp/keystores/."""


@account.command("new")
@click.argument("name")
@click.option("--import-env", metavar="VAR", help="Import the private key in environment variable VAR.")
@common
def account_new(options: Options, name: str, import_env: str | None) -> None:
    """Create keystore NAME (password from $KP_PASSWORD or a prompt)."""
    key = "0x" + keys.from_env(import_env).key.hex() if import_env else None
    path = keys.create_keystore(name, options.home, key)
    address = keys.keystores(options.home).get(name) or ""
    _emit(
        options,
        {"name": name, "address": to_checksum_address(address), "path": str(path)},
        f"{name}: {to_checksum_address(address)} ({path})",
    )


@account.command("list")
@common
def account_list(options: Options) -> None:
    """List the keystores."""
    rows = [
        {"name": name, "address": to_checksum_address(address)}
        for name, address in keys.keystores(options.home).items()
    ]
    _emit(options, rows, _table(rows, ["name", "address"]))


__all__ = ["main"]


if __name__ == "__main__":
    main()
