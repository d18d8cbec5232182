"""`GET /ws/audit/{auction_id}?since=SEQ`: the auction's log for supervisors, live and gap-free.

The admin, and the department of the buying unit, only (as `GET /api/audit`). The feed sends every
stored event after `since` in order, each with its audit-chain link, then follows the log as it
grows; when the auction has ended and its last event was sent it says `end` and closes (1000).
Frames: `{"type": "event", "seq", "link", "event": {...}}` and `{"type": "end", "seq"}`. A supervisor
who reconnects passes the last seq it saw and misses nothing.
"""

import asyncio
import contextlib

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from mall_api.context import accept_caller, mall
from mall_api.routes.audit import may_supervise

CLOSE_FORBIDDEN = 4403
CLOSE_UNKNOWN_AUCTION = 4404
PAGE = 1000


async def audit_socket(websocket: WebSocket) -> None:
    who = await accept_caller(websocket)
    if who is None:
        return
    if who.role not in ("admin", "dept"):
        await websocket.close(CLOSE_FORBIDDEN, "the audit feed is for supervisors")
        return
    raw_since = websocket.query_params.get("since", "0")
    if not raw_since.isdigit():
        await websocket.close(1008, "since must be a sequence number")
        return
    m = mall(websocket)
    auction_id = websocket.path_params["auction_id"]
    runner = m.registry.get(auction_id) or await m.registry.load(auction_id)
    if runner is None:
        await websocket.close(CLOSE_UNKNOWN_AUCTION, "unknown auction")
        return
    if not await may_supervise(m, who, runner.auction.t.buyer_id):
        await websocket.close(CLOSE_FORBIDDEN, "the auction belongs to a unit of another department")
        return
    last = int(raw_since)
    watch_peer = asyncio.get_running_loop().create_task(_until_disconnect(websocket))
    try:
        while not watch_peer.done():
            for seq, payload, link in await m.log.read_links(auction_id, last, PAGE):
                await websocket.send_text(
                    f'{{"type":"event","seq":{seq},"link":"{link}","event":{payload.decode()}}}')
                last = seq
            if runner.auction.finished and last >= runner.committed_seq:
                await websocket.send_text(f'{{"type":"end","seq":{last}}}')
                await websocket.close(1000)
                return
            changed = asyncio.ensure_future(runner.changed(last))
            await asyncio.wait({changed, watch_peer}, timeout=1.0, return_when=asyncio.FIRST_COMPLETED)
            changed.cancel()
    except (WebSocketDisconnect, RuntimeError, OSError):
        return
    finally:
        watch_peer.cancel()
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
            await watch_peer


async def _until_disconnect(websocket: WebSocket) -> None:
    """The feed is one-way: anything the client sends is ignored; a disconnect ends the feed."""
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass


routes = [WebSocketRoute("/ws/audit/{auction_id}", audit_socket)]
