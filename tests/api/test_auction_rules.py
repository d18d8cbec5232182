"""Every 4xx of API.md's auction section, and the live rules over the websocket, in-process."""

import time
from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from mall_api import wire
from tests.flow import SKU, Auth, filed_plan, launch, now_rfc3339, seed_libraries
from tests.wsclient import bid, recv, socket, until


@pytest.fixture
def plan(client: TestClient, auth: Auth) -> dict[str, Any]:
    seed_libraries(client, auth)
    return filed_plan(client, auth)


def create(client: TestClient, auth: Auth, **body: Any) -> Any:
    base = {"sku": SKU, "quantity": 10, "budget_fen": 4_900_000, "duration_s": 60}
    return client.post("/api/auctions", json={**base, **body}, headers=auth("buyer", "U1"))


def test_launch_rule_errors(client: TestClient, auth: Auth, plan: dict[str, Any]) -> None:
    admin = auth("admin", "fin")
    pid = plan["id"]
    assert create(client, auth, plan_id=pid, budget_fen=5_000_001).json()["error"]["code"] == "OVER_PLAN_BUDGET"
    r = create(client, auth, plan_id=pid, duration_s=30 * 24 * 3600)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "PAST_CYCLE_DEADLINE")
    client.post("/api/catalog/categories", json={"code": "A02010300", "name": "打印设备", "mall": True}, headers=admin)
    client.post("/api/catalog/items", json={"sku": "PRN-1", "category": "A02010300", "name": "打印机", "unit": "台"},
                headers=admin)
    r = create(client, auth, plan_id=pid, sku="PRN-1")
    assert (r.status_code, r.json()["error"]["code"]) == (422, "SKU_NOT_IN_CATEGORY")
    client.post("/api/catalog/items", json={"sku": "PC-NEW", "category": "A02010105", "name": "新机", "unit": "台"},
                headers=admin)
    r = create(client, auth, plan_id=pid, sku="PC-NEW")
    assert (r.status_code, r.json()["error"]["code"]) == (422, "NO_REFERENCE_PRICE")
    r = create(client, auth, plan_id=pid, mode="dutch")
    assert (r.status_code, r.json()["error"]["code"], r.json()["error"]["field"]) == (400, "INVALID", "mode")
    r = create(client, auth, plan_id=pid, colour="red")
    assert (r.status_code, r.json()["error"]["code"]) == (400, "INVALID")
    assert create(client, auth, plan_id="P-nope").status_code == 404
    assert client.post("/api/auctions", json={"plan_id": pid}).status_code == 401
    r = client.post("/api/auctions", json={"plan_id": pid, "sku": SKU, "quantity": 1, "budget_fen": 1,
                                           "duration_s": 60}, headers=auth("supplier", "S1"))
    assert r.status_code == 403
    client.post("/api/units", json={"id": "U2", "name": "赤峰第二中学", "department_id": "D1"}, headers=admin)
    assert create_as(client, auth, "U2", plan_id=pid).status_code == 403
    # Nothing above created an auction.
    assert client.get("/api/auctions").json()["items"] == []
    first = create(client, auth, plan_id=pid)
    assert first.status_code == 201
    r = create(client, auth, plan_id=pid)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "PLAN_USED")
    # Cancelling frees the plan for a new auction.
    assert client.post(f"/api/auctions/{first.json()['id']}/cancel", json={"reason": "规格有误"},
                       headers=auth("buyer", "U1")).status_code == 200
    assert create(client, auth, plan_id=pid).status_code == 201


def create_as(client: TestClient, auth: Auth, unit: str, **body: Any) -> Any:
    base = {"sku": SKU, "quantity": 10, "budget_fen": 4_900_000, "duration_s": 60}
    return client.post("/api/auctions", json={**base, **body}, headers=auth("buyer", unit))


