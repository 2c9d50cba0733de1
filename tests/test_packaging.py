"""What `pip install` gets: the distribution's name, the `kp` command, install hints that name
extras it has, and a declared, bounded dependency for every package kp_py imports, which both lock
files satisfy. The wheel's metadata is built from pyproject.toml by setuptools (about a second),
exactly as `pip wheel .` or `python -m build` would write it."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from email.message import Message
from email.parser import Parser
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
NAME = "kp-certificates"  # "kp" on PyPI is another project
# Extras that cannot install beside web3 8: siwe 4.4 (the newest) declares web3<8 and eth-account<0.14,
# so requirements-web3-8.lock cannot pin it without `pip install -r` failing (pyproject.toml says so).
WEB3_7_ONLY = {"holding": {"siwe"}}  # extra -> the modules kp_py imports from it


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


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(info: Message) -> dict[str, list[Requirement]]:
    """Each extra's requirements ("" for the core ones), for this Python."""
    extras = ["", *(info.get_all("Provides-Extra") or [])]
    by_extra: dict[str, list[Requirement]] = {}
    for line in info.get_all("Requires-Dist") or []:
        requirement = Requirement(line)
        marker = requirement.marker
        for extra in extras:
            if marker.evaluate({"extra": extra}) if marker else extra == "":
                by_extra.setdefault(extra, []).append(requirement)
                break
    return by_extra


def imported_packages() -> dict[str, str]:
    """Every top-level module kp_py imports that is neither kp_py nor the standard library, with a
    file that imports it: module level or inside a function (the optional ones are imported late)."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "kp_py").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.partition(".")[0]
                if top != "kp_py" and top not in sys.stdlib_module_names:
                    found.setdefault(top, path.name)
    return found


def test_every_package_kp_py_imports_is_a_declared_dependency(metadata):
    info, _ = metadata
    declared = {normalized(r.name): extra for extra, rs in requirements(info).items() for r in rs}
    providers = packages_distributions()
    imported = imported_packages()
    assert {"web3", "eth_account", "flask"} <= set(imported)  # the parsing finds what it should
    for module, where in imported.items():
        if module not in providers and any(module in modules for modules in WEB3_7_ONLY.values()):
            continue  # not installed beside web3 8, and declared (the loop checks it where it is)
        assert module in providers, f"{where} imports {module}, which no installed package provides"
        names = [normalized(name) for name in providers[module]]
        assert any(name in declared for name in names), (
            f"{where} imports {module} ({', '.join(names)}): declare it in pyproject.toml"
        )


def test_every_runtime_dependency_has_a_lower_and_an_upper_bound(metadata):
    """Core and the extras a user installs (not the dev tooling, pinned by requirements.lock)."""
    info, _ = metadata
    for extra, declared in requirements(info).items():
        for requirement in declared:
            if extra == "dev" and normalized(requirement.name) != "py-solc-x":  # kp_py/_build.py
                continue
            operators = {spec.operator for spec in requirement.specifier}
            assert operators & {">=", ">", "=="}, f"{requirement} has no lower bound"
            assert operators & {"<", "<=", "=="}, f"{requirement} has no upper bound"


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-web3-8.lock"])
def test_the_lock_files_satisfy_the_declared_dependencies(metadata, lock):
    """The core and user extras in both environments; the dev tooling in requirements.lock's."""
    info, _ = metadata
    pinned = {}
    for line in (ROOT / lock).read_text().splitlines():
        name, equals, version = line.partition("==")
        if equals and not line.startswith("#"):
            pinned[normalized(name)] = version.strip()
    for extra, declared in requirements(info).items():
        if extra in {"dev", *WEB3_7_ONLY} and lock != "requirements.lock":
            continue
        for requirement in declared:
            name = normalized(requirement.name)
            assert name in pinned, f"{lock} does not pin {name} ({extra or 'core'})"
            assert requirement.specifier.contains(pinned[name], prereleases=True), (
                f"{lock} pins {name}=={pinned[name]}, outside {requirement}"
            )
