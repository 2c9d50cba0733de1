"""What every ``kp`` command shares: its options, the types of its arguments, how it prints, how it
reports progress, and how an expected error becomes one line and exit code 2.

Three sets of options, so that no command accepts an option it would ignore:

* :func:`local` (``--home``, ``--json``): commands of this machine (the node, keystores);
* :func:`reads` adds ``--rpc-url`` and ``--deployments``: commands that only read the chain;
* :func:`signs` adds ``--account``, ``--key-env``, ``--dev`` and ``--confirmations``: commands that
  send transactions or sign messages, with one signer at most (:meth:`Options.signer`).
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click
from click.core import ParameterSource

from kp_py._text import printable
from kp_py.cli._types import UsageError
from kp_py.deployments import DEFAULT_HOME
from kp_py.errors import KPError

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from kp_py.client import KP
    from kp_py.listing import AtHead
    from kp_py.reader import Reader

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Options:
    """The options a command was given."""

    json: bool
    home: Path
    home_named: bool = False  # --home or $KP_HOME, rather than the current folder's .kp by default
    rpc_url: str | None = None
    deployments: Path | None = None
    account: str | None = None
    key_env: str | None = None
    dev: int | None = None
    confirmations: int = 1
    index: str | None = None  # --index: a SQLite file or postgresql:// URL; "none": read the chain only

    @property
    def local(self) -> bool:
        return self.rpc_url is None

    @property
    def trusted_home(self) -> Path | None:
        """The home, if the user named it: only then may it name the deployment of a public chain."""
        return self.home if self.home_named else None

    def signer(self, *, explicit: bool = False) -> LocalAccount:
        """The one key chosen (``--account``, ``--key-env``, or ``--dev``; development account 0 on the
        local node when none is); ``explicit``: a key must be named, as to sign off line."""
        from kp_py import keys

        if self.key_env is not None:
            return keys.from_env(self.key_env)
        if self.account is not None:
            return keys.load_keystore(self.account, self.home)
        if explicit and self.dev is None:
            raise UsageError("signing off line needs the authority's key: --account NAME or --key-env VAR")
        if not self.local:
            raise UsageError("this command signs: give --account NAME or --key-env VAR")
        return keys.dev_account(self.dev or 0)

    def reader(self) -> KP:
        """The deployment, read only; with its index if one is named, or if `kp index` made one in
        the home folder."""
        from kp_py import index
        from kp_py.network import connect

        kp = connect(
            self.rpc_url,
            home=self.trusted_home,
            deployments=self.deployments,
            confirmations=self.confirmations,
        )
        where = self.index_of(kp)
        if where is not None and (self.index is not None or Path(where).exists()):
            kp.index = index.Index.open(kp, where)
        return kp

    def lister(self) -> Reader | AtHead:
        """What ``kp list`` and ``kp stats`` read: the index alone when the chain has nothing after it
        (:func:`kp_py.listing.at_head`), with web3 not even imported; else :meth:`reader`."""
        return self._index_alone() or self.reader()

    def _index_alone(self) -> AtHead | None:
        """The index named, or the home's for this chain's deployment, if it answers alone. None for
        anything else, which :meth:`reader` then reads or refuses in its words."""
        from kp_py import _jsonrpc, deployments, listing
        from kp_py._database import on_a_server
        from kp_py.index import Index, found_at_home
        from kp_py.node import LocalNode

        status = LocalNode(self.home).status() if self.local else None
        url = self.rpc_url or (str(status["url"]) if status else None)
        if url is None or self.index == "none":
            return None
        try:
            chain, head = _jsonrpc.batch(url, [("eth_chainId", []), ("eth_blockNumber", [])], listing.GLANCE)
            chain_id = int(chain, 16)
            files = deployments.deployment_files(chain_id, self.trusted_home, self.deployments)
            deployment = deployments.find_deployment(chain_id, files)
        except (KPError, _jsonrpc.Unanswered, TypeError, ValueError):
            return None
        where = self.index or found_at_home(deployment, self.home)
        if where is None or not (on_a_server(where) or Path(where).is_file()):
            return None  # none yet: the reader makes it (--index) or reads the chain
        index = Index.open_alone(deployment, where)
        alone = listing.at_head(index, url, int(head, 16))
        if alone is None:
            index.close()
        return alone

    def index_of(self, kp: KP) -> str | None:
        """The index named (``--index``), else the home's for this deployment; None for ``none``."""
        from kp_py import index

        if self.index is not None:
            return None if self.index == "none" else self.index
        return str(index.found_at_home(kp.deployment, self.home) or index.default_path(kp, self.home))

    def writer(self) -> KP:
        """The deployment, signing with the chosen key."""
        signer = self.signer()  # usage errors before any network access
        return self.reader().with_account(signer)