def test_not_mall_eligible_when_category_leaves_the_mall(client: TestClient, auth: Auth, plan: dict[str, Any]) -> None:
    r = client.patch("/api/catalog/categories/A02010105", json={"mall": False}, headers=auth("admin", "fin"))
    assert r.status_code == 200
    r = create(client, auth, plan_id=plan["id"])
    assert (r.status_code, r.json()["error"]["code"]) == (422, "NOT_MALL_ELIGIBLE")


def test_plan_not_filed_is_a_conflict(client: TestClient, auth: Auth) -> None:
    seed_libraries(client, auth)
    r = client.post("/api/plans", json={"title": "t", "category": "A02010105", "quantity": 1, "budget_fen": 100_000,
                                        "method": "mall_auction"}, headers=auth("buyer", "U1"))
    r = create(client, auth, plan_id=r.json()["id"])
    assert (r.status_code, r.json()["error"]["code"]) == (409, "PLAN_NOT_FILED")


def test_sealed_mode_hides_prices_and_takes_one_quote(client: TestClient, auth: Auth, plan: dict[str, Any]) -> None:
    auction = launch(client, auth, plan["id"], mode="sealed", duration_s=2)
    with socket(client, auth, auction["id"], who="S1") as s1, socket(client, auth, auction["id"], who="S2") as s2:
        recv(s1), recv(s2)
        first = bid(s1, "q1", 4_500_000)
        assert isinstance(first, wire.Accepted) and first.rank is None
        again = bid(s1, "q2", 4_400_000)
        assert isinstance(again, wire.Rejected) and again.code == "ALREADY_QUOTED"
        assert isinstance(bid(s2, "q1", 4_600_000), wire.Accepted)
        book = until(s2, wire.Book)
        assert book.best_fen is wire.UNSET
        closed = until(s1, wire.Closed)
        assert (closed.status, closed.winner_id, closed.price_fen) == ("awarded", "S1", 4_500_000)
    result = client.get(f"/api/auctions/{auction['id']}").json()["result"]
    assert result["bidders"] == 2


def test_too_few_bidders_fails(client: TestClient, auth: Auth, plan: dict[str, Any]) -> None:
    auction = launch(client, auth, plan["id"], duration_s=1, min_bidders=3)
    with socket(client, auth, auction["id"]) as ws:
        recv(ws)
        assert isinstance(bid(ws, "only", 4_000_000), wire.Accepted)
        closed = until(ws, wire.Closed)
    assert (closed.status, closed.winner_id, closed.price_fen) == ("failed", None, None)
    got = client.get(f"/api/auctions/{auction['id']}").json()
    assert got["status"] == "failed" and got["result"]["reason"] == "TOO_FEW_BIDDERS"
    failure = client.get(f"/api/announcements/{closed.announcement_id}").json()
    assert failure["kind"] == "failed"
    assert client.get("/api/stats").json()["failed"] == 1


def test_anti_sniping_extends_only_for_improving_bids_and_respects_the_cap(
    client: TestClient, auth: Auth, plan: dict[str, Any]
) -> None:
    auction = launch(client, auth, plan["id"], duration_s=1, extension_s=2, max_extensions=1)
    closes_at = auction["closes_at"]
    with socket(client, auth, auction["id"], who="S1") as s1, socket(client, auth, auction["id"], who="S2") as s2:
        recv(s1), recv(s2)
        assert isinstance(bid(s1, "a", 4_800_000), wire.Accepted)  # improves: extends once
        extended = client.get(f"/api/auctions/{auction['id']}").json()
        assert extended["extensions"] == 1 and extended["closes_at"] > closes_at
        assert isinstance(bid(s2, "b", 4_900_001), wire.Rejected)  # rejected: no extension
        assert isinstance(bid(s2, "c", 4_700_000), wire.Accepted)  # improves, but the cap is 1
        after = client.get(f"/api/auctions/{auction['id']}").json()
        assert after["extensions"] == 1 and after["closes_at"] == extended["closes_at"]
        until(s1, wire.Closed)


