"""Fixtures for the verification page: the `kp` command-line fixtures (a real anvil node, kp deployed,
a snapshot reverted after each test), certificates issued through the CLI in every state the page
tells apart, and the app on that node."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kp_py.network import connect
from kp_py.web import create_app
from tests.cli.conftest import (  # noqa: F401 - fixtures shared with the command-line tests
    AE,
    HOLDER,
    Kp,
    advance,
    cli_home,
    kp,
    node_web3,
    write_document,
)
from tests.conftest import document_data

DAY = 86_400


@dataclass(frozen=True)
class Issued:
    """The certificates of one test: the number of each, and the holder's documents."""

    genuine: str
    voided: str
    expired: str
    document: Path  # the genuine one's issued document, as `kp issue` wrote it
    folder: Path

    def altered(self, field: str = "carats", value: object = "1251.50") -> Path:
        """A copy of the genuine document with one field changed, as a forger would."""
        data = json.loads(self.document.read_text())
        data["document"][field] = value
        path = self.folder / f"altered-{field}.json"
        path.write_text(json.dumps(data))
        return path


@pytest.fixture
def issued(kp: Kp, tmp_path: Path, advance) -> Issued:  # noqa: F811
    """AE-2024-000123 genuine, AE-2024-000124 voided, AE-2024-000125 expired (the clock moved past it)."""
    today = date.today()
    sources = []
    for number, expires in [
        ("AE-2024-000123", today + timedelta(days=60)),
        ("AE-2024-000124", today + timedelta(days=60)),
        ("AE-2024-000125", today + timedelta(days=1)),
    ]:
        path = tmp_path / f"{number}.json"
        path.write_text(
            json.dumps(document_data(holder=HOLDER.address, number=number, expires=expires.isoformat()))
        )
        sources.append(str(path))
    kp.ok("issue", *sources, *AE)
    kp.ok("void", "AE-2024-000124", "--reason", "lost", *AE)
    advance(3 * DAY)
    return Issued(
        "AE-2024-000123",
        "AE-2024-000124",
        "AE-2024-000125",
        tmp_path / "AE-2024-000123.issued.json",
        tmp_path,
    )


@pytest.fixture
def app(kp: Kp) -> Flask:  # noqa: F811
    """The verification app on the test node, read only."""
    return create_app(connect(home=kp.home))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
