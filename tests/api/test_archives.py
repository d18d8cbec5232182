"""The archives library over HTTP: a closed project's plan, history, auction result and announcements,
public and read-only, by batch number; and the longest path of a mall plan, counted on its archive.
The auction records which observation set its ceiling, and shows it on the auction and the announcements."""

import time
from typing import Any

import pytest
from starlette.testclient import TestClient

from mall_api import wire
from mall_api.routes import archives
from tests.flow import CATEGORY, Auth, launch, seed_libraries
from tests.wsclient import bid, recv


def archive_when_ready(client: TestClient, batch_no: str) -> dict[str, Any]:
    """The archive once the close has been projected (the projection follows the close by a moment)."""
    deadline = time.monotonic() + 5
    while True:
        r = client.get(f"/api/archives/{batch_no}")
        if (r.status_code == 200 and len(r.json()["history"]) == 5) or time.monotonic() > deadline:
            assert r.status_code == 200, r.text
            return r.json()
        time.sleep(0.05)


def imported_mall_plan(client: TestClient, auth: Auth) -> dict[str, Any]:
    """The longest path: imported goods need the finance bureau's approval after the review."""
    body = {"title": "进口显微镜采购", "category": CATEGORY, "quantity": 10, "budget_fen": 5_000_000,
            "method": "mall_auction", "imported": True}
    plan = client.post("/api/plans", json=body, headers=auth("buyer", "U1")).json()
    decision = {"approve": True, "comment": "同意"}
    assert client.post(f"/api/plans/{plan['id']}/review", json=decision,
                       headers=auth("dept", "D1")).json()["status"] == "pending_approval"
    filed = client.post(f"/api/plans/{plan['id']}/approval", json=decision, headers=auth("admin", "fin")).json()
    assert filed["status"] == "filed"
    return filed


def test_closed_project_archive_holds_its_whole_record(client: TestClient, auth: Auth) -> None:
    seed_libraries(client, auth)
    plan = imported_mall_plan(client, auth)
    batch_no = plan["batch_no"]
    reference = client.get("/api/catalog/items/PC-001").json()["reference"]
    auction = launch(client, auth, plan["id"], duration_s=2)
    assert auction["reference_source"] == reference["source"] == "jd.com"
    assert auction["reference_observed_at"] == reference["observed_at"]
    r = client.get(f"/api/archives/{batch_no}")
    assert r.status_code == 409 and r.json()["error"]["code"] == "PROJECT_OPEN"
    for supplier, price in (("S1", 4_800_000), ("S2", 4_700_000)):
        token = auth("supplier", supplier)["Authorization"][7:]
        with client.websocket_connect(f"/ws/auctions/{auction['id']}?token={token}") as ws:
            recv(ws)
            assert isinstance(bid(ws, "b", price), wire.Accepted)
    with client.websocket_connect(f"/ws/auctions/{auction['id']}?token={token}") as ws:
        while not isinstance(frame := recv(ws), wire.Closed):
            pass
        assert frame.status == "awarded"

    record = archive_when_ready(client, batch_no)  # public: no token
    assert record["batch_no"] == batch_no and record["closed"] == "awarded"
    assert record["plan"]["id"] == plan["id"] and record["plan"]["imported"] is True
    steps = [row["action"] for row in record["history"]]
    assert steps == ["submit", "approve_for_approval", "approve", "launch_auction", "announce_result"]
    assert len(steps) <= 7  # the reform's bound on a mall plan's steps to its deal announcement
    result = record["result"]
    assert result["status"] == "awarded" and result["winner_id"] == "S2" and result["price_fen"] == 4_700_000
    assert [b["supplier_id"] for b in result["bids"]] == ["S2", "S1"]
    assert [a["id"] for a in record["auctions"]] == [auction["id"]]
    kinds = [a["kind"] for a in record["announcements"]]
    assert kinds == ["bidding", "deal"]
    deal = record["announcements"][1]
    assert deal["batch_no"] == batch_no and deal["published_at"].endswith("Z")
    assert deal["reference_source"] == "jd.com" and deal["reference_observed_at"] == reference["observed_at"]
    published = client.get(f"/api/announcements/{deal['id']}").json()
    assert published["reference_observed_at"] == reference["observed_at"]
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(f"/api/archives/{batch_no}").status_code == 405


def test_expired_project_is_archived_with_its_cancelled_auction(
    client: TestClient, auth: Auth, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_libraries(client, auth)
    plan = imported_mall_plan(client, auth)
    auction = launch(client, auth, plan["id"], duration_s=60)
    r = client.post(f"/api/auctions/{auction['id']}/cancel", json={"reason": "需求变更"}, headers=auth("buyer", "U1"))
    assert r.status_code == 200, r.text
    time.sleep(0.2)
    # Cancelled before its deadline, the plan may still be auctioned again: the project is open.
    assert client.get(f"/api/archives/{plan['batch_no']}").json()["error"]["code"] == "PROJECT_OPEN"
    monkeypatch.setattr(archives, "now_ms", lambda: plan["deadline_ms"] + 1)
    record = client.get(f"/api/archives/{plan['batch_no']}").json()
    assert record["closed"] == "expired" and record["result"] is None
    assert [a["kind"] for a in record["announcements"]] == ["bidding", "cancelled"]
    assert record["auctions"][0]["status"] == "cancelled"


def test_unknown_batch_number_has_no_archive(client: TestClient) -> None:
    r = client.get("/api/archives/CF2026999999")
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"
