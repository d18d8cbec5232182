"""The Locust scenarios in CI: a short headless run against a real `mall serve` on loopback.

Steady bidders, watchers of the hot auction, snipers on 5-second rounds, buyers launching short auctions,
hoppers bidding in them and portal readers run for 15 s (`locust --headless -u 20 -r 20 -t 15s`); the run
must have had bids acknowledged, book frames delivered to watchers, a round closed under its snipers,
auctions launched, portal pages read, and fewer than 1 % failures (a failure: an HTTP error, a rejected bid
a rule-following client must never get, a `seq` going back, a bid left without an answer, also one racing
the close).
"""

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mall_api.auth import Tokens
from tests.conftest import SECRET
from tests.integration.server import MallProcess

ROOT = Path(__file__).resolve().parents[2]
LOCUST = str(Path(sys.executable).with_name("locust"))
MAX_FAILURE_RATIO = 0.01
USERS = ["SupplierUser", "WatcherUser", "SniperUser", "HopperUser", "BuyerUser", "PortalUser"]


@pytest.fixture
def mall(tmp_path: Path) -> Iterator[MallProcess]:
    process = MallProcess(tmp_path).start()
    try:
        yield process
    finally:
        process.stop()


def run_locust(mall: MallProcess, out: Path, *extra: str, env: dict[str, str] | None = None,
               ) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    admin, _ = Tokens(SECRET).issue("admin", "ops", int(time.time()))
    environ = {**os.environ, "MALL_ADMIN_TOKEN": admin, "LOAD_SMALL_S": "10", "LOAD_AUCTIONS": "2",
               "LOAD_SNIPE_S": "5", "LOAD_EXTENSION_S": "2", **(env or {})}
    proc = subprocess.run(
        [LOCUST, "-f", str(ROOT / "loadtests" / "locustfile.py"), "--headless", "-u", "20", "-r", "20", "-t", "15s",
         "--stop-timeout", "3", "--host", mall.base, "--only-summary", "--json-file", str(out), *extra, *USERS],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=60,
    )
    stats_file = out.with_name(out.name + ".json")
    assert stats_file.exists(), f"locust wrote no statistics:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc, json.loads(stats_file.read_text())


def entry(stats: list[dict[str, Any]], method: str, name: str) -> dict[str, Any]:
    found = [e for e in stats if e["method"] == method and e["name"] == name]
    return found[0] if found else {"num_requests": 0, "num_failures": 0}


def test_locust_smoke_run(mall: MallProcess, tmp_path: Path) -> None:
    proc, stats = run_locust(mall, tmp_path / "stats")
    output = f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    requests = sum(e["num_requests"] for e in stats)
    failures = sum(e["num_failures"] for e in stats)
    assert requests > 200, output
    assert failures / requests < MAX_FAILURE_RATIO, f"{failures} failures in {requests} requests\n{output}"

    acked = entry(stats, "WS", "bid->ack")
    assert acked["num_requests"] - acked["num_failures"] >= 100, output
    assert entry(stats, "WS", "connect")["num_requests"] >= 10, output
    assert entry(stats, "WS-recv", "book lag")["num_requests"] > 0, "watchers saw no new best price\n" + output
    assert entry(stats, "WS", "seq order")["num_failures"] == 0, output
    assert entry(stats, "WS-recv", "closed")["num_requests"] >= 1, "no auction closed under a socket\n" + output
    launched = entry(stats, "POST", "/api/auctions")
    assert launched["num_requests"] >= 1 and launched["num_failures"] == 0, output
    assert entry(stats, "GET", "/api/stats")["num_requests"] >= 1, output
    assert proc.returncode == (1 if failures else 0), output


def test_locust_smoke_run_fails_on_protocol_failures(mall: MallProcess, tmp_path: Path) -> None:
    """The same check is able to fail: an answer timeout no bid can meet turns every bid into a failure."""
    proc, stats = run_locust(mall, tmp_path / "stats", "-t", "4s", env={"LOAD_ANSWER_TIMEOUT_S": "0.000001"})
    acked = entry(stats, "WS", "bid->ack")
    assert acked["num_requests"] > 0 and acked["num_failures"] / acked["num_requests"] > MAX_FAILURE_RATIO
    assert proc.returncode == 1
