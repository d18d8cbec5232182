"""A sniping storm at the close: every bid the server read gets its answer before the socket closes."""

import threading
import time
from pathlib import Path

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from mall_api import wire
from tests.flow import Auth, filed_plan, launch, seed_libraries
from tests.integration.server import MallProcess


def test_bids_racing_the_close_are_all_answered(tmp_path: Path, auth: Auth) -> None:
    mall = MallProcess(tmp_path, env={"MALL_BID_RATE": "100000", "MALL_WS_MSG_BUDGET": "100000"}).start()
    try:
        http = httpx.Client(base_url=mall.base, timeout=10)
        seed_libraries(http, auth)
        aid = launch(http, auth, filed_plan(http, auth)["id"], duration_s=2, min_bidders=1, min_decrement_fen=1)["id"]
        results: dict[str, tuple[set[str], set[str], int | None]] = {}

        def snipe(supplier: str) -> None:
            token = auth("supplier", supplier)["Authorization"][7:]
            ws = connect(f"{mall.ws_base}/ws/auctions/{aid}?token={token}", compression=None, legacy=True)
            ws.recv(timeout=5)
            sent: set[str] = set()
            answered: set[str] = set()
            done = threading.Event()
            closed_seen = threading.Event()

            def read() -> None:
                try:
                    while True:
                        frame = wire.server_decoder.decode(ws.recv(timeout=15))
                        if isinstance(frame, wire.Accepted | wire.Rejected):
                            answered.add(frame.ref)
                        elif isinstance(frame, wire.Closed):
                            closed_seen.set()
                except ConnectionClosed:
                    pass
                finally:
                    done.set()

            reader = threading.Thread(target=read)
            reader.start()
            price = 4_800_000 - int(supplier[1:])
            n = 0
            while not closed_seen.is_set():  # a client stops bidding once it has seen `closed`
                price -= 5
                try:
                    ws.send(wire.encode(wire.Bid(ref=f"{supplier}-{n}", price_fen=price)).decode())
                except ConnectionClosed:
                    break
                sent.add(f"{supplier}-{n}")
                n += 1
                time.sleep(0.002)
            reader.join(20)
            results[supplier] = (sent, answered, ws.close_code)

        threads = [threading.Thread(target=snipe, args=(f"S{i}",)) for i in range(1, 5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(40)
        for supplier, (sent, answered, code) in results.items():
            assert code == 1000, (supplier, code)
            # Every bid sent before the client saw `closed` is answered before the socket closes.
            unanswered = sent - answered
            assert not unanswered, (supplier, len(sent), sorted(unanswered)[:5])
            assert len(answered) > 50, (supplier, len(answered))
        got = http.get(f"/api/auctions/{aid}").json()
        assert got["status"] == "awarded"
    finally:
        mall.stop()
