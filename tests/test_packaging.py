"""What `pip install` gets: the distribution's name, the `kp` command, and the install hints kp
prints naming extras that exist. The wheel's metadata is built from pyproject.toml by setuptools
(about a second), exactly as `pip wheel .` or `python -m build` would write it."""

from __future__ import annotations

import re
import subprocess
import sys
from email.message import Message
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NAME = "kp-certificates"  # "kp" on PyPI is another project


@pytest.fixture(scope="module")
def metadata(tmp_path_factory: pytest.TempPathFactory) -> tuple[Message, str]:
    """The wheel's METADATA and entry_points.txt, as setuptools builds them from pyproject.toml."""
    out = tmp_path_factory.mktemp("metadata")
    build = (
        "import sys; from setuptools import build_meta; "
        "print(build_meta.prepare_metadata_for_build_wheel(sys.argv[1]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", build, str(out)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    dist_info = out / done.stdout.split()[-1]
    info = Parser().parsestr((dist_info / "METADATA").read_text())
    return info, (dist_info / "entry_points.txt").read_text()


def test_the_distribution_is_kp_certificates(metadata):
    info, _ = metadata
    assert info["Name"] == NAME


def test_it_installs_the_kp_command(metadata):
    _, entry_points = metadata
    assert re.search(r"^\[console_scripts\]\nkp = kp_py\.cli:main$", entry_points, re.MULTILINE)


def test_every_install_hint_names_this_distribution_and_an_extra_it_has(metadata):
    info, _ = metadata
    extras = set(info.get_all("Provides-Extra") or [])
    hints = [
        (path.name, hint)
        for path in sorted((ROOT / "kp_py").glob("*.py"))
        for hint in re.findall(r"pip install '([^']*)'", path.read_text())
    ]
    assert hints, "kp_py gives no install hint any more: drop this test"
    for where, hint in hints:
        name, _, extra = hint.partition("[")
        assert name == NAME, f"{where}: pip install '{hint}' installs another project"
        assert extra.rstrip("]") in extras, f"{where}: {NAME} has no extra {extra.rstrip(']')!r}"
