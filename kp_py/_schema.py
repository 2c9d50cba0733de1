"""The index's tables (:mod:`kp_py.index`), the same SQL for SQLite and PostgreSQL, what brings an
index of an earlier version up to this one, and a certificate read back from its row
(:func:`listed_from_row`). The version is kept in ``kp_meta.schema``."""

from __future__ import annotations

from typing import Any

from kp_py.errors import timestamp
from kp_py.records import Listed

SCHEMA = 2

# Bits of kp_certificates.changed: the changes a certificate's status is read from, kept on its row
# (a list of 300,000 reads no join), and in kp_changes with their authority, reason and block.
CHANGE_BITS = {"receipt confirmed": 1, "voided": 2}
CHANGES_OF = tuple(frozenset(what for what, bit in CHANGE_BITS.items() if bits & bit) for bits in range(4))

TABLES = (
    "CREATE TABLE IF NOT EXISTS kp_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # Blocks the index read events from, and the last block of each update: how a reorganisation
    # is found (a hash that is no longer the chain's).
    """CREATE TABLE IF NOT EXISTS kp_blocks (
        number BIGINT PRIMARY KEY, hash TEXT NOT NULL, time BIGINT NOT NULL)""",
    # `listed`: the row as `kp list --json` prints it but its status (records.listed_json), which
    # a list reads as it is rather than building it again for each of many certificates.
    """CREATE TABLE IF NOT EXISTS kp_certificates (
        number TEXT PRIMARY KEY, token_id TEXT NOT NULL, exporting TEXT NOT NULL,
        importing TEXT NOT NULL, holder TEXT NOT NULL, issuer TEXT NOT NULL, origins TEXT NOT NULL,
        carats BIGINT NOT NULL, value_usd BIGINT NOT NULL, parcels BIGINT NOT NULL,
        hs_code TEXT NOT NULL, expires_at BIGINT NOT NULL, document TEXT NOT NULL,
        block BIGINT NOT NULL, tx TEXT NOT NULL, issued_at BIGINT NOT NULL,
        year INTEGER NOT NULL, quarter INTEGER NOT NULL,
        listed TEXT NOT NULL DEFAULT '', changed INTEGER NOT NULL DEFAULT 0)""",
    """CREATE TABLE IF NOT EXISTS kp_draws (
        child TEXT NOT NULL, parent TEXT NOT NULL, carats BIGINT NOT NULL, block BIGINT NOT NULL,
        PRIMARY KEY (child, parent))""",
    """CREATE TABLE IF NOT EXISTS kp_changes (
        number TEXT NOT NULL, what TEXT NOT NULL, authority TEXT NOT NULL, reason INTEGER NOT NULL,
        block BIGINT NOT NULL, tx TEXT NOT NULL, PRIMARY KEY (number, what))""",
    # Roots' registrations, few: their logs as the chain gave them, read by _logs.decode_registered.
    """CREATE TABLE IF NOT EXISTS kp_roots (
        root_id TEXT PRIMARY KEY, topics TEXT NOT NULL, data TEXT NOT NULL, block BIGINT NOT NULL,
        tx TEXT NOT NULL)""",
    *(
        f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})"
        for name, table, columns in (
            ("kp_certificates_issued", "kp_certificates", "issued_at"),
            ("kp_certificates_exporting", "kp_certificates", "exporting, issued_at"),
            ("kp_certificates_importing", "kp_certificates", "importing, issued_at"),
            ("kp_certificates_holder", "kp_certificates", "holder"),
            # A list's order: its rows are read in it, not sorted.
            ("kp_certificates_order", "kp_certificates", "block, number"),
            # Covers the statistics' sums: the database reads this index in route order, not the table.
            (
                "kp_certificates_routes",
                "kp_certificates",
                "exporting, importing, hs_code, year, quarter, issued_at, carats, value_usd, number",
            ),
            ("kp_draws_block", "kp_draws", "block"),
            ("kp_changes_block", "kp_changes", "block"),
        )
    ),
)
COLUMNS = (
    "number, token_id, exporting, importing, holder, issuer, origins, carats, value_usd, parcels, "
    "hs_code, expires_at, document, block, tx, issued_at"
)

# From each earlier version, the statements that bring it to the next, in the transaction that opens
# it (version 1's rows get their `changed` bits here, their `listed` JSON from kp_py.index, as an
# index whose rows are kept in another form does: kp_meta.listed, records.LISTED_FORM).
MIGRATIONS = {
    1: (
        "ALTER TABLE kp_certificates ADD COLUMN listed TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE kp_certificates ADD COLUMN changed INTEGER NOT NULL DEFAULT 0",
        "DROP INDEX IF EXISTS kp_certificates_block",
        *(
            f"UPDATE kp_certificates SET changed = changed | {bit} WHERE number IN "
            f"(SELECT number FROM kp_changes WHERE what = '{what}')"
            for what, bit in CHANGE_BITS.items()
        ),
    ),
}


def listed_from_row(row: tuple[Any, ...], status: str) -> Listed:
    """A certificate from its row's :data:`COLUMNS`, with ``status``."""
    return Listed(
        number=row[0],
        token_id=int(row[1]),
        status=status,
        exporting=row[2],
        importing=row[3],
        holder=row[4],
        issuer=row[5],
        origins=tuple(row[6].split(",")) if row[6] else (),
        carats=row[7],
        value_usd=row[8],
        parcels=row[9],
        hs_code=row[10],
        expires_at=row[11],
        block=row[13],
        transaction=row[14],
        issued_at=timestamp(row[15]),
    )
