"""`kp index`: kp's events in SQLite and in a real PostgreSQL server, on a real anvil node. What
lists and statistics read from the index must be what the chain alone says, before and after more
certificates, voids, a stale index, and a reorganisation that replaces indexed blocks."""

from __future__ import annotations

import csv
import json
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kp_py.errors import KPError
from tests import postgres
from tests.cli.conftest import AE, BW, HOLDER, Kp
from tests.conftest import document_data

pytestmark = pytest.mark.anvil


@pytest.fixture(scope="module")
def pg() -> Iterator[postgres.Server]:
    reason = postgres.missing()
    if reason:
        pytest.skip(reason)
    with postgres.server() as running:
        yield running


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> str:
    """Where the index goes: a SQLite file, or a fresh database on the test PostgreSQL server."""
    if request.param == "sqlite":
        return str(tmp_path / "index.sqlite3")
    return request.getfixturevalue("pg").database()


def issue(kp: Kp, tmp_path: Path, *numbers: str, key: tuple[str, str] = AE, **changes: object) -> None:
    paths = []
    for number in numbers:
        path = tmp_path / f"{number}.json"
        path.write_text(json.dumps(document_data(holder=HOLDER.address, number=number, **changes)))
        paths.append(str(path))
    kp.ok("issue", *paths, *key)


def listed(kp: Kp, *args: str) -> list[dict]:
    return kp.ok("list", "--json", *args).json()


def same_as_the_chain(kp: Kp, database: str, *args: str) -> list[dict]:
    """`kp list` through the index equals `kp list` from the chain alone; the rows."""
    through = listed(kp, "--index", database, *args)
    assert through == listed(kp, "--index", "none", *args)
    return through


def test_the_index_answers_what_the_chain_answers(kp, tmp_path, database):
    issue(kp, tmp_path, "AE-IX-1", "AE-IX-2", "AE-IX-3")
    kp.ok("void", "AE-IX-2", "--reason", "lost", *AE)
    built = kp.ok("index", "--index", database, "--json").json()
    assert built["certificates"] >= 3 and built["rewound_to"] is None
    rows = same_as_the_chain(kp, database)
    assert {row["number"]: row["status"] for row in rows if "-IX-" in row["number"]} == {
        "AE-IX-1": "issued",
        "AE-IX-2": "voided",
        "AE-IX-3": "issued",
    }
    for filters in (
        ["--status", "voided"],
        ["--exporting", "ae"],
        ["--importing", "BW"],
        ["--holder", HOLDER.address],
    ):
        same_as_the_chain(kp, database, *filters)
    assert (
        kp.ok("stats", "--json", "--index", database).json()
        == kp.ok("stats", "--json", "--index", "none").json()
    )


def test_it_resumes_and_a_stale_index_is_completed_from_the_chain(kp, tmp_path, database):
    issue(kp, tmp_path, "AE-IX-4")
    first = kp.ok("index", "--index", database, "--json").json()
    issue(kp, tmp_path, "AE-IX-5")  # after the index's last block
    kp.ok("void", "AE-IX-4", "--reason", "fraud", *AE)  # a change to a certificate it holds
    rows = {row["number"]: row["status"] for row in same_as_the_chain(kp, database)}
    assert rows["AE-IX-4"] == "voided" and rows["AE-IX-5"] == "issued"
    for options in (
        ["--period", "year"],
        ["--period", "quarter", "--since", "2000-01-01"],
        ["--participant", "BW"],
    ):
        through = kp.ok("stats", "--json", "--index", database, *options).json()
        assert through and through == kp.ok("stats", "--json", "--index", "none", *options).json()
    again = kp.ok("index", "--index", database, "--json").json()
    assert again["first"] == first["last"] + 1 and again["rewound_to"] is None
    assert again["certificates"] == first["certificates"] + 1 and again["changes"] == first["changes"] + 1
    assert kp.ok("index", "--index", database, "--json").json()["last"] == again["last"]  # nothing new
    same_as_the_chain(kp, database)


