"""Floods and slow clients against a real `mall serve` process (docs/protocol-limits.md).

The server runs with small limits: 20 frames a second per websocket (`MALL_WS_MSG_BUDGET`), 3 sockets
per principal (`MALL_MAX_CONN_PER_TOKEN`), 1 s keep-alive. One auction holds acknowledged bids before
the floods start; the last test sees it close by itself and award the best acknowledged bid.
"""

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection

from mall_api import wire
from mall_api.auth import Role
from mall_api.limits import MAX_BODY
from tests.integration.arena import Arena, close_code, headers, mall_process, open_arena, open_socket, recv, token

DURATION_S = 20
BUDGET = 20
CAP = 3


@pytest.fixture(scope="module")
def arena(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Arena]:
    with mall_process(tmp_path_factory.mktemp("floods"), MALL_WS_MSG_BUDGET=str(BUDGET),
                      MALL_MAX_CONN_PER_TOKEN=str(CAP), MALL_KEEP_ALIVE_S="1") as mall:
        yield open_arena(mall, duration_s=DURATION_S)


def snapshot_of(ws: ClientConnection) -> wire.Snapshot:
    snap = recv(ws, timeout=5)
    assert isinstance(snap, wire.Snapshot)
    return snap


def test_a_flooding_socket_is_closed_1008_and_nobody_else_notices(arena: Arena) -> None:
    with open_socket(arena.mall, arena.auction_id, token("buyer", "U1")) as watcher, \
            open_socket(arena.mall, arena.auction_id, token("supplier", "S3")) as flooder:
        snapshot_of(watcher), snapshot_of(flooder)
        for n in range(5 * BUDGET):
            try:
                flooder.send(f"junk {n}")
            except Exception:  # the server may already have closed it
                break
        assert close_code(flooder) == 1008
        # The other sockets of the auction carry on: a bid moves the book the watcher sees.
        assert isinstance(arena.bid("S1", "after-flood", 4_650_000), wire.Accepted)
        while not (isinstance(frame := recv(watcher, timeout=5), wire.Book) and frame.best_fen == 4_650_000):
            pass
    arena.assert_intact()


def test_a_polite_socket_stays_under_its_budget(arena: Arena) -> None:
    with open_socket(arena.mall, arena.auction_id, token("supplier", "S3")) as ws:
        snapshot_of(ws)
        for n in range(25):  # 10 frames a second for 2.5 s: half the budget
            ws.send(f"[{n}]")
            while not isinstance(frame := recv(ws, timeout=5), wire.Error):
                pass
            assert frame.code == "BAD_MESSAGE"
            time.sleep(0.1)
        assert isinstance(arena.bid("S3", "polite", 4_690_000), wire.Accepted)
    arena.assert_intact()


def test_a_bid_burst_is_rate_limited_per_supplier(arena: Arena) -> None:
    with open_socket(arena.mall, arena.auction_id, token("supplier", "S4")) as ws:
        snapshot_of(ws)
        for n in range(15):
            ws.send(wire.encode(wire.Bid(ref=f"burst-{n}", price_fen=4_750_000 - n * 100)).decode())
        answers: dict[str, wire.Accepted | wire.Rejected] = {}
        while len(answers) < 15:
            frame = recv(ws, timeout=5)
            if isinstance(frame, wire.Accepted | wire.Rejected):
                answers[frame.ref] = frame
    accepted = [a for a in answers.values() if isinstance(a, wire.Accepted)]
    codes = {a.code for a in answers.values() if isinstance(a, wire.Rejected)}
    assert codes == {"RATE_LIMITED"} and 1 <= len(accepted) <= 10
    arena.acked["S4"] = min(a.price_fen for a in accepted)
    arena.assert_intact()


def test_connections_per_principal_are_capped_4429(arena: Arena) -> None:
    sockets = [open_socket(arena.mall, arena.auction_id, token("dept", "D1")) for _ in range(CAP)]
    try:
        for ws in sockets:
            snapshot_of(ws)
        # Another token of the same principal counts against the same cap.
        with open_socket(arena.mall, arena.auction_id, token("dept", "D1", ttl_s=600)) as extra:
            assert close_code(extra) == 4429
        # Bad tokens take no slot of anybody's; other principals are not affected.
        with open_socket(arena.mall, arena.auction_id, "forged") as bad:
            assert close_code(bad) == 4401
        with open_socket(arena.mall, arena.auction_id, token("supplier", "S3")) as other:
            snapshot_of(other)
        sockets.pop().close()
        deadline = time.monotonic() + 5
        while not admitted(arena, "dept", "D1"):  # the server frees the slot once it has seen the close
            assert time.monotonic() < deadline, "the slot of a closed socket was never freed"
            time.sleep(0.05)
    finally:
        for ws in sockets:
            ws.close()
    arena.assert_intact()


