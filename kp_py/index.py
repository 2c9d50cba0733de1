"""The index: kp's certificate events copied into a database, so that questions over many
certificates (``kp list``, ``kp stats``, "My certificates", a certificate's events) are answered
without reading years of logs again. SQLite by default (a file under the home folder, nothing to
install), or PostgreSQL given a URL (``postgresql://...``, through psycopg 3).

    index = Index.open(kp)                        # .kp/index/<chain>-<contract>.sqlite3
    index = Index.open(kp, "postgresql://kp@db.example/kp")
    index.update()                                # what the chain added since the last update
    kp.index = index                              # kp.list_certificates(...) now reads from it

What it holds, and what it does not:

* Only **final** blocks, at least ``confirmations`` deep (12 by default on a public chain, 0 on a
  development chain). Each update first checks that the last block it indexed is still the chain's
  (by hash); if a reorganisation replaced it, the index rewinds to the newest block it holds that
  the chain still has, forgetting everything after it, and reads on from there.
* Certificates as their events tell them (the same fields as :class:`~kp_py.records.Listed`), the
  carats each drew from its parents, and each confirmation of receipt and void. Reads through
  :class:`~kp_py.reader.Reader` add the blocks after the index's last one from the chain, so an
  answer is always as current as the chain's head, however stale the index.
* Nothing a verdict depends on: ``verify`` still reads the certificate, its status and its
  issuer's window from the chain.

The schema is versioned (``kp_meta.schema``); an index of another version, chain or contract is
refused with one line rather than misread. Plain SQL, the same for both databases but for the
placeholder (``?`` or ``%s``): no ORM to learn for a reader of this file.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kp_py import stats
from kp_py._codes import REGISTRATIONS, STATUS_OF, ascii_bytes, number_to_token_id, token_id_to_number
from kp_py._database import Database, IndexProblem, first_line, shown_url
from kp_py._lazy import lazy
from kp_py._schema import CHANGE_BITS, CHANGES_OF, COLUMNS, MIGRATIONS, SCHEMA, TABLES, listed_from_row
from kp_py.listing import LIST_ORDER, Filters, Status, listed_of
from kp_py.node import DEV_CHAIN_IDS
from kp_py.records import LISTED_FORM, Deployment, Listed, listed_json, with_status

if TYPE_CHECKING:
    from kp_py import _batch, _logs
    from kp_py.reader import Reader
else:  # read the chain: imported only to update the index, not to answer from it (kp list, kp stats)
    _batch, _logs = lazy("kp_py._batch"), lazy("kp_py._logs")

PUBLIC_CONFIRMATIONS = 12  # blocks deep before a block counts as final, on a public chain
CHUNK = 10_000  # blocks per eth_getLogs query (less where the provider caps ranges)
MAX_STEP = 1_000_000  # blocks an update reads and writes at once, at most (fewer where logs crowd)

CHECKED_FOR = 2.0  # seconds a check that the index is on the chain holds (a page answers many at once)
EVENTS = (
    "CertificateIssued",
    "CaratsDrawn",
    "Transfer",
    "ReceiptConfirmed",
    "CertificateVoided",
    *REGISTRATIONS,
)


@dataclass(frozen=True)
class Update:
    """What one update did: the blocks it read, what it added, and how far it rewound first."""

    first: int
    last: int
    certificates: int
    changes: int
    rewound_to: int | None = None  # the block a reorganisation sent the index back to

    def to_dict(self) -> dict[str, Any]:
        return {
            "first": self.first,
            "last": self.last,
            "certificates": self.certificates,
            "changes": self.changes,
            "rewound_to": self.rewound_to,
        }


def default_path(kp: Reader, home: Path) -> Path:
    """Where a deployment's SQLite index lives under the home folder."""
    return home / "index" / f"{kp.deployment.chain_id}-{kp.certificates.address}.sqlite3"


def found_at_home(deployment: Deployment, home: Path) -> Path | None:
    """The home's index of ``deployment`` (:func:`default_path`), if there is one; its address read in
    any case, without eth-utils to checksum it (kp list reads an index alone without it)."""
    name = f"{deployment.chain_id}-{deployment.certificates}.sqlite3".lower()
    return next((path for path in sorted(home.glob("index/*.sqlite3")) if path.name.lower() == name), None)


