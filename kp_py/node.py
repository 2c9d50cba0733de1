"""A local anvil node whose chain state is kept on disk, under a project's ``.kp/`` folder.

    node = LocalNode(Path(".kp"))
    url = node.start()      # starts anvil, or finds the one already running
    node.stop()             # SIGTERM: anvil writes its state, the next start resumes it

anvil is ``$KP_ANVIL``, or comes from the npm package ``@foundry-rs/anvil-linux-amd64`` installed
beside kp (``node_modules/.bin/anvil``), or from ``PATH``; never from the current folder. Its log goes
to ``.kp/anvil.log``; ``.kp/node.json`` records pid, URL and chain id.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kp_py import _jsonrpc
from kp_py._json import loads_strict
from kp_py.errors import DocumentError, KPError

# anvil's well-known development mnemonic: its accounts are funded on every local chain.
DEV_MNEMONIC = "test test test test test test test test test test test junk"
LOCAL_CHAIN_ID = 31337
# Development chains: anvil (the kp local node) and hardhat; geth --dev and ganache as well.
DEV_CHAIN_IDS = (LOCAL_CHAIN_ID, 1337)
PORT_WAIT = 2.0  # seconds a restart waits for its last port to be free before taking another


class NodeError(KPError, RuntimeError):
    """The local node could not be started, found or stopped."""


def anvil_binary() -> str:
    """The anvil executable: ``$KP_ANVIL`` if set, else the npm package's of the installation kp runs
    from (beside ``kp_py/``), else one on ``PATH`` (absolute entries only). Never the current folder's
    ``node_modules``: running kp in a folder someone handed over must not run their program."""
    named = os.environ.get("KP_ANVIL")
    if named:
        return named
    installed = Path(__file__).resolve().parent.parent / "node_modules" / ".bin" / "anvil"
    if installed.is_file():
        return str(installed)
    absolute = [entry for entry in os.get_exec_path() if os.path.isabs(entry)]
    found = shutil.which("anvil", path=os.pathsep.join(absolute))
    if found is None:
        raise NodeError(
            "anvil not found: run `npm ci` where kp is installed (it installs "
            "@foundry-rs/anvil-linux-amd64), or set KP_ANVIL to an anvil executable"
        )
    return found


@dataclass
class LocalNode:
    """An anvil process with its state in ``home``."""

    home: Path
    chain_id: int = LOCAL_CHAIN_ID
    port: int = 0  # 0: any free port
    options: tuple[str, ...] = ()  # more anvil options, such as "--steps-tracing"
    keep_state: bool = True  # False: the chain lives in memory only (a benchmark's millions of blocks)

    @property
    def info_file(self) -> Path:
        return self.home / "node.json"

    @property
    def state_file(self) -> Path:
        return self.home / "anvil-state.json"

    def status(self) -> dict[str, object] | None:
        """``{"pid", "url", "chain_id"}`` of the running node, or None."""
        try:
            info = loads_strict(self.info_file.read_bytes())
        except (FileNotFoundError, DocumentError):
            return None
        if not isinstance(info, dict):
            return None
        pid = info.get("pid")
        if not isinstance(pid, int) or not _alive(pid):
            return None
        return info

    def start(self, timeout: float = 20.0) -> str:
        """Start the node (or find it running) and return its RPC URL."""
        running = self.status()
        if running is not None:
            return str(running["url"])
        self.home.mkdir(parents=True, exist_ok=True)
        command = [
            anvil_binary(),
            "--port", str(self.port or self._last_port()),
            "--chain-id", str(self.chain_id),
            "--mnemonic", DEV_MNEMONIC,
            *(("--state", str(self.state_file), "--state-interval", "5") if self.keep_state else ()),
            *self.options,
        ]  # fmt: skip
        log_path = self.home / "anvil.log"
        with open(log_path, "w") as log:
            process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        url = self._wait_for_url(process, log_path, timeout)
        _resume_clock(url)
        info = {"pid": process.pid, "url": url, "chain_id": self.chain_id}
        self.info_file.write_text(json.dumps(info, indent=2) + "\n")
        return url

    def stop(self, timeout: float = 20.0) -> bool:
        """Stop the node, letting it write its state. Returns whether one was running."""
        running = self.status()
        if running is None:
            return False
        pid = int(str(running["pid"]))
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
        # Kept without its pid (which another process may reuse): the next start takes the same port.
        stopped = {"url": running.get("url"), "chain_id": running.get("chain_id")}
        self.info_file.write_text(json.dumps(stopped, indent=2) + "\n")
        return True

    def _last_port(self) -> int:
        """The port the stopped node listened on, if it is free again (within :data:`PORT_WAIT`),
        so that a restarted chain answers where scripts and wallets left it; else 0 (any free port)."""
        try:
            url = loads_strict(self.info_file.read_bytes()).get("url", "")
            port = int(str(url).rsplit(":", 1)[1])
        except (OSError, DocumentError, AttributeError, IndexError, ValueError):
            return 0
        deadline = time.monotonic() + PORT_WAIT
        while True:  # a node stopped a moment ago may not have let go of it yet
            with socket.socket() as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as anvil: TIME_WAIT is free
                try:
                    probe.bind(("127.0.0.1", port))
                    return port
                except OSError:
                    if time.monotonic() > deadline:
                        return 0
            time.sleep(0.05)

    def _wait_for_url(self, process: subprocess.Popen[bytes], log_path: Path, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(r"Listening on ([\d.]+):(\d+)", log_path.read_text(errors="replace"))
            if match:
                return f"http://{match.group(1)}:{match.group(2)}"
            if process.poll() is not None:
                tail = log_path.read_text(errors="replace").strip().splitlines()[-3:]
                raise NodeError(f"anvil exited with code {process.returncode}: {' / '.join(tail)}")
            time.sleep(0.05)
        process.terminate()
        raise NodeError(f"anvil did not start within {timeout:.0f} s (log: {log_path})")


def _resume_clock(url: str) -> None:
    """Set the node's clock to its last block's time if that is ahead of this machine's: anvil
    forgets how far its clock was moved (to pass a notice period) when it restarts, and would stamp
    the next block earlier than the last, before keys valid from then."""
    last = int(_rpc(url, *_jsonrpc.header("latest"))["timestamp"], 16)
    if last >= time.time():
        _rpc(url, "evm_setTime", [last + 1])


def _rpc(url: str, method: str, params: list[object]) -> Any:
    try:
        return _jsonrpc.call(url, method, list(params))
    except _jsonrpc.Unanswered as error:
        raise NodeError(f"the local node {error}") from None  # "... refused evm_setTime: ..."


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by its parent) counts as stopped.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[-1][:1] != "Z"
    except OSError:
        return True