def admitted(arena: Arena, role: Role, subject: str) -> bool:
    with open_socket(arena.mall, arena.auction_id, token(role, subject)) as ws:
        try:
            snapshot_of(ws)
        except ConnectionClosed as closed:
            assert closed.rcvd is not None and closed.rcvd.code == 4429
            return False
    return True


def raw_request(port: int, head: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(head)
    return sock


def read_response(sock: socket.socket) -> tuple[int, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"closed before a response: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    length = next(int(line.split(b":")[1]) for line in lines if line.lower().startswith(b"content-length"))
    while len(body) < length:
        body += sock.recv(65536)
    return int(head.split()[1]), body


def test_an_announced_huge_body_is_refused_before_it_is_read(arena: Arena) -> None:
    admin = headers("admin", "fin")["Authorization"].encode()
    started = time.monotonic()
    sock = raw_request(arena.mall.port, b"POST /api/departments HTTP/1.1\r\nHost: mall\r\nAuthorization: " + admin
                       + b"\r\nContent-Type: application/json\r\nContent-Length: 10737418240\r\n\r\n{")
    with sock:
        status, body = read_response(sock)
        assert (status, httpx.Response(status, content=body).json()["error"]["code"]) == (413, "PAYLOAD_TOO_LARGE")
        assert time.monotonic() - started < 3
        assert sock.recv(1) == b"", "the server closes rather than drain 10 GiB"


def test_bodies_over_1_mib_get_413_announced_or_not(arena: Arena) -> None:
    admin = headers("admin", "fin")
    too_big = b'{"id": "D9", "name": "' + b"x" * MAX_BODY + b'"}'
    r = arena.http.post("/api/departments", content=too_big, headers=admin)
    assert (r.status_code, r.json()["error"]["code"]) == (413, "PAYLOAD_TOO_LARGE")

    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer encoding
        for _ in range(40):
            yield b" " * 65536

    r = arena.http.post("/api/departments", content=chunks(), headers=admin)
    assert (r.status_code, r.json()["error"]["code"]) == (413, "PAYLOAD_TOO_LARGE")
    r = arena.http.post("/api/departments", content=b" " * (MAX_BODY - 2) + b"{}", headers=admin)
    assert (r.status_code, r.json()["error"]["code"]) == (400, "INVALID"), "1 MiB itself is allowed"
    assert arena.http.get("/api/departments/D9").status_code == 404
    arena.assert_intact()


def test_slow_clients_do_not_block_others(arena: Arena) -> None:
    """Fifty clients trickle their headers (slowloris) or their body; meanwhile reads, a bid and a new
    websocket go through at normal speed, and the slow clients are served once they finish."""
    slow = [raw_request(arena.mall.port, b"GET /api/stats HTTP/1.1\r\nHost: mall\r\nX-Slow: ") for _ in range(40)]
    slow += [raw_request(arena.mall.port, b"POST /api/departments HTTP/1.1\r\nHost: mall\r\n"
                         b"Content-Length: 40\r\nContent-Type: application/json\r\n\r\n{")
             for _ in range(10)]
    stop = threading.Event()

    def trickle() -> None:
        while not stop.wait(0.2):
            for sock in slow:
                sock.sendall(b" ")

    trickler = threading.Thread(target=trickle)
    trickler.start()
    try:
        for _ in range(20):
            started = time.monotonic()
            assert arena.http.get("/api/stats").status_code == 200
            assert time.monotonic() - started < 1
        started = time.monotonic()
        assert isinstance(arena.bid("S2", "while-slowloris", 4_640_000), wire.Accepted)
        assert time.monotonic() - started < 2
    finally:
        stop.set()
        trickler.join()
    for sock in slow[:40]:
        sock.sendall(b"\r\n\r\n")
    statuses = {read_response(sock)[0] for sock in slow[:40]}
    assert statuses == {200}
    for sock in slow:
        sock.close()
    arena.assert_intact()


def test_idle_keep_alive_connections_are_closed(arena: Arena) -> None:
    with raw_request(arena.mall.port, b"GET /api/stats HTTP/1.1\r\nHost: mall\r\n\r\n") as sock:
        assert read_response(sock)[0] == 200
        sock.settimeout(5)
        started = time.monotonic()
        assert sock.recv(1) == b""
        assert time.monotonic() - started < 3


def test_the_auction_closes_and_awards_the_acknowledged_bids(arena: Arena) -> None:
    assert set(arena.acked) == {"S1", "S2", "S3", "S4"}
    arena.assert_awarded(timeout=DURATION_S + 30)