def year_and_quarter(seconds: int) -> tuple[int, int]:
    """The UTC year and quarter of a time, kept with each certificate for statistics."""
    moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    return moment.year, (moment.month - 1) // 3 + 1


class Index:
    """kp's events for one deployment, in a database (see the module's description)."""

    def __init__(self, database: Database, deployment: Deployment, kp: Reader | None = None) -> None:
        """The index of ``deployment`` in ``database``; ``kp``: the chain it follows, None for an
        index that only answers (:meth:`open_alone`)."""
        self.db, self.deployment, self._kp = database, deployment, kp
        self._current_until = 0.0
        self._check_or_create()

    @classmethod
    def open(cls, kp: Reader, where: str | Path) -> Index:
        return cls(Database(where), kp.deployment, kp)

    @classmethod
    def open_alone(cls, deployment: Deployment, where: str | Path) -> Index:
        """The index of ``deployment`` at ``where``, to answer from without the chain: what ``kp list``
        and ``kp stats`` read when the chain has nothing after it (:func:`kp_py.listing.at_head`)."""
        return cls(Database(where), deployment)

    @property
    def kp(self) -> Reader:
        """The chain the index follows."""
        if self._kp is None:
            raise IndexProblem("this index was opened to answer alone: open it with a reader to update it")
        return self._kp

    # ------------------------------------------------------------------ its shape

    def _check_or_create(self) -> None:
        facts = {
            "schema": str(SCHEMA),
            "chain_id": str(self.deployment.chain_id),
            "certificates": self.deployment.certificates,  # an address: compared in any case below
            "deployment_block": str(self.deployment.block),
        }

        def same(key: str) -> bool:  # an address in any case
            return str(held.get(key, "")).lower() == facts[key].lower()

        try:
            with self.db.opening():
                for statement in TABLES:
                    self.db.execute(statement)
                held = dict(self.db.execute("SELECT key, value FROM kp_meta").fetchall())
                if not held:
                    self.db.insert(
                        self.db.sql("INSERT INTO kp_meta (key, value) VALUES (?, ?)"), list(facts.items())
                    )
                    held = facts
                ours = all(same(key) for key in facts if key != "schema")
                if ours and held.get("schema", "").isdigit() and int(held["schema"]) < SCHEMA:
                    held["schema"] = self._migrate(int(held["schema"]))
                    held.pop("listed", None)  # its rows are written again below, whatever it says
                if ours and held.get("schema") == str(SCHEMA) and held.get("listed") != LISTED_FORM:
                    self._keep_rows()  # kept by an earlier kp, or none yet
        except self.db.errors as error:
            raise IndexProblem(
                f"cannot use the index {shown_url(self.db.where)}: {first_line(error)}"
            ) from None
        for key, value in facts.items():
            if not same(key):
                raise IndexProblem(
                    f"the index {shown_url(self.db.where)} holds {key} {held.get(key)}, not {value}: "
                    "it is another deployment's (or another version's); give another --index"
                )

    def _migrate(self, version: int) -> str:
        """Bring an index of an earlier version up to this one (:data:`kp_py._schema.MIGRATIONS`), in
        the transaction that opens it; the version it is then."""
        while version in MIGRATIONS:
            for statement in MIGRATIONS[version]:
                self.db.execute(statement)
            version += 1
            self.db.execute("UPDATE kp_meta SET value = ? WHERE key = 'schema'", (str(version),))
        return str(version)

    def _keep_rows(self) -> None:
        """Write each certificate's ``listed`` JSON again from its columns, as ``_read`` writes it
        (:data:`kp_py.records.LISTED_FORM`): for an index of version 1, which kept none, or one kept
        in another form by another kp. In the transaction that opens it."""
        after, above = "", ">="  # from the first number (even an empty one) on
        while part := self.db.execute(
            f"SELECT {COLUMNS} FROM kp_certificates WHERE number {above} ? ORDER BY number LIMIT 5000",
            (after,),
        ).fetchall():
            kept = [(listed_json(listed_from_row(row, "")), row[0]) for row in part]
            self.db.insert(self.db.sql("UPDATE kp_certificates SET listed = ? WHERE number = ?"), kept)
            after, above = part[-1][0], ">"
        self.db.execute("DELETE FROM kp_meta WHERE key = 'listed'")
        self.db.execute("INSERT INTO kp_meta (key, value) VALUES ('listed', ?)", (LISTED_FORM,))

    def is_current(self) -> bool:
        """Whether the last block the index read is still the chain's (one header read, a yes
        remembered :data:`CHECKED_FOR` seconds): a reorganisation since the last update makes the
        index wrong until ``update`` rewinds it."""
        if time.monotonic() < self._current_until:
            return True
        last = self.last_read()
        current = (
            last is None or _batch.block_headers(self.kp.w3, [last[0]]).get(last[0], (0, ""))[1] == last[1]
        )
        self._current_until = time.monotonic() + CHECKED_FOR if current else 0.0
        return current

    def last_read(self) -> tuple[int, str] | None:
        """The last block the index read events from, and its hash; None before the first."""
        row = self.db.execute("SELECT number, hash FROM kp_blocks ORDER BY number DESC LIMIT 1").fetchone()
        return None if row is None else (int(row[0]), str(row[1]))

    @property
    def last_block(self) -> int:
        """The last block indexed (the block before the deployment's, for an empty index)."""
        row = self.db.execute("SELECT value FROM kp_meta WHERE key = 'last_block'").fetchone()
        return int(row[0]) if row else self.deployment.block - 1

    # ------------------------------------------------------------------ updating

    def update(
        self,
        *,
        confirmations: int | None = None,
        chunk: int = CHUNK,
        progress: Callable[[int, int], None] | None = None,
    ) -> Update:
        """Read the chain's kp events from the block after the last indexed up to the head less
        ``confirmations`` (default: 12 on a public chain, 0 on a development chain), after
        rewinding past any reorganisation, ``chunk`` blocks a log query at most. Each step of
        blocks is written in one transaction: an update stopped half-way resumes after its last."""
        if confirmations is None:
            confirmations = 0 if self.deployment.chain_id in DEV_CHAIN_IDS else PUBLIC_CONFIRMATIONS
        if confirmations < 0:
            raise IndexProblem(f"confirmations must be 0 or more, not {confirmations}")
        rewound = self._rewind_past_reorganisation()
        first, head = self.last_block + 1, int(self.kp.w3.eth.block_number)
        last = head - confirmations
        added = changed = 0
        start, step = first, chunk
        while start <= last:
            end = min(start + step - 1, last)
            certificates, changes, logs = self._read(start, end, chunk)
            added, changed = added + certificates, changed + changes
            if progress:
                progress(end - first + 1, last - first + 1)
            start = end + 1
            # Steps of few logs grow (a sparse history in few round trips), crowded ones shrink (a
            # step's logs are held at once): between one query's range and MAX_STEP blocks.
            step = min(MAX_STEP, step * 2) if logs * 2 < _logs.LOGS_PER_BATCH else max(chunk, step // 2)
        return Update(first, max(last, first - 1), added, changed, rewound)

    def _read(self, first: int, last: int, chunk: int) -> tuple[int, int, int]:
        """Index blocks ``[first, last]``: their events, their headers, in one transaction. What it
        added (certificates, confirmations and voids) and how many logs it read."""
        w3, address = self.kp.w3, self.kp.certificates.address
        topics = [[_logs.topic(name) for name in EVENTS]]
        logs = _logs.get_logs(w3, address, topics, first, last, chunk=chunk)
        kinds = {_logs.topic(name): name for name in EVENTS}
        issued, draws, changes, holders, roots = [], [], [], {}, []
        for log in logs:
            name = kinds[_logs.topic_of(log)]
            if name in REGISTRATIONS:
                raw = ",".join("0x" + _logs.as_bytes(t).hex() for t in log["topics"])
                data, tx = ("0x" + _logs.as_bytes(log[key]).hex() for key in ("data", "transactionHash"))
                roots.append((str(_logs.token_of(log, 1)), raw, data, _logs.block_of(log), tx))
            elif name == "CertificateIssued":
                issued.append(_logs.decode_issued(log))
            elif name == "CaratsDrawn":
                child, parent, carats = _logs.decode_draw(log)
                draws.append(
                    (token_id_to_number(child), token_id_to_number(parent), carats, _logs.block_of(log))
                )
            elif name == "Transfer":
                holders[_logs.token_of(log, 3)] = _logs.address_of(log, 2)
            else:
                change = _logs.decode_status_change(log)
                what = STATUS_OF[name]
                known = (change.authority, change.reason, change.block, change.transaction)
                changes.append((token_id_to_number(change.token_id), what, *known))
        wanted = sorted(
            {e.block for e in issued} | {row[4] for row in changes} | {r[3] for r in roots} | {last}
        )
        headers = _batch.block_headers(w3, wanted, logs)  # the logs' own where they tell them
        documents = {e.token_id: "0x" + e.document.hex() for e in issued}
        listed = [listed_of(e, holders.get(e.token_id, ""), headers[e.block][0]) for e in issued]
        bits: dict[str, int] = {}  # the changes on the certificates' rows, for lists (_schema.CHANGE_BITS)
        for number, what, *_ in changes:
            bits[number] = bits.get(number, 0) | CHANGE_BITS[what]
        rows = [
            (
                *(row.number, str(row.token_id), row.exporting, row.importing, row.holder, row.issuer),
                *(",".join(row.origins), row.carats, row.value_usd, row.parcels, row.hs_code, row.expires_at),
                *(documents[row.token_id], row.block, row.transaction, headers[row.block][0]),
                *year_and_quarter(headers[row.block][0]),
                listed_json(row),
                bits.get(row.number, 0),  # its changes of this step, on its row as it is written
            )
            for row in sorted(listed, key=LIST_ORDER)  # the table in a list's order
        ]
        written = {row.number for row in listed}
        earlier = [(bit, number) for number, bit in bits.items() if number not in written]  # on rows before
        marks, columns = ", ".join("?" * 20), f"{COLUMNS}, year, quarter, listed, changed"
        with self.db.transaction():
            self.db.insert(
                self.db.sql(f"INSERT INTO kp_certificates ({columns}) VALUES ({marks})"),
                rows,
            )
            self.db.insert(
                self.db.sql("INSERT INTO kp_draws (child, parent, carats, block) VALUES (?, ?, ?, ?)"), draws
            )
            self.db.insert(
                self.db.sql(
                    "INSERT INTO kp_changes (number, what, authority, reason, block, tx) "
                    "VALUES (?, ?, ?, ?, ?, ?)"
                ),
                changes,
            )
            self.db.insert(  # the changes of certificates indexed before, on their rows (`earlier`)
                self.db.sql("UPDATE kp_certificates SET changed = changed | ? WHERE number = ?"),
                earlier,
            )
            self.db.insert(
                self.db.sql("INSERT INTO kp_roots (root_id, topics, data, block, tx) VALUES (?, ?, ?, ?, ?)"),
                roots,
            )
            self.db.insert(
                self.db.sql("INSERT INTO kp_blocks (number, hash, time) VALUES (?, ?, ?)"),
                [(number, headers[number][1], headers[number][0]) for number in wanted],
            )
            self._set_last(last)
        return len(rows), len(changes), len(logs)

    def _set_last(self, block: int) -> None:
        self.db.execute("DELETE FROM kp_meta WHERE key = 'last_block'")
        self.db.execute("INSERT INTO kp_meta (key, value) VALUES ('last_block', ?)", (str(block),))

    def _rewind_past_reorganisation(self) -> int | None:
        """If the last indexed block is no longer the chain's, go back to the newest block the
        index holds that still is, and forget everything after it. The block it went back to, or
        None if nothing changed."""
        self._current_until = 0.0
        if self.is_current():  # one header read, the usual answer
            return None
        keep, below = self.deployment.block - 1, None
        while True:  # back through the blocks held, a batch of headers at a time
            query = "SELECT number, hash FROM kp_blocks" + (" WHERE number < ?" if below is not None else "")
            part = self.db.execute(
                query + f" ORDER BY number DESC LIMIT {_batch.HEADERS_PER_BATCH}",
                () if below is None else (below,),
            ).fetchall()
            if not part:
                break
            chain = _batch.block_headers(self.kp.w3, [int(number) for number, _ in part])
            still = [int(n) for n, hash_ in part if chain.get(int(n), (0, ""))[1] == hash_]
            if still:
                keep = max(still)
                break
            below = int(part[-1][0])
        with self.db.transaction():
            for what, bit in CHANGE_BITS.items():  # the forgotten changes off the rows they changed
                self.db.execute(
                    f"UPDATE kp_certificates SET changed = changed & {~bit} WHERE number IN "
                    "(SELECT number FROM kp_changes WHERE what = ? AND block > ?)",
                    (what, keep),
                )
            for table in ("kp_certificates", "kp_draws", "kp_changes", "kp_roots", "kp_blocks"):
                self.db.execute(
                    f"DELETE FROM {table} WHERE {'number' if table == 'kp_blocks' else 'block'} > ?", (keep,)
                )
            self._set_last(keep)
        return keep

    # ------------------------------------------------------------------ reading

    def listed(self, filters: Filters, *, status: Status) -> Iterator[Listed]:
        """The certificates indexed that ``filters`` keep, in issue order; ``status(number,
        expiry, changes)`` names each one's status from the changes the index holds for it
        ("receipt confirmed", "voided"), None to leave it out."""
        for row in self.db.rows(*self._query(COLUMNS, filters)):
            found = status(row[0], row[11], CHANGES_OF[row[-1]])
            if found is not None:
                yield listed_from_row(row, found)

    def json_lines(self, filters: Filters, *, status: Status) -> Iterator[list[str]]:
        """:meth:`listed` as the lines of ``kp list --json``, a part at a time as read: each row's JSON
        as the index keeps it, with its status (:func:`kp_py.records.with_status`)."""
        for part in self.db.parts(*self._query("number, expires_at, listed", filters)):
            found = [
                (row, status(number, expires_at, CHANGES_OF[bits])) for number, expires_at, row, bits in part
            ]
            yield [with_status(row, state) for row, state in found if state is not None]

    def _query(self, columns: str, filters: Filters) -> tuple[str, list[Any]]:
        """The query of ``columns`` and the changes' bits of the certificates ``filters`` keep, in a
        list's order, and its values."""
        where: list[str] = []
        values: list[Any] = []
        for condition, value in (
            ("exporting = ?", filters.exporting or None),
            ("importing = ?", filters.importing or None),
            ("holder = ?", filters.holder or None),
            ("issued_at >= ?", filters.since),
            ("issued_at < ?", filters.until),
        ):
            if value is not None:
                where.append(condition)
                values.append(value)
        condition = f"WHERE {' AND '.join(where)}" if where else ""
        query = f"SELECT {columns}, changed FROM kp_certificates {condition} ORDER BY block, number"
        return self.db.sql(query), values

    def route_totals(
        self, period: str, since: int | None, until: int | None, leave_out: Iterable[str] = ()
    ) -> dict[tuple[str, str, str, str], list[int]]:
        """Trade summed in the database by route and period (:data:`kp_py.stats.Totals`), voided
        certificates and ``leave_out`` (voided since the index's last block) left out: the same sums
        as :func:`kp_py.stats.statistics`, which tests/cli/test_index.py compares."""
        where = ["c.number NOT IN (SELECT number FROM kp_changes WHERE what = 'voided')"]
        values: list[Any] = []
        for bound, value in ((">=", since), ("<", until)):
            if value is not None:
                where.append(f"c.issued_at {bound} ?")
                values.append(value)
        left = sorted(set(leave_out))
        if left:
            where.append(f"c.number NOT IN ({', '.join('?' * len(left))})")
            values += left
        query = (
            "SELECT c.exporting, c.importing, c.hs_code, c.year, c.quarter, COUNT(*), SUM(c.carats), "
            f"SUM(c.value_usd) FROM kp_certificates c WHERE {' AND '.join(where)} "
            "GROUP BY c.exporting, c.importing, c.hs_code, c.year, c.quarter"
        )
        totals: dict[tuple[str, str, str, str], list[int]] = {}
        for exporting, importing, hs_code, year, quarter, count, carats, value in self.db.rows(
            self.db.sql(query), values
        ):
            when = stats.period_of(datetime(year, 3 * quarter - 2, 1), period)  # the quarter's first day
            summed = totals.setdefault((exporting, importing, hs_code, when), [0, 0, 0])
            for i, amount in enumerate((count, carats, value)):
                summed[i] += int(amount)
        return totals

    def issued_events(
        self, token_ids: Iterable[int], issued_at: Mapping[int, int] | None = None
    ) -> dict[int, _logs.Issued | _logs.Registered]:
        """The issuance events of those of ``token_ids`` the index holds, with their draws: what
        a verification or a trace would otherwise look up in the chain's logs. ``issued_at``: the
        issue time the chain gives each id; an event whose block has another time is left out."""
        ids = list(token_ids)
        numbers = [token_id_to_number(t) for t in ids]
        found: dict[int, _logs.Issued | _logs.Registered] = {}
        for i in range(0, len(ids), 500):
            part_ids = [str(t) for t in ids[i : i + 500]]
            query = (
                "SELECT r.topics, r.data, r.block, r.tx, b.time FROM kp_roots r JOIN kp_blocks b "
                f"ON b.number = r.block WHERE r.root_id IN ({', '.join('?' * len(part_ids))})"
            )
            for topics, data, block, tx, time_ in self.db.rows(query, part_ids):
                log = {"topics": topics.split(","), "data": data, "blockNumber": block, "transactionHash": tx}
                root = _logs.decode_registered(log)
                if issued_at is None or issued_at.get(root.root_id, time_) == time_:
                    found[root.root_id] = root
        for i in range(0, len(numbers), 500):
            part = numbers[i : i + 500]
            marks = ", ".join("?" * len(part))
            draws: dict[str, list[tuple[int, int]]] = {}
            for child, parent, carats in self.db.rows(
                f"SELECT child, parent, carats FROM kp_draws WHERE child IN ({marks})", part
            ):
                draws.setdefault(child, []).append((number_to_token_id(parent), carats))
            for row in self.db.rows(f"SELECT {COLUMNS} FROM kp_certificates WHERE number IN ({marks})", part):
                token_id = int(row[1])
                if issued_at is not None and issued_at.get(token_id, row[15]) != row[15]:
                    continue  # another certificate than the chain's under this number: not ours to say
                found[token_id] = _logs.Issued(
                    token_id=token_id,
                    exporting=ascii_bytes(row[2], 2),
                    importing=ascii_bytes(row[3], 2),
                    issuer=row[5],
                    origins=tuple(ascii_bytes(o, 32) for o in row[6].split(",") if o),
                    carats=row[7],
                    value_usd=row[8],
                    parcels=row[9],
                    hs_code=int(row[10].removeprefix("7102.")),
                    expires_at=row[11],
                    document=bytes.fromhex(row[12][2:]),
                    block=row[13],
                    transaction=row[14],
                    parents=tuple(draws.get(row[0], ())),
                )
        return found

    def status_change(self, number: str, what: str) -> tuple[_logs.Changed, int] | None:
        """The confirmation of receipt or the void (``what``) of certificate ``number``, if the
        index holds it, and its block's time."""
        row = self.db.execute(
            "SELECT c.authority, c.reason, c.block, c.tx, b.time FROM kp_changes c "
            "JOIN kp_blocks b ON b.number = c.block WHERE c.number = ? AND c.what = ?",
            (number, what),
        ).fetchone()
        if row is None:
            return None
        authority, reason, block, tx, time_ = row
        return _logs.Changed(number_to_token_id(number), authority, reason, block, tx), int(time_)

    def counts(self) -> dict[str, int]:
        """How much the index holds."""
        return {
            table.removeprefix("kp_"): int(self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
            for table in ("kp_certificates", "kp_draws", "kp_changes")
        }

    def close(self) -> None:
        self.db.close()
