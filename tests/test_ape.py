"""ape (``ape compile``, ``ape test``) works offline with the pinned compiler and agrees with kp_py.

This module runs under plain pytest, without ape's pytest plugin. It checks that ape-config.yaml
repeats the pins of kp_py/_build.py, then drives ape in subprocesses the way a developer would:
``ape compile --force`` must rebuild the shipped artifacts exactly, and ``ape test tests/ape`` must
pass.

The machine has no native solc and no access to binaries.soliditylang.org. py-solc-x (which
ape-solidity uses) looks for ``$SOLCX_BINARY_PATH/solc-v<version>``, so the fixture below writes
such a file: a two-line shell wrapper over tools/solc, the solcjs bridge. With ``version`` pinned in
ape-config.yaml and that version "installed", ape-solidity neither lists the compilers available
online nor installs one (it would only do that for a version it cannot find).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from kp_py import _build

REPO = Path(__file__).resolve().parent.parent
APE = Path(sys.executable).parent / "ape"  # the virtual environment's ape, not one on PATH
MANIFEST = REPO / ".build" / "__local__.json"  # where ape 0.8 writes the compiled project
# Any attempt to reach the network through the usual proxy variables fails at once.
NOWHERE = "http://127.0.0.1:9"
OFFLINE = {name: NOWHERE for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")}
OFFLINE.update({name.lower(): value for name, value in OFFLINE.items()})
OFFLINE.update({"NO_PROXY": "", "no_proxy": ""})


def ape_config() -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load((REPO / "ape-config.yaml").read_text())
    return config


# ------------------------------------------------------------------ the config repeats the pins


def test_ape_config_repeats_the_build_pins() -> None:
    config = ape_config()
    solidity = config["solidity"]
    assert str(solidity["version"]) == _build.SOLC_VERSION
    assert str(solidity["evm_version"]) == _build.EVM_VERSION
    assert solidity["optimize"] is True
    assert solidity["optimization_runs"] == _build.OPTIMIZER_RUNS
    # The same remapping string, not just an equivalent one: it is part of the metadata that
    # solc hashes into the bytecode, so any other spelling changes the bytecode's last bytes.
    assert solidity["import_remapping"] == _build.settings()["remappings"]
    assert config["contracts_folder"] == "contracts"


def test_ape_config_has_no_absolute_paths() -> None:
    text = (REPO / "ape-config.yaml").read_text()
    assert not re.search(r"(^|[\s\"'=])/\w", text, re.MULTILINE), "committed config must use relative paths"


# ------------------------------------------------------------------ ape itself, in subprocesses


@pytest.fixture(scope="module")
def ape_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of an offline ape run that finds the pinned solc through the bridge."""
    if not (REPO / "node_modules" / "solc").is_dir():
        pytest.skip("the solcjs bridge needs the npm packages: run `npm ci` (or `make setup`)")
    if not APE.is_file():
        pytest.skip(f"ape is not installed in this environment ({APE})")
    folder = tmp_path_factory.mktemp("solcx")
    wrapper = folder / f"solc-v{_build.SOLC_VERSION}"
    # --include-path: ape compiles a copy of contracts/ in a temporary directory, without
    # node_modules, so `node_modules/@openzeppelin/...` (the remapped imports) must be found from
    # the repository root. A native solc would not find them either: this wrapper is the one way
    # ape-config.yaml is meant to be used here (`make ape-test` writes the same file to .build/).
    wrapper.write_text(
        f'#!/bin/sh\nexec {shlex.quote(str(_build.BRIDGE))} "$@" --include-path {shlex.quote(str(REPO))}\n'
    )
    wrapper.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(OFFLINE)
    env.update({"SOLCX_BINARY_PATH": str(folder), "KP_APE_TEST": "1", "NO_COLOR": "1"})
    return env


def run_ape(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(APE), *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def abi_items(abi: list[dict[str, Any]]) -> set[str]:
    return {json.dumps(item, sort_keys=True) for item in abi}


def without_metadata(code: str) -> str:
    """Bytecode without the CBOR metadata solc appends (its length is in the last two bytes)."""
    raw = bytes.fromhex(code.removeprefix("0x"))
    return raw[: -(int.from_bytes(raw[-2:], "big") + 2)].hex()


def assert_same_code(name: str, kind: str, ape_code: str, shipped: str) -> None:
    assert without_metadata(ape_code) == without_metadata(shipped), f"{name}: ape compiles other {kind}"
    # Same code; only the metadata could still differ. It hashes the source unit names (paths),
    # the sources and the settings, remappings included: a difference here means ape-config.yaml
    # and kp_py/_build.py no longer describe the same compilation.
    assert ape_code == shipped, f"{name}: same {kind} but other metadata (source paths or settings)"


@pytest.mark.slow
def test_ape_compile_offline_matches_the_shipped_artifacts(ape_env: dict[str, str]) -> None:
    result = run_ape(ape_env, "compile", "--force")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Installing solc" not in output and "Internet connection" not in output, output

    manifest = json.loads(MANIFEST.read_text())
    (compiler,) = manifest["compilers"]
    assert compiler["version"].split("+")[0] == _build.SOLC_VERSION
    expected = _build.settings()
    settings = compiler["settings"]
    assert settings["evmVersion"] == expected["evmVersion"]
    assert settings["optimizer"] == expected["optimizer"]
    assert settings["remappings"] == expected["remappings"]

    for name in _build.CONTRACTS:
        built = manifest["contractTypes"][name]
        shipped = json.loads((_build.ARTIFACTS / f"{name}.json").read_text())
        assert abi_items(built["abi"]) == abi_items(shipped["abi"]), f"{name}: ABIs differ"
        # ape builds byte for byte what kp_py ships: same compiler, settings, and source unit
        # names (contracts/... and node_modules/@openzeppelin/... relative to the base path), so
        # even the metadata hash at the end agrees.
        creation, runtime = built["deploymentBytecode"]["bytecode"], built["runtimeBytecode"]["bytecode"]
        assert_same_code(name, "creation code", creation, shipped["bytecode"])
        assert_same_code(name, "runtime code", runtime, shipped["deployedBytecode"])


@pytest.mark.slow
def test_ape_test_passes_offline(ape_env: dict[str, str]) -> None:
    result = run_ape(ape_env, "test", "tests/ape")
    output = result.stdout + result.stderr
    hint = ""
    if "ProviderNotConnectedError" in output or "Not connected to a network provider" in output:
        hint = "\nape's pytest plugin did not run: is `-p no:ape_test` in pyproject's addopts?\n"
    assert result.returncode == 0, hint + output
    summary = re.search(r"=+ (.*) in [\d.]+s", output)
    assert summary, output
    passed = re.search(r"(\d+) passed", summary.group(1))
    assert passed and int(passed.group(1)) >= 3, output
    assert not re.search(r"failed|error|skipped", summary.group(1)), output
