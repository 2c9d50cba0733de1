"""Compile the contracts into the artifacts that ship inside ``kp_py``.

The compiler, EVM version and optimizer are pinned here and only here (``ape-config.yaml``
repeats them for ape, and a test checks the two agree). The compiler is a native ``solc`` of
the pinned version when one is installed (on ``PATH`` or where py-solc-x keeps its binaries),
else ``tools/solc``, a bridge over the npm ``solc`` package (solcjs). Both produce the same
bytecode for the same input.

    python -m kp_py._build          # rewrite kp_py/artifacts/*.json
    python -m kp_py._build --check  # exit 1 if the shipped artifacts are stale
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import solcx

SOLC_VERSION = "0.8.28"
EVM_VERSION = "cancun"
OPTIMIZER_RUNS = 10_000
CONTRACTS = ("KPRegistry", "KPPlenary", "KPCertificates", "KPCertificateArt")

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
BRIDGE = REPO / "tools" / "solc"


def settings() -> dict[str, Any]:
    """The compiler settings every build uses."""
    return {
        "evmVersion": EVM_VERSION,
        "optimizer": {"enabled": True, "runs": OPTIMIZER_RUNS},
        "remappings": ["@openzeppelin/=node_modules/@openzeppelin/"],
        "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
    }


def solc_binary() -> Path:
    """A native solc of the pinned version if there is one, else the solcjs bridge."""
    candidates = [shutil.which("solc"), solcx.get_solcx_install_folder() / f"solc-v{SOLC_VERSION}"]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and _version_of(Path(candidate)) == SOLC_VERSION:
            return Path(candidate)
    if not (REPO / "node_modules" / "solc").is_dir():
        raise RuntimeError("no solc found: run `npm ci` to install the pinned solcjs")
    return BRIDGE


def _version_of(binary: Path) -> str | None:
    try:
        out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    for word in out.split():
        if word[:1].isdigit():
            return word.split("+")[0]
    return None


def compile_contracts(
    folder: str = "contracts", names: tuple[str, ...] = CONTRACTS
) -> dict[str, dict[str, Any]]:
    """Compile the Solidity files under ``folder`` (of the repository) and return one artifact per
    contract in ``names``, each defined in ``folder/NAME.sol``."""
    sources = {
        str(path.relative_to(REPO)): {"content": path.read_text()}
        for path in sorted((REPO / folder).rglob("*.sol"))
    }
    try:
        output = solcx.compile_standard(
            {"language": "Solidity", "sources": sources, "settings": settings()},
            base_path=str(REPO),
            allow_paths=[str(REPO)],
            solc_binary=solc_binary(),
        )
    except solcx.exceptions.SolcError as error:
        errors = json.loads(error.stdout_data or "{}").get("errors", [])
        messages = [e["formattedMessage"] for e in errors if e["severity"] == "error"]
        raise RuntimeError("compilation failed:\n" + "\n".join(messages or [str(error)])) from None
    artifacts = {}
    for name in names:
        compiled = output["contracts"][f"{folder}/{name}.sol"][name]
        artifacts[name] = {
            "contractName": name,
            "abi": compiled["abi"],
            "bytecode": "0x" + compiled["evm"]["bytecode"]["object"],
            "deployedBytecode": "0x" + compiled["evm"]["deployedBytecode"]["object"],
            "compiler": {"solc": SOLC_VERSION, "settings": settings()},
        }
    return artifacts


def render(artifact: dict[str, Any]) -> str:
    """The exact text of an artifact file."""
    return json.dumps(artifact, indent=1, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    artifacts = compile_contracts()
    stale = [
        name
        for name, artifact in artifacts.items()
        if not (ARTIFACTS / f"{name}.json").is_file()
        or (ARTIFACTS / f"{name}.json").read_text() != render(artifact)
    ]
    if "--check" in argv:
        for name in stale:
            print(f"kp_py/artifacts/{name}.json is stale: run `make artifacts`", file=sys.stderr)
        return 1 if stale else 0
    ARTIFACTS.mkdir(exist_ok=True)
    for name, artifact in artifacts.items():
        (ARTIFACTS / f"{name}.json").write_text(render(artifact))
        size = (len(artifact["deployedBytecode"]) - 2) // 2
        print(f"{name}: {size:,} bytes of runtime code")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
