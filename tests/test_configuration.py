"""docs/configuration.md describes every KP_* environment variable the code names, and no other."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "configuration.md"
NAME = re.compile(r"KP_[A-Z0-9_]+")


def named_in_code() -> dict[str, str]:
    """Each KP_* name that is a whole string in the code (``os.environ.get("KP_DEBUG")``,
    ``envvar="KP_HOME"``, ``PASSWORD_VARIABLE = "KP_PASSWORD"``), with a file that names it."""
    found: dict[str, str] = {}
    for folder in ("kp_py", "scripts", "benchmarks", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "node_modules" in path.parts:  # npm packages' own scripts (make bench's peers)
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                text = node.value if isinstance(node, ast.Constant) else None
                if isinstance(text, str) and NAME.fullmatch(text):
                    found.setdefault(text, str(path.relative_to(ROOT)))
    return found


def described() -> set[str]:
    """The variables the document's tables describe: a row's first cell."""
    return set(re.findall(r"^\| `(KP_[A-Z0-9_]+)` \|", DOCUMENT.read_text(), re.MULTILINE))


def test_every_variable_the_code_reads_is_described():
    code = named_in_code()
    assert {"KP_HOME", "KP_RPC_URL", "KP_DEBUG", "KP_PROGRESS", "KP_KEY_ENV"} <= set(code)
    missing = {name: where for name, where in code.items() if name not in described()}
    assert not missing, f"describe in docs/configuration.md: {missing}"


def test_every_variable_described_is_still_read():
    stale = described() - set(named_in_code())
    assert not stale, f"docs/configuration.md describes variables nothing reads: {sorted(stale)}"


def test_the_readme_links_to_it():
    assert "(docs/configuration.md)" in (ROOT / "README.md").read_text()
