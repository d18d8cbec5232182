"""`GET /ws/auctions/{id}`: live bidding (API.md "Live bidding").

One reader per socket decodes each frame once and queues bids on the auction's runner without
waiting for the answer (a supplier may pipeline); answers come back as the runner commits, in the
supplier's order. One writer per socket drains its `Watcher` outbox, so a slow socket only ever
delays itself. Floods are bounded per socket (a frame budget, close 1008) and per principal (at most
`MALL_MAX_CONN_PER_TOKEN` sockets, close 4429): see `mall_api.limits`.
"""

import asyncio
import contextlib
from typing import Any

import msgspec
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from engine.auction import Accepted, Answer, Auction
from engine.codes import BidCode, message
from engine.commands import PlaceBid
from mall_api import wire
from mall_api.auth import Principal
from mall_api.clock import now_ms, to_rfc3339
from mall_api.closing import close_now
from mall_api.context import accept_caller, mall
from mall_api.eligibility import supplier_eligible
from mall_api.hub import CLOSE_NORMAL, CLOSE_TRY_AGAIN_LATER, Watcher
from mall_api.limits import CLOSE_FRAME_BUDGET, CLOSE_TOO_MANY_CONNECTIONS, ConnectionCounter, FrameBudget
from mall_api.registry import closed_frame
from mall_api.runner import AuctionRunner, Outcome, StoreUnavailable

CLOSE_UNKNOWN_AUCTION = 4404
CLOSE_TOO_BIG = 1009
ELIGIBILITY_TTL_MS = 1000
ANSWER_GRACE_S = 5.0
CLOSE_LINGER_S = 0.5


def snapshot(auction: Auction, supplier_id: str | None) -> wire.Snapshot:
    t = auction.t
    you = None
    if supplier_id is not None:
        best, rank = auction.you(supplier_id)
        you = wire.You(best_fen=best, rank=rank)
    return wire.Snapshot(
        auction_id=t.auction_id, status=auction.status, mode=t.mode, opens_at=to_rfc3339(t.opens_at),
        closes_at=to_rfc3339(auction.closes_at), ceiling_fen=t.ceiling_fen, min_decrement_fen=t.min_decrement_fen,
        best_fen=auction.best_fen(), bidders=auction.book.bidders, seq=auction.seq, now=to_rfc3339(now_ms()),
        you=you,
    )


def answer_frame(answer: Answer) -> str:
    if isinstance(answer, Accepted):
        frame: msgspec.Struct = wire.Accepted(ref=answer.ref, price_fen=answer.price_fen, rank=answer.rank,
                                              seq=answer.seq, at=to_rfc3339(answer.at))
    else:
        frame = wire.Rejected(ref=answer.ref, code=answer.code, message=message(answer.code))
    return wire.encode(frame).decode()


def rejected(ref: str, code: BidCode) -> str:
    return wire.encode(wire.Rejected(ref=ref, code=code, message=message(code))).decode()


class _Eligibility:
    """A supplier's standing for one auction, re-read at most once a second (blacklists act live)."""

    def __init__(self, websocket: WebSocket, supplier_id: str, category: str) -> None:
        self._docs = mall(websocket).docs
        self._supplier_id = supplier_id
        self._category = category
        self._checked_at = -ELIGIBILITY_TTL_MS
        self._eligible = False

    async def now(self, at: int) -> bool:
        if at - self._checked_at >= ELIGIBILITY_TTL_MS:
            self._eligible = await supplier_eligible(self._docs, self._supplier_id, self._category, at)
            self._checked_at = at
        return self._eligible


async def auction_socket(websocket: WebSocket) -> None:
    who = await accept_caller(websocket)
    if who is None:
        return
    connections: ConnectionCounter = websocket.app.state.ws_connections
    key = f"{who.role}:{who.id}"
    if not connections.acquire(key):
        await websocket.close(CLOSE_TOO_MANY_CONNECTIONS, "too many connections for this token")
        return
    try:
        await _watch(websocket, who)
    finally:
        connections.release(key)


async def _watch(websocket: WebSocket, who: Principal) -> None:
    m = mall(websocket)
    auction_id = websocket.path_params["auction_id"]
    runner = m.registry.get(auction_id) or await m.registry.load(auction_id)
    if runner is None:
        await websocket.close(CLOSE_UNKNOWN_AUCTION, "unknown auction")
        return
    auction = await runner.committed()
    supplier_id = who.id if who.role == "supplier" else None
    watcher = Watcher(supplier_id, m.settings.send_queue, last_seq=auction.seq)
    watcher.on_overflow = lambda: close_now(websocket, CLOSE_TRY_AGAIN_LATER)
    watcher.push(wire.encode(snapshot(auction, supplier_id)).decode())
    if auction.finished:
        watcher.push(wire.encode(closed_frame(auction)).decode())
        watcher.finish()
    else:
        m.hub.watch(auction_id, watcher)
    writer = asyncio.get_running_loop().create_task(_pump(websocket, watcher))
    try:
        if not auction.finished:
            eligibility = _Eligibility(websocket, supplier_id, auction.t.category) if supplier_id else None
            await _read(websocket, runner, watcher, supplier_id, eligibility)
        await writer
    finally:
        m.hub.unwatch(auction_id, watcher)
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer


