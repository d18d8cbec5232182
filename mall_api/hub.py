"""Fan-out of an auction's state to its local watchers (websockets of this process).

Book and rank frames carry whole state, so they are conflated like a market-data feed: per auction
at most one flush per `MALL_BOOK_INTERVAL_MS`, always of the newest state, the book frame encoded
once and sent to every watcher. Acknowledgements bypass conflation (`Watcher.push`). Each watcher
has a bounded queue; one that overflows is closed with 1013 and never slows the others. A watcher
never sees `seq` go back: frames older than what it already has are skipped.
"""

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from mall_api import wire
from mall_api.clock import to_rfc3339

CLOSE_NORMAL = 1000
CLOSE_TRY_AGAIN_LATER = 1013


@dataclass(frozen=True, slots=True)
class BookView:
    seq: int
    best_fen: int | None
    bidders: int
    closes_at: int
    sealed: bool

    def same_state(self, other: "BookView | None") -> bool:
        return other is not None and (self.best_fen, self.bidders, self.closes_at) == (
            other.best_fen, other.bidders, other.closes_at)

    def frame(self) -> str:
        best = wire.UNSET if self.sealed or self.best_fen is None else self.best_fen
        return wire.encode(wire.Book(
            seq=self.seq, bidders=self.bidders, closes_at=to_rfc3339(self.closes_at), best_fen=best)).decode()


class Watcher:
    """One socket's outbox. `pump` (run by the socket's writer) drains it."""

    __slots__ = ("close_code", "frames", "inflight", "last_seq", "limit", "on_overflow", "ready", "supplier_id")

    def __init__(self, supplier_id: str | None, limit: int, last_seq: int) -> None:
        self.supplier_id = supplier_id
        self.limit = limit
        self.last_seq = last_seq
        self.frames: deque[str] = deque()
        self.ready = asyncio.Event()
        self.close_code: int | None = None
        # Called once when the outbox overflows: the writer is stuck on a peer that does not read,
        # so the socket must be closed from outside the writer.
        self.on_overflow: Callable[[], None] | None = None
        # Bids read from this socket and not answered yet: a normal close waits for their answers.
        self.inflight = 0

    def push(self, frame: str) -> None:
        if self.close_code is not None and self.close_code != CLOSE_NORMAL:
            return  # closing for a fault: nothing more is sent
        if len(self.frames) >= self.limit:
            self.frames.clear()
            self.close_code = CLOSE_TRY_AGAIN_LATER
            if self.on_overflow is not None:
                self.on_overflow()
        else:
            self.frames.append(frame)
        self.ready.set()

    def push_state(self, frame: str, seq: int, *, same_seq: bool = False) -> None:
        """Push a whole-state frame unless the watcher already has newer state. A rank frame may
        share the seq of the book frame of the same event (`same_seq`)."""
        if seq > self.last_seq or (same_seq and seq == self.last_seq):
            self.last_seq = seq
            self.push(frame)

    def finish(self, code: int = CLOSE_NORMAL) -> None:
        if self.close_code is None:
            self.close_code = code
        self.ready.set()


@dataclass(slots=True)
class _Channel:
    watchers: set[Watcher] = field(default_factory=set)
    by_supplier: dict[str, set[Watcher]] = field(default_factory=dict)
    view: BookView | None = None
    ranks: dict[str, tuple[int, int]] = field(default_factory=dict)
    sent_ranks: dict[str, int] = field(default_factory=dict)
    last_flush: float = -1e9
    timer: asyncio.TimerHandle | None = None


class Hub:
    def __init__(self, interval_ms: int) -> None:
        self._interval = interval_ms / 1000
        self._channels: dict[str, _Channel] = {}

    def watch(self, auction_id: str, watcher: Watcher) -> None:
        channel = self._channels.setdefault(auction_id, _Channel())
        channel.watchers.add(watcher)
        if watcher.supplier_id is not None:
            channel.by_supplier.setdefault(watcher.supplier_id, set()).add(watcher)

    def unwatch(self, auction_id: str, watcher: Watcher) -> None:
        channel = self._channels.get(auction_id)
        if channel is None:
            return
        channel.watchers.discard(watcher)
        if watcher.supplier_id is not None:
            mine = channel.by_supplier.get(watcher.supplier_id)
            if mine is not None:
                mine.discard(watcher)
                if not mine:
                    del channel.by_supplier[watcher.supplier_id]
        if not channel.watchers:
            if channel.timer is not None:
                channel.timer.cancel()
            del self._channels[auction_id]

    def suppliers(self, auction_id: str) -> list[str]:
        channel = self._channels.get(auction_id)
        return [] if channel is None else list(channel.by_supplier)

    def watchers(self, auction_id: str) -> int:
        channel = self._channels.get(auction_id)
        return 0 if channel is None else len(channel.watchers)

    def publish(self, auction_id: str, view: BookView | None, ranks: dict[str, int], seq: int) -> None:
        """Newest state after a commit; sent at the next flush (conflated)."""
        channel = self._channels.get(auction_id)
        if channel is None:
            return
        if view is not None:
            channel.view = view
        for supplier_id, rank in ranks.items():
            if supplier_id in channel.by_supplier and channel.sent_ranks.get(supplier_id) != rank:
                channel.ranks[supplier_id] = (rank, seq)
            else:
                channel.ranks.pop(supplier_id, None)  # back where it was when last sent
        if channel.timer is None and (channel.view is not None or channel.ranks):
            loop = asyncio.get_running_loop()
            delay = max(0.0, channel.last_flush + self._interval - loop.time())
            channel.timer = loop.call_later(delay, self._flush, auction_id)

    def close(self, auction_id: str, frame: wire.Closed) -> None:
        """The auction ended: flush the final state, send `closed` and close every socket (1000)."""
        channel = self._channels.pop(auction_id, None)
        if channel is None:
            return
        if channel.timer is not None:
            channel.timer.cancel()
        self._send(channel)
        closed = wire.encode(frame).decode()
        for watcher in channel.watchers:
            watcher.push(closed)
            watcher.finish(CLOSE_NORMAL)

    def _flush(self, auction_id: str) -> None:
        channel = self._channels.get(auction_id)
        if channel is None:
            return
        channel.timer = None
        channel.last_flush = asyncio.get_running_loop().time()
        self._send(channel)

    @staticmethod
    def _send(channel: _Channel) -> None:
        view, channel.view = channel.view, None
        if view is not None:
            frame = view.frame()
            for watcher in channel.watchers:
                watcher.push_state(frame, view.seq)
        ranks, channel.ranks = channel.ranks, {}
        for supplier_id, (rank, seq) in ranks.items():
            channel.sent_ranks[supplier_id] = rank
            frame = wire.encode(wire.Rank(seq=seq, rank=rank)).decode()
            for watcher in channel.by_supplier.get(supplier_id, ()):
                watcher.push_state(frame, seq, same_seq=True)
