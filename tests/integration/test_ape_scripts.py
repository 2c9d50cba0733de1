"""The ape scripts (scripts/deploy.py, load_participants.py, issue_folder.py, confirm.py) run with
``ape run`` on the kp local node, each a separate process on the same chain, as an operator would.

Runs under plain pytest (no ape plugin): ``ape`` is the virtual environment's, in a subprocess whose
working directory is a project folder of its own: the repository's scripts/ and ape-config.yaml
(symbolic links) and a fresh .kp/ with a running node. Nothing is compiled (kp_py ships its
artifacts), so no solc is needed, and the proxies point nowhere so that nothing reaches the network.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kp_py import IssuedDocument, keys
from kp_py.examples import example_paper
from kp_py.network import connect
from kp_py.node import LOCAL_CHAIN_ID, LocalNode
from tests.conftest import document_data, enact, stock

pytestmark = [pytest.mark.slow, pytest.mark.anvil]

REPO = Path(__file__).resolve().parents[2]
APE = Path(sys.executable).parent / "ape"
NOWHERE = "http://127.0.0.1:9"
NUMBERS = ("AE-2024-000123", "AE-2024-000124")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder to run ``ape run`` in: the repository's scripts and config, its own running node."""
    if not APE.is_file():
        pytest.skip(f"ape is not installed in this environment ({APE})")
    root = tmp_path_factory.mktemp("ape-project")
    (root / "scripts").symlink_to(REPO / "scripts")
    (root / "ape-config.yaml").symlink_to(REPO / "ape-config.yaml")
    node = LocalNode(root / ".kp")
    node.start()
    yield root
    node.stop()


def ape_run(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy") and not k.startswith("KP_")
    }
    offline = {name: NOWHERE for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")}
    offline |= {name.lower(): NOWHERE for name in offline}
    offline |= {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}  # the node only
    return subprocess.run(
        [str(APE), "run", *args],
        cwd=project,
        env={**clean, **offline, "NO_COLOR": "1", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Compiling" not in output, output  # kp_py's artifacts, not ape's compiler
    return result.stdout


def test_deploy_load_issue_confirm_as_separate_ape_runs(project: Path) -> None:
    home = project / ".kp"
    url = str(LocalNode(home).status()["url"])  # type: ignore[index]

    # deploy: no --network, so the kp local node of ./.kp; recorded where kp finds it
    out = ok(ape_run(project, "deploy"))
    recorded = json.loads((home / "deployments.json").read_text())[str(LOCAL_CHAIN_ID)]
    assert recorded["certificates"] in out
    chair = connect(home=home, account=keys.dev_account(0))  # as the kp command line connects
    assert chair.deployment.registry == recorded["registry"]

    # load participants: the node given as ape's --network, a small file (the full one takes ~6 s)
    csv = project / "participants.csv"
    csv.write_text(
        "code,name,status\nAE,United Arab Emirates,active\nBW,Botswana,active\nVE,Venezuela,self-suspended\n"
    )
    out = ok(ape_run(project, "load_participants", "--csv", str(csv), "--network", url))
    assert "admit 3 participants: AE BW VE" in out
    (proposal,) = chair.proposals(open_only=True)
    enact(chair, proposal)  # the notice period (7 days by default) passes on the local node
    assert chair.participant_codes() == ["AE", "BW", "VE"]
    assert chair.participant("BW").standing == "admitted"
    out = ok(ape_run(project, "load_participants", "--csv", str(csv), "--network", url))
    assert "no participant left to propose" in out
    assert chair.participant("VE").standing == "suspended"

    # the secretariat (the deployer) proposes the first keys of AE and BW
    ae, bw, holder = keys.dev_account(1), keys.dev_account(2), keys.dev_account(5)
    enact(chair, chair.add_authority(ae.address, "AE"))
    enact(chair, chair.add_authority(bw.address, "BW"))
    chair.with_account(ae).register_production(stock("AE"))

    # issue a folder of two documents as AE (ape test account 1); kp's own files there are skipped
    certs = project / "certs"
    certs.mkdir()
    for number in NUMBERS:
        (certs / f"{number}.json").write_text(json.dumps(document_data(holder=holder.address, number=number)))
    (certs / "AE-2023-000001.issued.json").write_text("not a document")
    (certs / "AE-2023-000002.pending.json").write_text("not a document")
    out = ok(ape_run(project, "issue_folder", "--folder", "certs", "--test-account", "1"))
    for number in NUMBERS:
        assert f"{number}  issued" in out
        issued = IssuedDocument.from_json((certs / f"{number}.issued.json").read_text())
        assert not (certs / f"{number}.pending.json").exists()
        verification = chair.verify(number, issued)
        assert verification.genuine and verification.document_matches, verification.summary()
        assert chair.certificate(number).issuer == ae.address

    # confirm as BW, with the key in an environment variable named by KP_KEY_ENV
    key = {"KP_KEY_ENV": "BW_OFFICER_KEY", "BW_OFFICER_KEY": "0x" + bw.key.hex()}
    out = ok(ape_run(project, "confirm", *NUMBERS, **key))
    for number in NUMBERS:
        assert f"{number}: receipt confirmed" in out
        assert chair.certificate(number).status == "receipt confirmed"
        assert chair.certificate(number).holder == holder.address

    # a refusal is one line and an error exit, not a traceback
    refused = ape_run(project, "confirm", NUMBERS[0], **key)
    assert refused.returncode == 2  # as the kp command line
    assert "only an issued one can be confirmed" in refused.stderr
    assert "Traceback" not in refused.stdout + refused.stderr

    # AE registers the paper certificates it received; a re-run registers nothing twice
    paper = project / "paper"
    paper.mkdir()
    for number in ("BW-2024-P1", "BW-2024-P2"):
        (paper / f"{number}.json").write_text(json.dumps(example_paper("AE", number=number, origins=["BW"])))
    out = ok(ape_run(project, "register_paper", "--folder", "paper", "--test-account", "1"))
    assert "BW-2024-P1  registered  AE:BW-2024-P1" in out and "BW-2024-P2  registered" in out
    out = ok(ape_run(project, "register_paper", "--folder", "paper", "--test-account", "1"))
    assert "BW-2024-P1  already registered" in out
    assert [r.number for r in chair.list_roots(kind="paper")] == ["AE:BW-2024-P1", "AE:BW-2024-P2"]