_LOCAL = [
    click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts instead of a table."),
    click.option(
        "--home",
        type=click.Path(file_okay=False, path_type=Path),
        default=DEFAULT_HOME,
        envvar="KP_HOME",
        show_default=True,
        help="Folder of the local node, deployments, keystores.",
    ),
]
CHUNK = click.option(
    "--chunk",
    type=click.IntRange(1),
    default=10_000,
    show_default=True,
    help="Blocks per log query (public RPCs cap it).",
)
_READS = [
    click.option("--rpc-url", envvar="KP_RPC_URL", help="JSON-RPC URL [default: the local node of --home]."),
    click.option(
        "--deployments",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="KP_DEPLOYMENTS",
        help="A deployments file to look the chain up in first.",
    ),
    click.option(
        "--index",
        "--database",
        "index",
        metavar="DATABASE",
        envvar="KP_INDEX",
        help="The index to read lists from (`kp index`): a SQLite file or a postgresql:// URL; "
        "none: the chain only [default: the home's, if `kp index` made one].",
    ),
]
_SIGNS = [
    click.option("--account", metavar="NAME", help="Sign with keystore NAME (.kp/keystores/NAME.json)."),
    click.option("--key-env", metavar="VAR", help="Sign with the private key in environment variable VAR."),
    click.option(
        "--dev", type=click.IntRange(0, 19), help="Sign with development account N (local node only)."
    ),
    click.option(
        "--confirmations",
        type=click.IntRange(1),
        default=1,
        envvar="KP_CONFIRMATIONS",
        help="Blocks a transaction must be deep before it counts as done [default: 1].",
    ),
]


