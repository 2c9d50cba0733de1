"""Every command has --help, and accepts the common options after its name."""

import click
import pytest
from click.testing import CliRunner

from kp_py.cli import main


def commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name in group.list_commands(click.Context(group)):
        command = group.get_command(click.Context(group), name)
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
        "proposal list", "proposal show", "proposal object", "proposal withdraw", "proposal execute",
    ]  # fmt: skip
    expected = {tuple(command.split()) for command in expected}
    assert expected <= set(ALL)


@pytest.mark.parametrize("path", ALL, ids=" ".join)
def test_help(path):
    result = CliRunner().invoke(main, [*path, "--help"], prog_name="kp")
    assert result.exit_code == 0
    assert result.output.startswith(f"Usage: kp {' '.join(path)}")
    shown = {option for option in SIGNING + READING + ("--json", "--home") if option in result.output}
    if path == ("template",):  # the one command that never touches a chain or this machine's files
        assert not shown
    elif path[0] in ("node", "account"):  # this machine's
        assert shown == {"--json", "--home"}
    elif path in READ_ONLY:
        assert shown == {"--json", "--home", *READING}
    else:
        assert shown == {"--json", "--home", *READING, *SIGNING}


SIGNING = ("--account", "--key-env", "--dev", "--confirmations")
READING = ("--rpc-url", "--deployments")
READ_ONLY = {
    ("show",), ("verify",), ("trace",), ("list",), ("stats",), ("render",), ("serve",), ("challenge",),
    ("index",),
    ("participant", "show"), ("participant", "list"), ("authority", "show"),
    ("production", "show"), ("production", "list"), ("paper", "show"), ("paper", "list"),
    ("proposal", "show"), ("proposal", "list"),
}  # fmt: skip


@pytest.mark.parametrize("path", sorted(READ_ONLY), ids=" ".join)
def test_read_only_commands_refuse_a_key(path):
    """A command that only reads has no use for a key: given one, it says so, rather than ignore it."""
    result = CliRunner().invoke(main, [*path, "--dev", "1"], prog_name="kp")
    assert result.exit_code == 2
    told = f"kp: kp {' '.join(path)} only reads the chain: it takes no --account, --key-env or --dev"
    assert told in result.output


def test_template_is_a_valid_document():
    from kp_py import Document

    result = CliRunner().invoke(main, ["template", "--number", "BW-2025-7"], prog_name="kp")
    assert result.exit_code == 0
    import json

    document = Document.from_dict(json.loads(result.output) | {"exporting": "BW", "importing": "AE"})
    assert document.number == "BW-2025-7"
