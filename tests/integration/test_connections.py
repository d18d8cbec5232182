"""Connections the mall must notice: half-open sockets (pings), and `mall serve --workers N`."""

import base64
import os
import signal
import socket
import time
from pathlib import Path

import httpx

from tests.flow import Auth, filed_plan, launch, seed_libraries
from tests.integration.server import MallProcess


def raw_upgrade(port: int, path: str) -> socket.socket:
    """A websocket handshake by hand, from a peer that will then never answer a ping."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(4096)
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def test_a_half_open_socket_is_dropped_after_unanswered_pings(tmp_path: Path, auth: Auth) -> None:
    mall = MallProcess(tmp_path, env={"MALL_WS_PING_S": "1"}).start()
    try:
        http = httpx.Client(base_url=mall.base, timeout=10)
        seed_libraries(http, auth)
        aid = launch(http, auth, filed_plan(http, auth)["id"])["id"]
        token = auth("supplier", "S1")["Authorization"][7:]
        sock = raw_upgrade(mall.port, f"/ws/auctions/{aid}?token={token}")
        started = time.monotonic()
        sock.settimeout(10)
        while sock.recv(4096):  # the snapshot, then pings we never answer
            pass
        assert time.monotonic() - started < 6, "the server dropped the silent peer after ~2 ping periods"
    finally:
        mall.stop()


def test_workers_share_one_embedded_store(tmp_path: Path, auth: Auth) -> None:
    mall = MallProcess(tmp_path, extra_args=["--workers", "2"]).start()
    try:
        http = httpx.Client(base_url=mall.base, timeout=10)
        seed_libraries(http, auth)
        plan = filed_plan(http, auth)
        aid = launch(http, auth, plan["id"], duration_s=30)["id"]
        # Whichever worker answers, every read sees the one store and the live auction.
        for _ in range(20):
            with httpx.Client(base_url=mall.base, timeout=10) as fresh:  # a new connection each time
                assert fresh.get(f"/api/auctions/{aid}").json()["status"] == "open"
        store_pid = int((tmp_path / "store" / "valkey.pid").read_text())
        assert mall.proc is not None
        os.kill(mall.proc.pid, signal.SIGTERM)
        mall.proc.wait(20)
        deadline = time.monotonic() + 10
        while Path(f"/proc/{store_pid}").exists() and "Z" not in Path(f"/proc/{store_pid}/stat").read_text().split()[2]:
            assert time.monotonic() < deadline, "the embedded store outlived the workers' parent"
            time.sleep(0.1)
    finally:
        mall.kill()