def test_a_reorganisation_is_rewound_and_nothing_of_the_dropped_branch_remains(
    kp, tmp_path, database, node_web3
):
    issue(kp, tmp_path, "AE-IX-6")
    fork = node_web3.provider.make_request("evm_snapshot", [])["result"]
    issue(kp, tmp_path, "AE-IX-DROPPED-1", "AE-IX-DROPPED-2")
    kp.ok("confirm", "AE-IX-6", *BW)  # a change of a kept certificate, dropped with its branch
    held = kp.ok("index", "--index", database, "--json").json()
    assert "AE-IX-DROPPED-1" in [row["number"] for row in listed(kp, "--index", database)]
    node_web3.provider.make_request("evm_revert", [fork])  # the branch is dropped ...
    issue(kp, tmp_path, "BW-IX-KEPT-1", key=BW, exporting="BW", importing="AE")  # ... and another mined
    node_web3.provider.make_request("evm_mine", [])
    # Before the index is brought up to date, reads notice it is off the chain and read the chain.
    numbers = [row["number"] for row in same_as_the_chain(kp, database)]
    assert "AE-IX-DROPPED-1" not in numbers and "BW-IX-KEPT-1" in numbers
    rewound = kp.ok("index", "--index", database, "--json").json()
    assert rewound["rewound_to"] is not None and rewound["rewound_to"] < held["last"]
    rows = {row["number"]: row["status"] for row in same_as_the_chain(kp, database)}
    assert "AE-IX-DROPPED-1" not in rows and "AE-IX-DROPPED-2" not in rows and "BW-IX-KEPT-1" in rows
    assert rows["AE-IX-6"] == "issued"  # its dropped confirmation forgotten


def test_a_blocks_certificates_are_listed_in_one_order_whichever_the_source(kp, tmp_path, database):
    issue(kp, tmp_path, "AE-IX-B-2", "AE-IX-B-10")  # one batch: one block, issued out of the numbers' order
    kp.ok("index", "--index", database)
    numbers = [row["number"] for row in same_as_the_chain(kp, database)]
    assert numbers.index("AE-IX-B-10") == numbers.index("AE-IX-B-2") - 1  # by block, then number


def test_depth_leaves_the_newest_blocks_to_the_chain(kp, tmp_path, database, node_web3):
    issue(kp, tmp_path, "AE-IX-7")
    head = node_web3.eth.block_number
    built = kp.ok("index", "--index", database, "--depth", "1", "--json").json()
    assert built["last"] == head - 1
    assert "AE-IX-7" in [row["number"] for row in same_as_the_chain(kp, database)]


def test_the_home_index_is_used_by_default(kp, tmp_path):
    issue(kp, tmp_path, "AE-IX-8")
    built = kp.ok("index", "--json").json()
    path = Path(built["index"])
    try:
        assert path.parent == kp.home / "index" and path.exists()
        assert listed(kp) == listed(kp, "--index", "none")
        rows = sqlite3.connect(path).execute("SELECT number FROM kp_certificates").fetchall()
        assert ("AE-IX-8",) in rows
    finally:
        path.unlink()


def test_an_index_of_another_deployment_is_refused(kp, tmp_path):
    database = tmp_path / "index.sqlite3"
    kp.ok("index", "--index", str(database))
    with sqlite3.connect(database) as connection:
        other = "0x0000000000000000000000000000000000000001"
        connection.execute(f"UPDATE kp_meta SET value = '{other}' WHERE key = 'certificates'")
    line = kp.refused("list", "--index", str(database))
    assert "holds certificates 0x0000000000000000000000000000000000000001, not 0x" in line
    assert "it is another deployment's (or another version's); give another --index" in line


def test_an_earlier_index_is_brought_up_to_date_where_it_lies(kp, tmp_path, database):
    from kp_py._database import Database

    issue(kp, tmp_path, "AE-IX-18", "AE-IX-19")
    kp.ok("void", "AE-IX-18", "--reason", "lost", *AE)
    kp.ok("index", "--index", database)
    old = Database(database)  # as version 1 left it: no listed JSON, no changes on the rows
    for statement in (
        "ALTER TABLE kp_certificates DROP COLUMN listed",
        "ALTER TABLE kp_certificates DROP COLUMN changed",
        "DROP INDEX kp_certificates_order",
        "CREATE INDEX kp_certificates_block ON kp_certificates (block)",
        "UPDATE kp_meta SET value = '1' WHERE key = 'schema'",
        "DELETE FROM kp_meta WHERE key = 'listed'",
    ):
        old.execute(statement)
    old.close()
    rows = {row["number"]: row["status"] for row in same_as_the_chain(kp, database)}
    assert rows["AE-IX-18"] == "voided" and rows["AE-IX-19"] == "issued"
    again = Database(database)
    assert again.execute("SELECT value FROM kp_meta WHERE key = 'schema'").fetchone() == ("2",)
    assert again.execute("SELECT COUNT(*) FROM kp_certificates WHERE listed = ''").fetchone() == (0,)
    # Rows kept in another form (a kp whose list rows differ): written again when this kp opens it.
    again.execute("UPDATE kp_meta SET value = 'another' WHERE key = 'listed'")
    again.execute('UPDATE kp_certificates SET listed = \'{"number":"stale"}\'')
    again.close()
    assert same_as_the_chain(kp, database)
    again = Database(database)
    again.execute("UPDATE kp_meta SET value = '3' WHERE key = 'schema'")  # a later kp's
    again.close()
    line = kp.refused("list", "--index", database)
    assert "holds schema 3, not 2: it is another deployment's (or another version's)" in line


