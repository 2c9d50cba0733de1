"""The shape of the library (docs/design.md, "The library's rooms"): no module imports a private
name of another, no two modules import each other (directly or round a circle), no module runs
past about 500 lines, and the contracts' every custom error has its words in kp_py.errors."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "kp_py"
MODULES = {
    ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__"): path
    for path in sorted(PACKAGE.rglob("*.py"))
}
MAX_LINES = 520


def _imports(path: Path) -> list[tuple[str, str | None]]:
    """(module, name) of each kp_py import, at module level or inside a function (a lazy import
    that breaks a circle at load time still ties the two modules), but not those only for type
    checking."""
    found: list[tuple[str, str | None]] = []
    pending: list[ast.AST] = [ast.parse(path.read_text())]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kp_py"):
            found += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names if alias.name.startswith("kp_py")]
        pending += ast.iter_child_nodes(node)
    return found


def _target(module: str, name: str | None) -> str:
    """The kp_py module an import loads: ``from kp_py import _logs`` loads ``kp_py._logs``."""
    return f"{module}.{name}" if name and f"{module}.{name}" in MODULES else module


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_another_modules_private_name(module):
    for source, name in _imports(MODULES[module]):
        if name and f"{source}.{name}" not in MODULES:  # a name, not a module
            assert not name.startswith("_"), f"{module} imports {name} from {source}"
    tree = ast.parse(MODULES[module].read_text())
    aliases = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kp_py")
        for alias in node.names
        if f"{node.module}.{alias.name}" in MODULES
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            private = node.attr.startswith("_") and not node.attr.startswith("__")
            assert not private, f"{module} uses {node.value.id}.{node.attr}"


def test_no_import_circles():
    graph = {
        module: {_target(source, name) for source, name in _imports(path)} - {module}
        for module, path in MODULES.items()
    }
    graph = {
        module: {t for t in targets if t in MODULES and t != "kp_py"} for module, targets in graph.items()
    }
    state: dict[str, str] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for target in sorted(graph[module]):
            assert state.get(target) != "open", "import circle: " + " -> ".join([*trail, module, target])
            if target not in state:
                visit(target, [*trail, module])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [])


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_runs_past_about_500_lines(module):
    lines = len(MODULES[module].read_text().splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines"
