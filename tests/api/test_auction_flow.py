"""The auction cycle in-process: launch rules, bidding over the websocket, close, announcements, stats."""

import time

from starlette.testclient import TestClient

from mall_api import wire
from tests.flow import Auth, filed_plan, launch, seed_libraries
from tests.wsclient import recv, until


def test_open_auction_cycle(client: TestClient, auth: Auth) -> None:
    seed_libraries(client, auth)
    plan = filed_plan(client, auth)
    assert plan["batch_no"].startswith("CF") and len(plan["batch_no"]) == 12
    auction = launch(client, auth, plan["id"], duration_s=2)
    assert auction["status"] == "open"
    assert auction["ceiling_fen"] == 4_900_000  # min(budget, 10 × 5,000 yuan)
    token = auth("supplier", "S1")["Authorization"][7:]
    with client.websocket_connect(f"/ws/auctions/{auction['id']}?token={token}") as ws:
        snap = recv(ws)
        assert isinstance(snap, wire.Snapshot) and snap.best_fen is None and snap.you == wire.You(None, None)
        ws.send_text('{"type": "bid", "ref": "b1", "price_fen": 4800000}')
        accepted = until(ws, wire.Accepted)
        assert accepted.rank == 1 and accepted.price_fen == 4_800_000
        ws.send_text('{"type": "bid", "ref": "b2", "price_fen": 4799950}')
        assert until(ws, wire.Rejected).code == "NOT_LOWER"
    token2 = auth("supplier", "S2")["Authorization"][7:]
    with client.websocket_connect(f"/ws/auctions/{auction['id']}?token={token2}") as ws:
        recv(ws)
        ws.send_text('{"type": "bid", "ref": "x", "price_fen": 4700000}')
        while not isinstance(frame := recv(ws), wire.Closed):
            pass
        assert frame.status == "awarded" and frame.winner_id == "S2" and frame.price_fen == 4_700_000
    deal = client.get(f"/api/announcements/{frame.announcement_id}").json()
    assert deal["kind"] == "deal" and deal["supplier"]["id"] == "S2" and deal["savings_fen"] == 200_000
    found = client.get("/api/announcements", params={"q": plan["batch_no"], "kind": "deal"}).json()["items"]
    assert [a["id"] for a in found] == [frame.announcement_id]
    stats = client.get("/api/stats").json()
    assert stats["deal_announcements"] == 1 and stats["savings_fen"] == 200_000 and stats["budget_fen"] == 4_900_000
    time.sleep(0.05)
    got = client.get(f"/api/auctions/{auction['id']}").json()
    assert got["status"] == "awarded" and got["result"]["winner_id"] == "S2"