def test_cancel_publishes_a_cancellation(client: TestClient, auth: Auth, plan: dict[str, Any]) -> None:
    auction = launch(client, auth, plan["id"])
    with socket(client, auth, auction["id"]) as ws:
        recv(ws)
        assert client.post(f"/api/auctions/{auction['id']}/cancel", json={"reason": "x"},
                           headers=auth("supplier", "S1")).status_code == 403
        r = client.post(f"/api/auctions/{auction['id']}/cancel", json={"reason": "需求变更"},
                        headers=auth("admin", "fin"))
        assert r.status_code == 200 and r.json()["status"] == "cancelled"
        closed = until(ws, wire.Closed)
        assert closed.status == "cancelled"
    r = client.post(f"/api/auctions/{auction['id']}/cancel", json={"reason": "again"}, headers=auth("admin", "fin"))
    assert r.status_code == 409
    kinds = {a["kind"] for a in client.get("/api/announcements").json()["items"]}
    assert kinds == {"bidding", "cancelled"}


def test_websocket_close_codes_and_bad_messages(client: TestClient, auth: Auth, plan: dict[str, Any]) -> None:
    auction = launch(client, auth, plan["id"])
    with client.websocket_connect(f"/ws/auctions/{auction['id']}?token=forged") as ws, \
            pytest.raises(WebSocketDisconnect) as bad_token:
        ws.receive_text()
    assert bad_token.value.code == 4401
    token = auth("supplier", "S1")["Authorization"][7:]
    with client.websocket_connect(f"/ws/auctions/A-none?token={token}") as ws, \
            pytest.raises(WebSocketDisconnect) as unknown:
        ws.receive_text()
    assert unknown.value.code == 4404
    with socket(client, auth, auction["id"]) as ws:
        recv(ws)
        for junk in ("[1]", '{"type": "bid"}', '{"type": "bid", "ref": "", "price_fen": 1}',
                     '{"type": "bid", "ref": "r", "price_fen": 0}', '{"type": "ask", "ref": "r"}',
                     '{"type": "bid", "ref": "r", "price_fen": 5, "extra": 1}'):
            ws.send_text(junk)
            error = recv(ws)
            assert isinstance(error, wire.Error) and error.code == "BAD_MESSAGE", junk
        assert isinstance(bid(ws, "fine", 4_000_000), wire.Accepted)
    with socket(client, auth, auction["id"], role="buyer", who="U1") as ws:
        recv(ws)
        rejected = bid(ws, "buyer-bid", 1_000)
        assert isinstance(rejected, wire.Rejected) and rejected.code == "NOT_ELIGIBLE"


def test_rate_limit_and_idempotent_ref(client: TestClient, auth: Auth, plan: dict[str, Any]) -> None:
    auction = launch(client, auth, plan["id"], min_decrement_fen=1)
    with socket(client, auth, auction["id"]) as ws:
        recv(ws)
        answers = []
        for n in range(25):
            ws.send_text(wire.encode(wire.Bid(ref=f"r{n}", price_fen=4_800_000 - n)).decode())
        while len(answers) < 25:
            frame = recv(ws)
            if isinstance(frame, wire.Accepted | wire.Rejected):
                answers.append(frame)
        codes = [a.code if isinstance(a, wire.Rejected) else "OK" for a in answers]
        # 25 bids in a burst span at most two one-second windows: at most 20 get through.
        assert "RATE_LIMITED" in codes and codes.count("OK") <= 20
        time.sleep(1.1)
        first_ok = next(a for a in answers if isinstance(a, wire.Accepted))
        repeat = bid(ws, first_ok.ref, 1)
        assert repeat == first_ok  # the first answer again, never a second bid
    assert client.get(f"/api/auctions/{auction['id']}").json()["bidders"] == 1


def test_units_time_is_rfc3339(client: TestClient, auth: Auth, plan: dict[str, Any]) -> None:
    auction = launch(client, auth, plan["id"], opens_at=now_rfc3339())
    assert auction["opens_at"].endswith("Z") and auction["status"] == "open"
