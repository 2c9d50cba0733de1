"""`make bench`, the page under load: requests per second and p50/p99 latency of the verification
page's JSON answers with 20 concurrent clients on 127.0.0.1, without and with an index.

Runs the demo (`scripts/demo.py`) in a temporary folder for a chain with a story (certificates,
re-exports, a void), starts its node again, serves the page with waitress in this process, and
hammers it from 20 threads for a few seconds per route:

* ``/api/certificates/AE-2024-000123``: one verification (the chain, always);
* ``/api/holders/<the demo trader>/certificates``: "My certificates", a list (the index, when there).

Prints a table and adds its rows to benchmarks/results.json (others kept).
"""

from __future__ import annotations

import json
import logging
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests

from kp_py.index import Index
from kp_py.keys import dev_account
from kp_py.network import connect
from kp_py.node import LocalNode
from kp_py.web import create_app, serve

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
CLIENTS = 20
SECONDS = 4.0  # per route and setting: bounded in time, not in requests


def hammer(url: str) -> dict[str, float]:
    """``CLIENTS`` threads asking ``url`` again and again for ``SECONDS``: rate and latencies."""
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    stop = time.perf_counter() + SECONDS

    def client() -> None:
        nonlocal failures
        session = requests.Session()
        while time.perf_counter() < stop:
            start = time.perf_counter()
            ok = session.get(url, timeout=30).status_code == 200
            took = time.perf_counter() - start
            with lock:
                latencies.append(took)
                failures += not ok

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    assert not failures, f"{failures} requests to {url} failed"
    ordered = sorted(latencies)
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(ordered) * 1000,
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
    }


def main() -> int:
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # a full queue is the point here
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        demo = subprocess.run(
            [sys.executable, str(HERE.parent / "scripts" / "demo.py")],
            cwd=folder,
            capture_output=True,
            text=True,
        )
        assert demo.returncode == 0, demo.stderr[-2000:]
        home = Path(folder) / ".kp"
        node = LocalNode(home)
        node.start()
        try:
            kp = connect(home=home)
            trader = dev_account(5).address
            routes = {
                "verify one (/api/certificates)": "/api/certificates/AE-2024-000123",
                "my certificates (/api/holders)": f"/api/holders/{trader}/certificates",
            }
            for setting in ("chain", "index"):
                if setting == "index":
                    kp.index = Index.open(kp, Path(folder) / "index.sqlite3")
                    kp.index.update()
                server, base = serve(create_app(kp), "127.0.0.1", 0)
                runner = threading.Thread(target=server.run, daemon=True)
                runner.start()
                try:
                    for name, path in routes.items():
                        seen = hammer(base + path)
                        for key, unit in (("rps", "req/s"), ("p50", "ms"), ("p99", "ms")):
                            rows.append(
                                {
                                    "name": f"page {name}, {CLIENTS} clients, {setting}: {key}",
                                    "value": round(seen[key], 1),
                                    "unit": unit,
                                }
                            )
                finally:
                    server.close()
        finally:
            node.stop()
    for row in rows:
        print(f"{row['name']:<70} {row['value']:>10,.1f} {row['unit']}")
    kept = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    kept = [r for r in kept if not str(r.get("name", "")).startswith("page ")] + rows
    RESULTS.write_text(json.dumps(kept, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
