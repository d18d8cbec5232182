"""Credit acts live: a supplier blacklisted while an auction is open gets NOT_ELIGIBLE on its next bid,
and bids again once cleared. The websocket re-reads a bidder's standing at most once a second
(`mall_api.ws.ELIGIBILITY_TTL_MS`), so the test waits that long after each credit action."""

import time

from starlette.testclient import TestClient

from mall_api import wire
from mall_api.ws import ELIGIBILITY_TTL_MS
from tests.flow import Auth, filed_plan, launch, seed_libraries
from tests.wsclient import bid, recv, socket

SETTLE_S = ELIGIBILITY_TTL_MS / 1000 + 0.2








def credit(client: TestClient, auth: Auth, kind: str) -> None:
    r = client.post("/api/suppliers/S1/credit", json={"kind": kind, "reason": "串通投标"}, headers=auth("admin", "fin"))
    assert r.status_code == 201, r.text


def test_blacklisting_during_an_open_auction_refuses_the_next_bid(client: TestClient, auth: Auth) -> None:
    seed_libraries(client, auth)
    auction = launch(client, auth, filed_plan(client, auth)["id"], duration_s=60)
    with socket(client, auth, auction["id"], who="S1") as s1, socket(client, auth, auction["id"], who="S2") as s2:
        recv(s1)
        recv(s2)
        assert isinstance(bid(s1, "a", 4_800_000), wire.Accepted)
        credit(client, auth, "blacklist")
        time.sleep(SETTLE_S)
        refused = bid(s1, "b", 4_700_000)
        assert isinstance(refused, wire.Rejected) and refused.code == "NOT_ELIGIBLE"
        assert isinstance(bid(s2, "c", 4_750_000), wire.Accepted)  # the others bid on
        state = client.get(f"/api/auctions/{auction['id']}").json()
        assert state["best_fen"] == 4_750_000 and state["status"] == "open"  # the refused bid left no mark
        credit(client, auth, "clear")
        time.sleep(SETTLE_S)
        assert isinstance(bid(s1, "d", 4_600_000), wire.Accepted)
    r = client.post(f"/api/auctions/{auction['id']}/cancel", json={"reason": "测试结束"}, headers=auth("admin", "fin"))
    assert r.status_code == 200
