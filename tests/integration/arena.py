"""An auction under attack: a real `mall serve` process with a seeded mall and one open auction that
already holds acknowledged bids, plus the checks every hostile-input test ends with (the book still
holds those bids; the auction closes once and awards the best of them)."""

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from mall_api import wire
from mall_api.auth import Role, Tokens
from tests.conftest import SECRET
from tests.flow import filed_plan, launch, seed_libraries
from tests.integration.server import MallProcess

TOKENS = Tokens(SECRET)


def token(role: Role, subject: str, ttl_s: int = 3600, now_s: int | None = None) -> str:
    issued, _ = TOKENS.issue(role, subject, int(time.time()) if now_s is None else now_s, ttl_s)
    return issued


def headers(role: Role, subject: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, subject)}"}


@contextmanager
def mall_process(data_dir: Path, **env: str) -> Iterator[MallProcess]:
    """`mall serve` on its embedded store, with extra MALL_* settings in its environment."""
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        process = MallProcess(data_dir).start()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    try:
        yield process
    finally:
        process.stop()


def ws_url(mall: MallProcess, auction_id: str, bearer: str | None) -> str:
    query = "" if bearer is None else f"?token={bearer}"
    return f"{mall.ws_base}/ws/auctions/{auction_id}{query}"


def open_socket(mall: MallProcess, auction_id: str, bearer: str | None) -> ClientConnection:
    return connect(ws_url(mall, auction_id, bearer), compression=None, open_timeout=5, max_size=None,
                   legacy=True)  # type: ignore[call-overload]


def recv(ws: ClientConnection, timeout: float = 10) -> wire.ServerMessage:
    return wire.server_decoder.decode(ws.recv(timeout=timeout))


def close_code(ws: ClientConnection, timeout: float = 10) -> int | None:
    """Read (and drop) frames until the server closes the socket; the code it closed with."""
    deadline = time.monotonic() + timeout
    try:
        while True:
            ws.recv(timeout=max(0.01, deadline - time.monotonic()))
    except ConnectionClosed as closed:
        return None if closed.rcvd is None else int(closed.rcvd.code)


def answer(ws: ClientConnection, ref: str) -> wire.Accepted | wire.Rejected:
    while True:
        frame = recv(ws)
        if isinstance(frame, wire.Accepted | wire.Rejected) and frame.ref == ref:
            return frame


@dataclass
class Arena:
    mall: MallProcess
    http: httpx.Client
    auction: dict[str, Any]
    acked: dict[str, int] = field(default_factory=dict)  # supplier -> its last acknowledged price

    @property
    def auction_id(self) -> str:
        return str(self.auction["id"])

    def bid(self, supplier: str, ref: str, price_fen: int) -> wire.Accepted | wire.Rejected:
        with open_socket(self.mall, self.auction_id, token("supplier", supplier)) as ws:
            assert isinstance(recv(ws), wire.Snapshot)
            ws.send(wire.encode(wire.Bid(ref=ref, price_fen=price_fen)).decode())
            got = answer(ws, ref)
        if isinstance(got, wire.Accepted):
            self.acked[supplier] = price_fen
        return got

    def state(self) -> dict[str, Any]:
        r = self.http.get(f"/api/auctions/{self.auction_id}")
        assert r.status_code == 200, r.text
        return dict(r.json())

    def assert_intact(self) -> None:
        """Every acknowledged bid is still in the book: the same best price and number of bidders."""
        now = self.state()
        if now["status"] == "open":
            assert now["bidders"] == len(self.acked)
            assert now["best_fen"] == min(self.acked.values())
        else:
            self.assert_awarded()

    def assert_awarded(self, timeout: float = 60) -> dict[str, Any]:
        """The auction closes by itself and awards the best acknowledged bid; its result lists exactly
        the acknowledged quotes."""
        deadline = time.monotonic() + timeout
        while (now := self.state())["status"] in ("open", "scheduled", "closed"):
            assert time.monotonic() < deadline, f"the auction did not close: {now}"
            time.sleep(0.1)
        best = min(self.acked, key=lambda s: self.acked[s])
        result = now["result"]
        assert now["status"] == "awarded", now
        assert (result["winner_id"], result["price_fen"]) == (best, self.acked[best])
        assert {b["supplier_id"]: b["price_fen"] for b in result["bids"]} == self.acked
        assert [b["rank"] for b in result["bids"]] == list(range(1, len(self.acked) + 1))
        return now


def open_arena(mall: MallProcess, duration_s: int = 60, **terms: Any) -> Arena:
    """Seed the mall (admin, unit U1 of department D1, suppliers S1-S4), launch an open auction and
    have S1 and S2 bid on it."""
    http = httpx.Client(base_url=mall.base, timeout=10)
    auth = headers
    seed_libraries(http, auth)  # type: ignore[arg-type]
    plan = filed_plan(http, auth)  # type: ignore[arg-type]
    arena = Arena(mall, http, launch(http, auth, plan["id"], duration_s=duration_s, **terms))  # type: ignore[arg-type]
    assert isinstance(arena.bid("S1", "s1-first", 4_800_000), wire.Accepted)
    assert isinstance(arena.bid("S2", "s2-first", 4_700_000), wire.Accepted)
    arena.assert_intact()
    return arena
