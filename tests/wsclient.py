"""The websocket protocol from a test's side, over Starlette's in-process TestClient: open a socket,
read frames as the wire types, bid and wait for that bid's answer."""

from typing import Any, TypeVar

from starlette.testclient import TestClient

from mall_api import wire
from tests.flow import Auth

T = TypeVar("T")


def socket(client: TestClient, auth: Auth, auction_id: str, role: str = "supplier", who: str = "S1") -> Any:
    token = auth(role, who)["Authorization"][7:]
    return client.websocket_connect(f"/ws/auctions/{auction_id}?token={token}")


def recv(ws: Any) -> wire.ServerMessage:
    return wire.server_decoder.decode(ws.receive_text())


def until(ws: Any, kind: type[T]) -> T:
    """Read frames until one of `kind` arrives (book and rank frames may come between)."""
    while not isinstance(frame := recv(ws), kind):
        assert not isinstance(frame, wire.Error), frame
    return frame


def bid(ws: Any, ref: str, price: int) -> wire.Accepted | wire.Rejected:
    """Send a bid and return its answer, skipping the other frames."""
    ws.send_text(wire.encode(wire.Bid(ref=ref, price_fen=price)).decode())
    while True:
        frame = recv(ws)
        if isinstance(frame, wire.Accepted | wire.Rejected) and frame.ref == ref:
            return frame