@pytest.mark.parametrize(
    "where, message",
    [
        ("postgresql://nobody@127.0.0.1:1/kp", "cannot open the index postgresql://nobody@127.0.0.1:1/kp"),
        ("postgresql://kp:secret@127.0.0.1:1/kp", "cannot open the index postgresql://kp:***@127.0.0.1:1/kp"),
    ],
    ids=["no server", "password not shown"],
)
def test_an_index_that_cannot_be_opened_gets_one_line(kp, where, message):
    line = kp.refused("list", "--index", where)
    assert message in line and "secret" not in line


def test_the_page_lists_a_wallets_certificates_from_the_index(kp, tmp_path, database):
    from kp_py.index import Index
    from kp_py.network import connect
    from kp_py.web import create_app

    issue(kp, tmp_path, "AE-IX-9")
    kp.ok("index", "--index", database)
    reader = connect(home=kp.home)
    reader.index = Index.open(reader, database)
    page = create_app(reader).test_client().get(f"/holders/{HOLDER.address}").get_data(as_text=True)
    assert ">AE-IX-9</a>" in page
    rows = reader.list_certificates(holder=HOLDER.address.lower())
    assert "AE-IX-9" in [row.number for row in rows]
    for index in (reader.index, None):  # a holder that is no address: one line, whichever the source
        reader.index = index
        with pytest.raises(KPError, match="holder 'AE-IX-9' is not an address"):
            reader.list_certificates(holder="AE-IX-9")


def test_kp_index_refuses_none_and_a_bad_interval(kp):
    assert "there is nothing to build" in kp.refused("index", "--index", "none")
    assert "not a duration" in kp.refused("index", "--every", "often")


def test_list_streams_json_and_csv_as_it_reads(kp, tmp_path, database):
    issue(kp, tmp_path, "AE-IX-10", "AE-IX-11")
    kp.ok("index", "--index", database)
    issue(kp, tmp_path, "AE-IX-12")  # one from the chain after the index's rows
    out = kp.ok("list", "--json", "--index", database).out
    rows = json.loads(out)
    assert out.count("\n") == len(rows) + 2  # "[", a line per certificate, "]"
    numbers = [row["number"] for row in rows]
    assert numbers[-3:] == ["AE-IX-10", "AE-IX-11", "AE-IX-12"]
    written = kp.ok("list", "--csv", str(tmp_path / "all.csv"), "--index", database, "--json").json()
    assert written["certificates"] == len(rows)
    with (tmp_path / "all.csv").open() as f:
        table = list(csv.DictReader(f))
    assert [row["number"] for row in table] == numbers
    assert table[-1]["origins"] == ";".join(rows[-1]["origins"]) and table[-1]["carats"] == rows[-1]["carats"]
    assert kp.ok("list", "--json", "--status", "voided", "--exporting", "ZW").out == "[]\n"


def test_streamed_json_is_the_rows_across_its_writes_of_a_part_each(capsysbinary):
    from kp_py.cli.listing import stream_json

    rows = [{"number": f"AE-{i}", "origins": ["BW", '\u2028\x1b"é'], "block": i} for i in range(2001)]
    lines = [json.dumps(row) for row in rows]
    stream_json([[], lines[:1000], [], lines[1000:2000], lines[2000:], []])  # parts as an index reads them
    out = capsysbinary.readouterr().out.decode()
    assert json.loads(out) == rows and out.count("\n") == len(rows) + 2
    stream_json(iter([[], []]))
    assert capsysbinary.readouterr().out == b"[]\n"


def test_a_certificates_events_read_from_the_index_are_the_chains(kp, tmp_path, database):
    from kp_py import _logs
    from kp_py.index import Index
    from kp_py.network import connect

    issue(kp, tmp_path, "AE-IX-13", "AE-IX-14")
    kp.ok("confirm", "AE-IX-13", *BW)
    kp.ok("void", "AE-IX-14", "--reason", "cancelled", *AE)
    kp.ok("index", "--index", database)
    reader = connect(home=kp.home)
    index = Index.open(reader, database)
    ids = [reader.certificate(n).token_id for n in ("AE-IX-13", "AE-IX-14")]
    from_chain = _logs.issued_logs(reader.w3, reader.certificates.address, ids, reader.deployment.block)
    assert index.issued_events(ids) == from_chain and all(from_chain[i].parents for i in ids)
    for number, what in (("AE-IX-13", "receipt confirmed"), ("AE-IX-14", "voided")):
        change, at = index.status_change(number, what)
        on_chain = reader.status_change(reader.certificate(number))
        assert (change.authority, change.block, change.transaction) == (
            on_chain.authority,
            on_chain.block,
            on_chain.transaction,
        )
        assert at == int(reader.w3.eth.get_block(change.block)["timestamp"])
    assert index.status_change("AE-IX-13", "voided") is None


