"""``kp index``: kp's events copied into a database (kp_py/index.py), so that lists and statistics
over years of certificates come back at once; `kp list`, `kp stats`, `kp serve` and the library
read from it when it exists."""

from __future__ import annotations

import json
import signal
import sys
import time

import click

from kp_py.cli._options import CHUNK, Options, Progress, emit, reads
from kp_py.cli._types import DURATION, UsageError


@click.command("index")
@click.option("--depth", type=click.IntRange(0),
              help="Blocks deep before a block is indexed as final [default: 12 on a public chain, 0 on a "
              "development chain].")  # fmt: skip
@click.option("--follow", is_flag=True,
              help="Keep following the chain until Ctrl-C, beside `kp serve` "
              "(with --json: a JSON line per update).")  # fmt: skip
@click.option("--every", type=DURATION, default="5", show_default=True,
              help="With --follow: seconds between two looks at the chain.")  # fmt: skip
@CHUNK
@reads
def index(options: Options, depth: int | None, follow: bool, every: int, chunk: int) -> None:
    """Build or bring up to date the index of this deployment's certificates (SQLite in the home
    folder by default; --index postgresql://... for PostgreSQL). It resumes where it stopped, and
    rewinds past a reorganisation of the blocks it holds."""
    from kp_py.index import Index

    kp = options.reader()
    where = options.index_of(kp)
    if where is None:
        raise UsageError("--index none: there is nothing to build; name a SQLite file or a postgresql:// URL")
    built = kp.index if kp.index is not None else Index.open(kp, where)
    if every <= 0:
        raise UsageError("--every: the time between two looks must be positive")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # a service manager's stop, as Ctrl-C
    try:
        while True:
            done = built.update(
                confirmations=depth, chunk=chunk, progress=None if follow else Progress("blocks")
            )
            data = {**done.to_dict(), "index": where, **built.counts()}
            rewound = (
                f"; rewound to block {done.rewound_to} after a reorganisation"
                if done.rewound_to is not None
                else ""
            )
            told = (
                f"kp: indexed blocks {done.first} to {done.last}: {done.certificates} certificates, "
                f"{done.changes} confirmations and voids{rewound} ({built.counts()['certificates']} "
                f"certificates in {where})"
            )
            if not follow:
                emit(options, data, told)
            elif done.last >= done.first or done.rewound_to is not None:  # one line per update
                click.echo(json.dumps(data) if options.json else told)
            if not follow:
                return
            sys.stdout.flush()
            time.sleep(every)
    except KeyboardInterrupt:
        click.echo("kp: stopped", err=True)
    finally:
        built.close()
