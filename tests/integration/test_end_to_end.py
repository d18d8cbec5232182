"""The whole cycle against a real `mall serve` process on its embedded store, with real websockets."""

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from mall_api import wire
from tests.flow import Auth, filed_plan, launch, seed_libraries
from tests.integration.server import MallProcess


@pytest.fixture
def mall(tmp_path: Path) -> Iterator[MallProcess]:
    process = MallProcess(tmp_path).start()
    try:
        yield process
    finally:
        process.stop()


def bidder(mall: MallProcess, auth: Auth, role: str, subject: str, auction_id: str) -> ClientConnection:
    token = auth(role, subject)["Authorization"][7:]
    url = f"{mall.ws_base}/ws/auctions/{auction_id}?token={token}"
    return connect(url, compression=None, open_timeout=5, legacy=True)


def recv(ws: ClientConnection) -> wire.ServerMessage:
    return wire.server_decoder.decode(ws.recv(timeout=10))


def answer(ws: ClientConnection, ref: str, frames: list[wire.ServerMessage]) -> wire.Accepted | wire.Rejected:
    """Send nothing; read until the answer to `ref`, keeping every frame seen."""
    while True:
        frame = recv(ws)
        frames.append(frame)
        if isinstance(frame, wire.Accepted | wire.Rejected) and frame.ref == ref:
            return frame


def bid(ws: ClientConnection, ref: str, price: int, frames: list[wire.ServerMessage]) -> wire.Accepted | wire.Rejected:
    ws.send(wire.encode(wire.Bid(ref=ref, price_fen=price)).decode())
    return answer(ws, ref, frames)


def test_full_cycle_with_real_sockets(mall: MallProcess, auth: Auth) -> None:
    http = httpx.Client(base_url=mall.base, timeout=10)
    seed_libraries(http, auth)
    plan = filed_plan(http, auth)
    auction = launch(http, auth, plan["id"], duration_s=3, min_bidders=3)
    aid = auction["id"]
    frames: dict[str, list[wire.ServerMessage]] = {s: [] for s in ("S1", "S2", "S3", "S4", "buyer")}
    sockets = {s: bidder(mall, auth, "supplier", s, aid) for s in ("S1", "S2", "S3", "S4")}
    sockets["buyer"] = bidder(mall, auth, "buyer", "U1", aid)
    for name, ws in sockets.items():
        snap = recv(ws)
        assert isinstance(snap, wire.Snapshot) and snap.status == "open" and snap.ceiling_fen == 4_900_000, name
        frames[name].append(snap)

    assert bid(sockets["S1"], "over", 5_000_000, frames["S1"]).code == "ABOVE_CEILING"  # type: ignore[union-attr]
    sockets["S1"].send("this is not json")
    while not isinstance(frame := recv(sockets["S1"]), wire.Error):
        frames["S1"].append(frame)
    assert frame.code == "BAD_MESSAGE"
    assert isinstance(bid(sockets["S1"], "a", 4_700_000, frames["S1"]), wire.Accepted)  # socket stayed open
    first = bid(sockets["S2"], "b", 4_600_000, frames["S2"])
    tie = bid(sockets["S3"], "c", 4_600_000, frames["S3"])
    assert isinstance(first, wire.Accepted) and isinstance(tie, wire.Accepted)
    assert first.rank == 1 and tie.rank == 2 and first.seq < tie.seq
    not_lower = bid(sockets["S2"], "d", 4_599_950, frames["S2"])
    assert isinstance(not_lower, wire.Rejected) and not_lower.code == "NOT_LOWER"
    assert isinstance(bid(sockets["S4"], "e", 4_800_000, frames["S4"]), wire.Accepted)

    results: dict[str, wire.Closed] = {}
    for name, ws in sockets.items():
        while not isinstance(frame := recv(ws), wire.Closed):
            frames[name].append(frame)
        results[name] = frame
        with pytest.raises(Exception):  # noqa: B017 - the server closes the socket after `closed`
            ws.recv(timeout=5)
        assert ws.close_code == 1000
    assert {(r.status, r.winner_id, r.price_fen) for r in results.values()} == {("awarded", "S2", 4_600_000)}
    books = [f for f in frames["buyer"] if isinstance(f, wire.Book)]
    assert books and books[-1].best_fen == 4_600_000 and books[-1].bidders == 4
    seqs = [f.seq for f in frames["buyer"] if isinstance(f, wire.Book | wire.Snapshot)]
    assert seqs == sorted(set(seqs)), "book frames' seq strictly increases"

    deal_id = results["buyer"].announcement_id
    found = http.get("/api/announcements", params={"q": plan["batch_no"]}).json()["items"]
    assert deal_id in [a["id"] for a in found]
    deal = http.get(f"/api/announcements/{deal_id}").json()
    assert deal["supplier"]["id"] == "S2" and deal["price_fen"] == 4_600_000 and deal["batch_no"] == plan["batch_no"]
    stats = http.get("/api/stats").json()
    assert stats["deal_announcements"] == 1 and stats["deal_fen"] == 4_600_000
    assert stats["savings_fen"] == 4_900_000 - 4_600_000
    result = http.get(f"/api/auctions/{aid}").json()["result"]
    assert [(b["rank"], b["supplier_id"], b["price_fen"]) for b in result["bids"]] == [
        (1, "S2", 4_600_000), (2, "S3", 4_600_000), (3, "S1", 4_700_000), (4, "S4", 4_800_000)]


