"""One auction websocket for Locust users: `websockets.sync.client`, which gevent's monkey-patching
(Locust applies it at import) turns cooperative, so a thousand of them share one Locust process.

Every frame is decoded once with the server's own wire types and checked: `seq` never goes back, every
`ref` gets its answer within the timeout, no `error` frame. What it measures goes to Locust's statistics
through the `report` callable (`events.request.fire`):

    WS        connect          time to the snapshot
    WS        bid->ack         send -> `accepted` (a failure when no answer came before the timeout or the
                               socket closed: a bid the server read is answered, even after `closed`)
    WS-reject <CODE>           send -> `rejected`, one line per code; a failure unless the code is one a
                               rule-following client may meet (protocol.EXPECTED_REJECTIONS)
    WS        seq order        only failures: a frame whose seq went back
    WS        frame            only failures: undecodable or `error` frames
    WS-recv   book lag         (watchers) a new best price's arrival minus its ack in this process
    WS-recv   closed           an auction closed under this socket (the count is what matters)
"""

import time
from collections.abc import Callable
from typing import Any

import msgspec
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from loadtests.protocol import EXPECTED_REJECTIONS, SeqGuard, bid_frame
from mall_api import wire
from mall_api.clock import from_rfc3339

Report = Callable[..., Any]


class ProtocolError(Exception):
    """The server broke the protocol (seq order, a missing answer, an error frame)."""


class MissingAnswer(ProtocolError):
    pass


class AuctionSocket:
    def __init__(self, report: Report, url: str, answer_timeout: float,
                 on_book: Callable[[wire.Book, float], None] | None = None, connect_timeout: float = 10.0) -> None:
        self._report = report
        self._url = url
        self._timeout = answer_timeout
        self._connect_timeout = connect_timeout
        self._on_book = on_book
        self._ws: ClientConnection | None = None
        self._guard = SeqGuard(0)
        self.snapshot: wire.Snapshot | None = None
        self.closed: wire.Closed | None = None
        self.closes_at_ms = 0
        self.best_fen: int | None = None
        self.rank: int | None = None
        self.server_offset_ms = 0.0
        self.lost = False

    # -- connection ------------------------------------------------------------------------------

    def open(self) -> wire.Snapshot:
        start = time.perf_counter()
        try:
            self._ws = connect(self._url, compression=None, open_timeout=self._connect_timeout, max_size=2**16,
                               legacy=True)
            first = wire.server_decoder.decode(self._ws.recv(timeout=self._connect_timeout))
        except Exception as exc:
            self._fire("WS", "connect", start, exc=exc)
            self.lost = True
            raise
        if not isinstance(first, wire.Snapshot):
            exc = ProtocolError(f"first frame is {type(first).__name__}, not snapshot")
            self._fire("WS", "connect", start, exc=exc)
            raise exc
        self._fire("WS", "connect", start)
        self.snapshot = first
        self._guard = SeqGuard(first.seq)
        self.closes_at_ms = from_rfc3339(first.closes_at)
        self.best_fen = first.best_fen
        self.server_offset_ms = from_rfc3339(first.now) - time.time() * 1000
        if first.status not in ("scheduled", "open"):
            self.closed = wire.Closed(seq=first.seq, status=first.status, winner_id=None, price_fen=None,
                                      announcement_id=None)
        return first

    def close(self) -> None:
        if self._ws is not None:
            self._ws.close()
            self._ws = None

    @property
    def usable(self) -> bool:
        return self._ws is not None and self.closed is None and not self.lost

    def server_now_ms(self) -> float:
        return time.time() * 1000 + self.server_offset_ms

    # -- bidding ---------------------------------------------------------------------------------

    def bid(self, ref: str, price_fen: int) -> wire.Accepted | wire.Rejected | None:
        """Send a bid and read until its answer; None if none came (reported as a failure)."""
        assert self._ws is not None
        start = time.perf_counter()
        try:
            self._ws.send(bid_frame(ref, price_fen).decode())
        except ConnectionClosed as exc:
            self.pump(0)  # the `closed` frame may be waiting: then the bid was simply too late to send
            if self.closed is None:
                self.lost = True
                self._fire("WS", "bid->ack", start, exc=exc)
            return None
        deadline = start + self._timeout
        while True:
            remaining = deadline - time.perf_counter()
            frame = self._next(remaining) if remaining > 0 else None
            if frame is None:  # `closed` may come first: the answers still follow, before the socket closes
                why = "the socket closed after `closed`" if self.closed else (
                    "the socket was lost" if self.lost else f"none within {self._timeout:g} s")
                self._fire("WS", "bid->ack", start, exc=MissingAnswer(f"no answer to a bid: {why}"))
                return None
            if isinstance(frame, wire.Accepted) and frame.ref == ref:
                self._fire("WS", "bid->ack", start)
                return frame
            if isinstance(frame, wire.Rejected) and frame.ref == ref:
                exc = None if frame.code in EXPECTED_REJECTIONS else ProtocolError(f"rejected: {frame.code}")
                self._fire("WS-reject", frame.code, start, exc=exc)
                return frame

    def pump(self, seconds: float) -> None:
        """Read (and check) frames for up to `seconds` (0: what is waiting), or until the auction closed."""
        deadline = time.perf_counter() + seconds
        while self.usable and self._next(max(0.0, deadline - time.perf_counter())) is not None:
            pass

    # -- frames ----------------------------------------------------------------------------------

    def _next(self, timeout: float) -> wire.ServerMessage | None:
        """The next frame (already checked), or None on timeout or a lost socket."""
        assert self._ws is not None
        try:
            raw = self._ws.recv(timeout=timeout)
        except TimeoutError:
            return None
        except ConnectionClosed:
            self.lost = self.closed is None
            return None
        arrived = time.perf_counter()
        try:
            frame = wire.server_decoder.decode(raw)
        except msgspec.MsgspecError as exc:
            self._fire("WS", "frame", arrived, exc=ProtocolError(f"undecodable frame: {exc}"))
            return None
        problem = self._guard.check(frame)
        if problem is not None:
            self._fire("WS", "seq order", arrived, exc=ProtocolError(problem))
        if isinstance(frame, wire.Book):
            self.closes_at_ms = from_rfc3339(frame.closes_at)
            if isinstance(frame.best_fen, int):
                self.best_fen = frame.best_fen
            if self._on_book is not None:
                self._on_book(frame, arrived)
        elif isinstance(frame, wire.Rank):
            self.rank = frame.rank
        elif isinstance(frame, wire.Closed):
            self.closed = frame
            self._fire("WS-recv", "closed", arrived)
        elif isinstance(frame, wire.Error):
            self._fire("WS", "frame", arrived, exc=ProtocolError(f"error frame: {frame.code}: {frame.message}"))
        return frame

    def _fire(self, kind: str, name: str, start: float, exc: BaseException | None = None) -> None:
        self._report(request_type=kind, name=name, response_time=(time.perf_counter() - start) * 1000,
                     response_length=0, exception=exc, context={})
