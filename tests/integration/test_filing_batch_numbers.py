"""Two `mall serve` processes on one store, filing plans at the same time from many threads: every
filed plan gets its own batch number and the year's numbers are exactly 1..N, no gap, no repeat."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.flow import CATEGORY, Auth, seed_libraries
from tests.integration.server import MallProcess, nodes_on

PLANS = 60


@pytest.fixture
def servers(tmp_path: Path, redis_url: str) -> Iterator[list[MallProcess]]:
    with nodes_on(tmp_path, redis_url, 2) as started:
        yield started


def test_two_servers_filing_concurrently_number_without_gaps(servers: list[MallProcess], auth: Auth) -> None:
    clients = [httpx.Client(base_url=server.base, timeout=30) for server in servers]
    seed_libraries(clients[0], auth, suppliers=0)
    buyer, dept, admin = auth("buyer", "U1"), auth("dept", "D1"), auth("admin", "fin")
    plan_ids = []
    for n in range(PLANS):
        # Every third plan buys imported goods: filed by the finance bureau's approval, not the review.
        body = {"title": f"计划{n}", "category": CATEGORY, "quantity": 1, "budget_fen": 100_000 + n,
                "method": "mall_auction", "imported": n % 3 == 0}
        r = clients[n % 2].post("/api/plans", json=body, headers=buyer)
        assert r.status_code == 201, r.text
        plan_ids.append(r.json()["id"])

    def file(n: int) -> str:
        client = clients[n % 2]
        plan_id = plan_ids[n]
        r = client.post(f"/api/plans/{plan_id}/review", json={"approve": True}, headers=dept)
        assert r.status_code == 200, r.text
        if r.json()["status"] == "pending_approval":
            r = clients[(n + 1) % 2].post(f"/api/plans/{plan_id}/approval", json={"approve": True}, headers=admin)
            assert r.status_code == 200, r.text
        assert r.json()["status"] == "filed"
        return str(r.json()["batch_no"])

    with ThreadPoolExecutor(max_workers=12) as pool:
        numbers = list(pool.map(file, range(PLANS)))

    year = datetime.now(ZoneInfo("Asia/Shanghai")).year
    assert sorted(numbers) == [f"CF{year}{sequence:06d}" for sequence in range(1, PLANS + 1)]
    # What each server says is stored is what both of them read back.
    for n, plan_id in enumerate(plan_ids):
        for client in clients:
            assert client.get(f"/api/plans/{plan_id}", headers=admin).json()["batch_no"] == numbers[n]
    for client in clients:
        client.close()