async def _read(
    websocket: WebSocket, runner: AuctionRunner, watcher: Watcher, supplier_id: str | None,
    eligibility: _Eligibility | None,
) -> None:
    budget = FrameBudget(mall(websocket).settings.ws_msg_budget, now_ms())
    # After `closed` (a normal close) the socket is still read until it closes, so that every bid the
    # client sent before it saw `closed` gets its answer.
    while watcher.close_code in (None, CLOSE_NORMAL):
        msg: dict[str, Any] = await websocket.receive()
        if msg["type"] == "websocket.disconnect":
            watcher.finish()  # the client left: stop the writer too, freeing the socket's slot now
            return
        at = now_ms()
        if not budget.spend(at):
            watcher.finish(CLOSE_FRAME_BUDGET)
            return
        data = msg.get("text") if msg.get("text") is not None else msg.get("bytes")
        if data is None:
            continue
        if _too_big(data):
            watcher.finish(CLOSE_TOO_BIG)
            return
        try:
            bid = wire.client_decoder.decode(data)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            watcher.push(wire.encode(wire.Error(code="BAD_MESSAGE", message=str(exc))).decode())
            continue
        if supplier_id is None or eligibility is None:
            watcher.push(rejected(bid.ref, BidCode.NOT_ELIGIBLE))
            continue
        if not runner.rate.allow(supplier_id, at):
            watcher.push(rejected(bid.ref, BidCode.RATE_LIMITED))
            continue
        if runner.auction.finished:
            # Over: the first answer to a ref already used, else "not open"; the log is closed.
            earlier = runner.auction.answer_for(supplier_id, bid.ref)
            watcher.push(answer_frame(earlier) if earlier else rejected(bid.ref, BidCode.AUCTION_NOT_OPEN))
            continue
        eligible = await eligibility.now(at)
        future = runner.submit(PlaceBid(at=at, supplier_id=supplier_id, ref=bid.ref, price_fen=bid.price_fen,
                                        eligible=eligible))
        watcher.inflight += 1
        future.add_done_callback(lambda f, ref=bid.ref: _answered(watcher, f, ref))


def _answered(watcher: Watcher, future: "asyncio.Future[Outcome]", ref: str) -> None:
    watcher.inflight -= 1
    watcher.push(_answer(future, ref))


def _too_big(data: str | bytes) -> bool:
    """Over 4 KiB of payload; text is measured in UTF-8 bytes, as uvicorn measures it."""
    if len(data) > wire.MAX_FRAME:
        return True
    return isinstance(data, str) and len(data) * 4 > wire.MAX_FRAME and len(data.encode()) > wire.MAX_FRAME


def _answer(future: "asyncio.Future[Outcome]", ref: str) -> str:
    if future.cancelled():
        return rejected(ref, BidCode.UNAVAILABLE)
    exc = future.exception()
    if exc is not None:
        if not isinstance(exc, StoreUnavailable):
            raise exc
        return rejected(ref, BidCode.UNAVAILABLE)
    answer = future.result()
    assert not isinstance(answer, list)
    return answer_frame(answer)


async def _pump(websocket: WebSocket, watcher: Watcher) -> None:
    lingered = False
    try:
        while True:
            await watcher.ready.wait()
            watcher.ready.clear()
            while watcher.frames:
                await websocket.send_text(watcher.frames.popleft())
            if watcher.close_code is not None:
                if watcher.close_code == CLOSE_NORMAL and not lingered:
                    # Bids the client sent before it saw `closed` are still arriving: read and answer
                    # them for a moment before the close frame.
                    lingered = True
                    await asyncio.sleep(CLOSE_LINGER_S)
                    watcher.ready.set()
                    continue
                if watcher.close_code == CLOSE_NORMAL and watcher.inflight > 0:
                    # Answers to bids already read are on their way: send them before the close.
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(watcher.ready.wait(), ANSWER_GRACE_S)
                    if watcher.frames:
                        continue
                await websocket.close(watcher.close_code)
                return
    except (WebSocketDisconnect, RuntimeError, OSError):
        watcher.finish()


routes = [WebSocketRoute("/ws/auctions/{auction_id}", auction_socket)]
