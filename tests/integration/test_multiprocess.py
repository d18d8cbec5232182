"""Several `mall serve` processes on one store: one consistent book, fan-out through the log,
reconnects across nodes, exactly one close."""

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from websockets.sync.client import ClientConnection, connect

from engine.events import Closed as ClosedEvent
from engine.events import decode
from mall_api import wire
from mall_api.store import keys
from tests.flow import Auth, filed_plan, launch, seed_libraries
from tests.integration.server import MallProcess, nodes_on


@pytest.fixture
def nodes(tmp_path: Path, redis_url: str) -> Iterator[list[MallProcess]]:
    with nodes_on(tmp_path, redis_url, 3) as started:
        yield started


def open_socket(node: MallProcess, auth: Auth, role: str, who: str, auction_id: str) -> ClientConnection:
    token = auth(role, who)["Authorization"][7:]
    return connect(f"{node.ws_base}/ws/auctions/{auction_id}?token={token}", compression=None, open_timeout=5,
                   legacy=True)


def recv(ws: ClientConnection, timeout: float = 10) -> wire.ServerMessage:
    return wire.server_decoder.decode(ws.recv(timeout=timeout))


class Watcher(threading.Thread):
    """Reads every frame of one socket until `closed`."""

    def __init__(self, ws: ClientConnection) -> None:
        super().__init__(daemon=True)
        self.ws = ws
        self.frames: list[wire.ServerMessage] = []

    def run(self) -> None:
        while True:
            frame = recv(self.ws, timeout=30)
            self.frames.append(frame)
            if isinstance(frame, wire.Closed):
                return


def test_bids_racing_on_three_nodes_make_one_book(nodes: list[MallProcess], auth: Auth, redis_url: str) -> None:
    http = httpx.Client(base_url=nodes[0].base, timeout=10)
    seed_libraries(http, auth, suppliers=6)
    plan = filed_plan(http, auth)
    aid = launch(http, auth, plan["id"], duration_s=4, min_bidders=2, min_decrement_fen=1)["id"]
    watchers = [Watcher(open_socket(node, auth, "buyer", "U1", aid)) for node in nodes]
    for w in watchers:
        assert isinstance(recv(w.ws), wire.Snapshot)
        w.start()
    accepted: dict[str, list[int]] = {}

    def bid_from(node: MallProcess, supplier: str, offset: int) -> None:
        ws = open_socket(node, auth, "supplier", supplier, aid)
        recv(ws)
        mine: list[int] = []
        for n in range(20):
            price = 4_800_000 - 1_000 * n - offset
            ws.send(wire.encode(wire.Bid(ref=f"r{n}", price_fen=price)).decode())
            while not isinstance(frame := recv(ws), wire.Accepted | wire.Rejected):
                pass
            assert isinstance(frame, wire.Accepted), frame
            mine.append(frame.price_fen)
            time.sleep(0.12)
        accepted[supplier] = mine
        while not isinstance(recv(ws), wire.Closed):
            pass

    bidders = [threading.Thread(target=bid_from, args=(nodes[i % 3], f"S{i + 1}", i)) for i in range(6)]
    for t in bidders:
        t.start()
    for t in bidders:
        t.join(30)
    for w in watchers:
        w.join(30)
    assert len(accepted) == 6
    best = min(min(prices) for prices in accepted.values())
    for w in watchers:
        closed = w.frames[-1]
        assert isinstance(closed, wire.Closed) and closed.status == "awarded" and closed.price_fen == best
        seqs = [f.seq for f in w.frames if isinstance(f, wire.Book | wire.Closed)]
        assert seqs == sorted(set(seqs)), "seq strictly increases for every watcher on every node"
        books = [f for f in w.frames if isinstance(f, wire.Book)]
        assert books[-1].best_fen == best and books[-1].bidders == 6
    result = http.get(f"/api/auctions/{aid}").json()["result"]
    assert {b["supplier_id"]: b["price_fen"] for b in result["bids"]} == {s: p[-1] for s, p in accepted.items()}
    store = redis.Redis.from_url(redis_url)
    stored = [decode(fields[b"e"]) for _, fields in store.xrange(keys.auction_events(aid))]
    store.close()
    assert sum(isinstance(e, ClosedEvent) for e in stored) == 1, "the close raced on three nodes, won once"
    assert [e.seq for e in stored] == list(range(1, len(stored) + 1))
    deals = http.get("/api/announcements", params={"kind": "deal"}).json()["items"]
    assert [d["auction_id"] for d in deals] == [aid]


def test_resent_ref_on_another_node_returns_the_first_answer(nodes: list[MallProcess], auth: Auth) -> None:
    http = httpx.Client(base_url=nodes[0].base, timeout=10)
    seed_libraries(http, auth)
    plan = filed_plan(http, auth)
    aid = launch(http, auth, plan["id"], duration_s=30)["id"]
    first = open_socket(nodes[0], auth, "supplier", "S1", aid)
    recv(first)
    first.send(wire.encode(wire.Bid(ref="only-once", price_fen=4_500_000)).decode())
    first.close()  # dropped before the answer was read
    again = open_socket(nodes[1], auth, "supplier", "S1", aid)
    snapshot = recv(again)
    assert isinstance(snapshot, wire.Snapshot)
    again.send(wire.encode(wire.Bid(ref="only-once", price_fen=4_500_000)).decode())
    while not isinstance(answer := recv(again), wire.Accepted | wire.Rejected):
        pass
    assert isinstance(answer, wire.Accepted) and answer.price_fen == 4_500_000
    third = open_socket(nodes[2], auth, "supplier", "S1", aid)
    assert recv(third).you == wire.You(best_fen=4_500_000, rank=1)  # type: ignore[union-attr]
    third.send(wire.encode(wire.Bid(ref="only-once", price_fen=4_400_000)).decode())
    while not isinstance(repeat := recv(third), wire.Accepted | wire.Rejected):
        pass
    assert repeat == answer, "the same ref on a third node: the first answer again"
    got = http.get(f"/api/auctions/{aid}").json()
    assert got["bidders"] == 1 and got["best_fen"] == 4_500_000
    for ws in (again, third):
        ws.close()


def test_a_killed_node_loses_nothing(nodes: list[MallProcess], auth: Auth) -> None:
    http = httpx.Client(base_url=nodes[1].base, timeout=10)
    seed_libraries(http, auth)
    plan = filed_plan(http, auth)
    aid = launch(http, auth, plan["id"], duration_s=3, min_bidders=1)["id"]
    ws = open_socket(nodes[0], auth, "supplier", "S1", aid)
    recv(ws)
    ws.send(wire.encode(wire.Bid(ref="a", price_fen=4_000_000)).decode())
    while not isinstance(answer := recv(ws), wire.Accepted):
        pass
    nodes[0].kill()
    moved = open_socket(nodes[1], auth, "supplier", "S1", aid)
    assert recv(moved).you == wire.You(best_fen=4_000_000, rank=1)  # type: ignore[union-attr]
    moved.send(wire.encode(wire.Bid(ref="b", price_fen=3_900_000)).decode())
    while not isinstance(closed := recv(moved), wire.Closed):
        pass
    assert (closed.status, closed.winner_id, closed.price_fen) == ("awarded", "S1", 3_900_000)
    assert answer.seq < closed.seq