# A key given to a command that only reads is refused, not ignored: hidden options say so.
def _refuse_key(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if value is not None:
        raise UsageError(
            f"{ctx.command_path} only reads the chain: it takes no --account, --key-env or --dev"
        )


_NO_KEY = [
    click.option(name, hidden=True, expose_value=False, callback=_refuse_key)
    for name in ("--account", "--key-env", "--dev")
]
_FIELDS = {
    "as_json": "json",
    "home": "home",
    "rpc_url": "rpc_url",
    "deployments": "deployments",
    "account": "account",
    "key_env": "key_env",
    "dev": "dev",
    "confirmations": "confirmations",
    "index": "index",
}


def _command(fn: F, options: Sequence[Callable[[Any], Any]]) -> F:
    """``fn(options, ...)`` as a click callback taking ``options``; expected errors become one line."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        given = {field: kwargs.pop(name) for name, field in _FIELDS.items() if name in kwargs}
        keys = [
            kwargs.pop(name)
            for name in ("refused_account", "refused_key_env", "refused_dev")
            if name in kwargs
        ]
        if any(key is not None for key in keys):
            path = click.get_current_context().command_path
            raise UsageError(f"{path} only reads the chain: it takes no --account, --key-env or --dev")
        named = click.get_current_context().get_parameter_source("home") is not ParameterSource.DEFAULT
        chosen = Options(home_named=named, **given)
        _check(chosen)
        with expected_errors():
            return fn(chosen, *args, **kwargs)

    for option in reversed(options):
        wrapper = option(wrapper)
    return cast(F, wrapper)


def _check(options: Options) -> None:
    """The rules of the signing options, before anything is read or sent."""
    chosen = [
        name
        for name, value in (
            ("--account", options.account),
            ("--key-env", options.key_env),
            ("--dev", options.dev),
        )
        if value is not None
    ]
    if len(chosen) > 1:
        raise UsageError(f"give one of {' and '.join(chosen)}, not several")
    if options.dev is not None and not options.local:
        raise UsageError("--dev signs with a well-known development key: local node only")
    if options.confirmations > 1 and options.local:
        raise UsageError(
            "--confirmations: the local node mines a block only for a transaction, so a deeper "
            "one would never come; use it with --rpc-url"
        )


def local(fn: F) -> F:
    """``--home`` and ``--json``: commands of this machine (the node, keystores)."""
    return _command(fn, _LOCAL)


def reads(fn: F) -> F:
    """:func:`local`, and the network to read: ``--rpc-url`` and ``--deployments``."""
    return _command(fn, [*_LOCAL, *_READS, *_NO_KEY])


def signs(fn: F) -> F:
    """:func:`reads`, and one key to sign with; ``--confirmations`` deep before a transaction counts."""
    return _command(fn, [*_LOCAL, *_READS, *_SIGNS])


# ---------------------------------------------------------------------- errors and output


@contextmanager
def expected_errors() -> Iterator[None]:
    """A refusal, bad input or a node that cannot answer: one line on standard error and exit 2; a
    bug: exit 3 (``KP_DEBUG=1`` shows its traceback)."""
    try:
        yield
    except KPError as error:
        fail(str(error))
    except KeyboardInterrupt:
        fail("interrupted")
    except click.ClickException:
        raise  # usage errors: click prints them and exits 2
    except Exception as error:
        if _from_the_node(error):  # the node or the network failed us
            fail(f"the node could not answer: {_first_line(error)}")
        elif isinstance(error, OSError):
            fail(f"{error.filename or ''}: {error.strerror}" if error.strerror else str(error))
        elif os.environ.get("KP_DEBUG"):  # a bug: said distinctly from a refusal (2) or a forgery (1)
            raise
        fail(
            f"internal error ({type(error).__name__}: {_first_line(error)}); run with KP_DEBUG=1 for details",
            3,
        )


# The errors of the node or the network: web3's and requests'. Neither is imported to ask (a command
# that reads an index alone never imports them, and cannot have raised them).
_NODE_ERRORS = (("web3.exceptions", "Web3Exception"), ("requests", "RequestException"))


def _from_the_node(error: Exception) -> bool:
    kinds = [getattr(sys.modules.get(module), name, None) for module, name in _NODE_ERRORS]
    return any(isinstance(error, kind) for kind in kinds if isinstance(kind, type))


def _first_line(error: BaseException) -> str:
    text = str(error.args[0] if len(error.args) == 1 else error)
    return text.splitlines()[0] if text else type(error).__name__


def fail(message: str, code: int = 2) -> None:
    click.echo(f"kp: {printable(message)}", err=True)
    sys.exit(code)


def emit(options: Options, data: Any, text: str) -> None:
    """Print ``data`` as JSON (exact), or ``text`` for people: line by line, without the controls
    that text from the chain may carry (values that could hold a line break go through shown)."""
    if options.json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo("\n".join(printable(line) for line in text.split("\n")))


def shown(value: Any) -> str:
    """One value as a person sees it in a line or a table cell: on one line, without controls."""
    return printable(str(value))


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    if not rows:
        return "(none)"
    cells = [{c: shown(r.get(c, "")) for c in columns} for r in rows]
    widths = {c: max(len(c), *(len(r[c]) for r in cells)) for c in columns}
    lines = ["  ".join(c.upper().ljust(widths[c]) for c in columns).rstrip()]
    lines += ["  ".join(r[c].ljust(widths[c]) for c in columns).rstrip() for r in cells]
    return "\n".join(lines)


def rows_text(rows: Sequence[tuple[str, str]]) -> str:
    """Label and value rows (:func:`kp_py.records.certificate_rows`), labels aligned."""
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label:{width}}  {shown(value)}" for label, value in rows)


def when(value: Any) -> str:
    if value is None:
        return "-"
    return value.isoformat(" ") if isinstance(value, datetime) else str(value)


def report(options: Options, sent: Any, what: str, extra: dict[str, Any] | None = None) -> None:
    """Print what a transaction did, its block and hash."""
    data = {
        "transaction": "0x" + bytes(sent["transactionHash"]).hex(),
        "block": sent["blockNumber"],
        "gas_used": sent["gasUsed"],
        **(extra or {}),
    }
    emit(options, data, f"{what} (block {data['block']}, transaction {data['transaction']})")


def proposed(options: Options, proposal: Any, what: str) -> None:
    """Print a proposal of the plenary just made: its id and when it can take effect."""
    data = proposal.to_dict()
    emit(
        options,
        data,
        f"proposal {proposal.id}: {what}\n"
        f"open to objection until {when(proposal.ready_at)}; then anyone can execute it "
        f"(`kp proposal execute {proposal.id}`) until {when(proposal.expires_at)}",
    )


class Progress:
    """How far a long step is, on standard error: on a terminal a bar with the count, the total, the
    rate and the time left (click's); off one, a line at each tenth and at the end, so a log shows
    it too. ``KP_PROGRESS=0`` (or empty) silences it, ``KP_PROGRESS=1`` forces the lines."""

    def __init__(self, label: str, unit: str = "") -> None:
        self.label = label
        self.unit = unit
        setting = os.environ.get("KP_PROGRESS")
        self.on = setting is None or setting not in ("", "0")
        self.lines = setting == "1" or not sys.stderr.isatty()
        self.started = time.monotonic()
        self.shown = -1
        self.done = 0
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        self.done = done
        if not self.on or total <= 0:
            return
        if not self.lines:
            if self.bar is None:
                self.bar = click.progressbar(
                    length=total, label=self.label, show_pos=True, show_eta=True, file=sys.stderr,
                    item_show_func=lambda _: self._rate(self.done),
                )  # fmt: skip
                self.bar.__enter__()
            self.bar.update(done - self.bar.pos)
            if done >= total:
                self.bar.__exit__(None, None, None)
            return
        tenth = done * 10 // total
        if tenth > self.shown or done >= total:
            self.shown = tenth
            click.echo(f"{self.label}: {done:,}/{total:,}{self.unit} ({self._rate(done)})", err=True)

    def _rate(self, done: int) -> str:
        seconds = max(time.monotonic() - self.started, 1e-9)
        return f"{done / seconds:,.1f}/s"
