"""One connection to the index's database, SQLite or PostgreSQL (psycopg 3), with the same SQL for
both but for the placeholder: ``?`` here, turned into ``%s`` for PostgreSQL."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kp_py.errors import KPError

OPENING = 0x6B70_0001  # kp's advisory lock (per database) while an index is created or migrated


class IndexProblem(KPError):
    """The index cannot be opened or used as asked."""


class Database:
    """One connection to SQLite or PostgreSQL, with ``?`` placeholders for both."""

    def __init__(self, where: str | Path) -> None:
        self.where = str(where)
        self.errors: tuple[type[Exception], ...]
        if on_a_server(self.where):
            try:
                import psycopg
            except ImportError:
                raise IndexProblem(
                    "an index in PostgreSQL needs psycopg: pip install 'kp-certificates[index]'"
                ) from None
            try:
                self.connection: Any = psycopg.connect(self.where, autocommit=True, connect_timeout=10)
            except psycopg.Error as error:
                raise IndexProblem(
                    f"cannot open the index {shown_url(self.where)}: {first_line(error)}"
                ) from None
            self.kind, self._marker, self.errors = "postgresql", "%s", (psycopg.Error,)
        else:
            path = Path(self.where)
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
                # WAL, and no wait for the disk at each commit: a crash may lose the last update,
                # never the file's consistency, and the next update reads that update again.
                self.connection.execute("PRAGMA journal_mode=WAL")
                self.connection.execute("PRAGMA synchronous=NORMAL")
            except sqlite3.Error as error:
                raise IndexProblem(f"cannot open the index {path}: {error}") from None
            self.kind, self._marker, self.errors = "sqlite", "?", (sqlite3.Error,)

    def sql(self, text: str) -> str:
        return text if self._marker == "?" else text.replace("?", "%s")

    def execute(self, text: str, values: Iterable[Any] = ()) -> Any:
        return self.connection.execute(self.sql(text), tuple(values))

    def insert(self, text: str, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self.kind == "sqlite":
            self.connection.executemany(text, rows)
        else:
            with self.connection.cursor() as cursor:
                cursor.executemany(self.sql(text), rows)

    def rows(self, text: str, values: Iterable[Any] = (), size: int = 5_000) -> Iterator[tuple[Any, ...]]:
        """The rows of a query, fetched ``size`` at a time (a server-side cursor in PostgreSQL)."""
        for part in self.parts(text, values, size):
            yield from part

    def parts(self, text: str, values: Iterable[Any] = (), size: int = 200) -> Iterator[list[Any]]:
        """The rows of a query, ``size`` at a time, as fetched (a few hundred: `kp list --json` over
        300,000 rows took a third longer in parts of 5,000, which outgrow the processor's caches)."""
        if self.kind == "sqlite":
            cursor = self.connection.execute(text, tuple(values))
            while part := cursor.fetchmany(size):
                yield part
            cursor.close()
            return
        with self.connection.transaction(), self.connection.cursor(name=f"kp_{time.monotonic_ns()}") as named:
            named.execute(self.sql(text), tuple(values))
            while part := named.fetchmany(size):
                yield part

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All of it or none of it: an update interrupted leaves the index as it was."""
        if self.kind == "sqlite":
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise
            self.connection.execute("COMMIT")
        else:
            with self.connection.transaction():
                yield

    @contextmanager
    def opening(self) -> Iterator[None]:
        """:meth:`transaction`, one kp at a time: kp opening a database at the same moment (a
        service starting `kp serve` and `kp index --follow` together) would each create its tables
        or migrate it, and PostgreSQL refuses all but the first; SQLite's BEGIN IMMEDIATE already
        has the others wait."""
        with self.transaction():
            if self.kind == "postgresql":
                self.connection.execute("SELECT pg_advisory_xact_lock(%s)", (OPENING,))
            yield

    def close(self) -> None:
        self.connection.close()


def on_a_server(where: str | Path) -> bool:
    """Whether ``where`` names a PostgreSQL database (a URL), rather than a SQLite file."""
    return str(where).startswith(("postgresql://", "postgres://"))


def first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def shown_url(url: str) -> str:
    """A database URL without its password."""
    head, at, tail = url.rpartition("@")
    if not at or ":" not in head.split("//", 1)[-1]:
        return url
    scheme, _, user = head.partition("//")
    return f"{scheme}//{user.split(':', 1)[0]}:***@{tail}"