def test_follow_keeps_the_index_up_to_date_until_stopped(kp, tmp_path):
    database = tmp_path / "followed.sqlite3"
    command = [str(Path(sys.executable).parent / "kp"), "index", "--follow", "--every", "1", "--json",
               "--home", str(kp.home), "--index", str(database)]  # fmt: skip
    follower = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = json.loads(_line(follower))
        issue(kp, tmp_path, "AE-IX-FOLLOWED")
        later = json.loads(_line(follower))
        assert later["first"] == first["last"] + 1 and later["certificates"] == first["certificates"] + 1
    finally:
        follower.send_signal(signal.SIGTERM)
        _, err = follower.communicate(timeout=30)
    assert follower.returncode == 0, err
    rows = sqlite3.connect(database).execute("SELECT number FROM kp_certificates").fetchall()
    assert ("AE-IX-FOLLOWED",) in rows


def _line(process: subprocess.Popen[str], timeout: float = 30) -> str:
    """The next line a process prints, within ``timeout`` seconds (the process is killed if not)."""
    watchdog = threading.Timer(timeout, process.kill)
    watchdog.start()
    try:
        line = process.stdout.readline() if process.stdout else ""
    finally:
        watchdog.cancel()
    assert line, process.stderr.read() if process.stderr else "no output"
    return line


def test_verify_and_trace_through_the_index_say_what_the_chain_says(kp, tmp_path, database):
    from kp_py.index import Index
    from kp_py.network import connect

    issue(kp, tmp_path, "AE-IX-15", "AE-IX-16")
    kp.ok("confirm", "AE-IX-15", *BW)
    kp.ok("void", "AE-IX-16", "--reason", "fraud", *AE)
    kp.ok("index", "--index", database)
    chain, indexed = connect(home=kp.home), connect(home=kp.home)
    indexed.index = Index.open(indexed, database)
    for number in ("AE-IX-15", "AE-IX-16"):
        assert indexed.verify(number).to_dict() == chain.verify(number).to_dict()
        assert indexed.trace(number).to_dict() == chain.trace(number).to_dict()
    assert indexed.verify("AE-IX-16").change.reason == "fraud"


def test_the_index_answers_a_verifications_event_lookups_itself(kp, tmp_path, database, monkeypatch):
    from kp_py import _batch, _logs
    from kp_py.index import Index
    from kp_py.network import connect

    issue(kp, tmp_path, "AE-IX-17")
    kp.ok("void", "AE-IX-17", "--reason", "lost", *AE)
    kp.ok("index", "--index", database)
    reader = connect(home=kp.home)
    reader.index = Index.open(reader, database)

    def not_asked(*args, **kwargs):
        raise AssertionError("the chain's logs were searched though the index holds the events")

    for module, name in ((_batch, "issued_at_times"), (_batch, "change_logs"), (_logs, "issued_logs")):
        monkeypatch.setattr(module, name, not_asked)
    result = reader.verify("AE-IX-17")
    assert result.verdict == "VOIDED" and result.change.reason == "lost"


def test_kp_opening_one_index_at_once_take_turns(database):
    """A service starting `kp serve` and `kp index --follow` together on a new index: each created
    its tables, and PostgreSQL refused all but the first (a duplicate key in pg_type)."""
    from kp_py.index import Index
    from kp_py.records import Deployment

    deployment = Deployment(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3", "0x" + "e7" * 20, 1)
    errors: list[Exception] = []
    together = threading.Barrier(4)

    def open_it() -> None:
        together.wait()
        try:
            Index.open_alone(deployment, database).close()
        except Exception as error:  # what each kp would have said, kept to be shown
            errors.append(error)

    openers = [threading.Thread(target=open_it) for _ in range(4)]
    for opener in openers:
        opener.start()
    for opener in openers:
        opener.join()
    assert errors == []
    index = Index.open_alone(deployment, database)
    assert index.counts() == {"certificates": 0, "draws": 0, "changes": 0} and index.last_read() is None
    index.close()