def test_kill_9_loses_no_acknowledged_bid(tmp_path: Path, auth: Auth) -> None:
    mall = MallProcess(tmp_path).start()
    try:
        http = httpx.Client(base_url=mall.base, timeout=10)
        seed_libraries(http, auth)
        plan = filed_plan(http, auth)
        aid = launch(http, auth, plan["id"], duration_s=4, min_bidders=2, min_decrement_fen=1)["id"]
        accepted: dict[str, list[int]] = {s: [] for s in ("S1", "S2", "S3", "S4")}

        def keep_bidding(supplier: str) -> None:
            try:
                ws = bidder(mall, auth, "supplier", supplier, aid)
                recv(ws)
                price = 4_900_000 - int(supplier[1:])
                for n in range(10_000):
                    price -= 7
                    ws.send(wire.encode(wire.Bid(ref=f"{supplier}-{n}", price_fen=price)).decode())
                    reply = answer(ws, f"{supplier}-{n}", [])
                    if isinstance(reply, wire.Accepted):
                        accepted[supplier].append(reply.price_fen)
                    time.sleep(0.11)  # stay under MALL_BID_RATE
            except Exception:
                return  # the server was killed under us

        threads = [threading.Thread(target=keep_bidding, args=(s,)) for s in accepted]
        for t in threads:
            t.start()
        time.sleep(1.5)
        mall.kill()
        for t in threads:
            t.join(10)
        assert all(accepted.values()), accepted
        mall = MallProcess(tmp_path, port=mall.port).start()
        http = httpx.Client(base_url=mall.base, timeout=10)
        deadline = time.monotonic() + 15
        while (got := http.get(f"/api/auctions/{aid}").json())["status"] not in ("awarded", "failed"):
            assert time.monotonic() < deadline, got
            time.sleep(0.2)
        final = {b["supplier_id"]: b["price_fen"] for b in got["result"]["bids"]}
        for supplier, prices in accepted.items():
            # Every acknowledged bid is in the log: the last one acknowledged is the book's quote
            # (or a later one that was durable but whose answer the kill swallowed).
            assert final[supplier] <= min(prices), (supplier, final[supplier], min(prices))
        deals = http.get("/api/announcements", params={"kind": "deal"}).json()["items"]
        assert [d["auction_id"] for d in deals] == [aid]
        assert http.get("/api/stats").json()["deal_announcements"] == 1
    finally:
        mall.stop()
