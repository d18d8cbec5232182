"""The supervisors' live audit feed: the log from any seq, gap-free, then `end` at the close."""

from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from mall_api import wire
from tests.flow import Auth, filed_plan, launch, seed_libraries


def feed(client: TestClient, auth: Auth, auction_id: str, since: int = 0, role: str = "admin") -> Any:
    token = auth(role, "D1" if role == "dept" else "fin")["Authorization"][7:]
    return client.websocket_connect(f"/ws/audit/{auction_id}?since={since}&token={token}")


def bid(ws: Any, ref: str, price: int) -> None:
    ws.send_text(wire.encode(wire.Bid(ref=ref, price_fen=price)).decode())
    while not isinstance(wire.server_decoder.decode(ws.receive_text()), wire.Accepted | wire.Rejected):
        pass


def test_feed_streams_the_log_gap_free_and_ends(client: TestClient, auth: Auth) -> None:
    seed_libraries(client, auth)
    aid = launch(client, auth, filed_plan(client, auth)["id"], duration_s=2, min_bidders=1)["id"]
    token = auth("supplier", "S1")["Authorization"][7:]
    with client.websocket_connect(f"/ws/auctions/{aid}?token={token}") as supplier, \
            feed(client, auth, aid) as audit:
        supplier.receive_text()
        first = [orjson.loads(audit.receive_text()) for _ in range(2)]  # launched, opened
        assert [f["seq"] for f in first] == [1, 2] and first[0]["event"]["type"] == "launched"
        bid(supplier, "a", 4_800_000)
        bid(supplier, "b", 5_000_000)  # rejected: still in the trace
        frames = []
        while (frame := orjson.loads(audit.receive_text()))["type"] != "end":
            frames.append(frame)
        everything = first + frames
    assert [f["seq"] for f in everything] == list(range(1, len(everything) + 1))
    types = [f["event"]["type"] for f in everything]
    assert types[2:] == ["bid_accepted", "bid_rejected", "closed", "awarded"]
    assert all(len(f["link"]) == 64 for f in everything)
    assert frame["seq"] == everything[-1]["seq"]
    with feed(client, auth, aid, since=3, role="dept") as late:
        resumed = []
        while (frame := orjson.loads(late.receive_text()))["type"] != "end":
            resumed.append(frame["seq"])
    assert resumed == list(range(4, len(everything) + 1))


def test_feed_is_for_supervisors(client: TestClient, auth: Auth) -> None:
    seed_libraries(client, auth)
    aid = launch(client, auth, filed_plan(client, auth)["id"])["id"]
    for role, who, code in (("supplier", "S1", 4403), ("buyer", "U1", 4403), ("dept", "D2", 4403)):
        token = auth(role, who)["Authorization"][7:]
        with client.websocket_connect(f"/ws/audit/{aid}?token={token}") as ws, \
                pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
        assert closed.value.code == code
    with feed(client, auth, "A-nope") as ws, pytest.raises(WebSocketDisconnect) as closed:
        ws.receive_text()
    assert closed.value.code == 4404
