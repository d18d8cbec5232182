"""Closing a socket whose peer has stopped reading.

A normal close queues its frame behind everything the peer has not read, and waits for the
transport to drain: with a peer that never reads, forever. Under uvicorn's sans-I/O websocket
protocol the close frame is written straight to the transport instead, and the connection is aborted
if it has not drained within a grace period: a peer that wakes up reads its backlog, then the close
code; one that never does costs nothing after the grace period.
"""

import asyncio
import contextlib
import logging

from starlette.websockets import WebSocket

log = logging.getLogger("mall.ws")
GRACE_S = 5.0


def close_now(websocket: WebSocket, code: int, grace_s: float = GRACE_S) -> None:
    protocol = getattr(getattr(websocket, "_send", None), "__self__", None)
    conn = getattr(protocol, "conn", None)
    transport = getattr(protocol, "transport", None)
    if conn is not None and transport is not None and hasattr(conn, "send_close"):
        try:
            conn.send_close(code)
            transport.write(b"".join(conn.data_to_send()))
        except Exception as exc:  # the connection may already be closing: abort it all the same
            log.debug("close %d on a closing socket: %s", code, exc)
        asyncio.get_running_loop().call_later(grace_s, transport.abort)
        return
    # Another server: close the ordinary way, bounded.
    asyncio.get_running_loop().create_task(_bounded_close(websocket, code, grace_s))


async def _bounded_close(websocket: WebSocket, code: int, grace_s: float) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(websocket.close(code), grace_s)
