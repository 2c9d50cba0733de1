"""Every command has --help, and accepts the common options after its name."""

import click
import pytest
from click.testing import CliRunner

from kp_py.cli import main


def commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        path = (*prefix, name)
        if isinstance(command, click.Group):
            yield from commands(command, path)
        else:
            yield path


ALL = sorted(commands(main))


def test_the_commands_the_issue_asks_for_exist():
    expected = [
        "node start", "node stop", "node status", "deploy",
        "participant admit", "participant suspend", "participant reinstate", "participant withdraw",
        "participant show", "participant list", "participant load", "embargo set", "embargo lift",
        "authority add", "authority disable", "issue", "confirm", "void", "show", "list", "verify",
    ]  # fmt: skip
    expected = {tuple(command.split()) for command in expected}
    assert expected <= set(ALL)


@pytest.mark.parametrize("path", ALL, ids=" ".join)
def test_help(path):
    result = CliRunner().invoke(main, [*path, "--help"], prog_name="kp")
    assert result.exit_code == 0
    assert result.output.startswith(f"Usage: kp {' '.join(path)}")
    if path != ("template",):  # the one command that never touches a chain
        for option in ("--rpc-url", "--account", "--key-env", "--json"):
            assert option in result.output


def test_template_is_a_valid_document():
    from kp_py import Document

    result = CliRunner().invoke(main, ["template", "--number", "BW-2025-7"], prog_name="kp")
    assert result.exit_code == 0
    import json

    document = Document.from_dict(json.loads(result.output) | {"exporting": "BW", "importing": "AE"})
    assert document.number == "BW-2025-7"
