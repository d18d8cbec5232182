"""Client-side rules of the live-bidding protocol (API.md "Live bidding"), shared by Locust and the bench.

Pure: no sockets, no clock. Frames are the server's own msgspec wire types (`mall_api.wire`).
"""

import random
from urllib.parse import quote

from mall_api import wire

# Rejections a rule-following client can meet without anyone being at fault: the close arrived while a
# bid was in flight, or a burst crossed the per-second window. Every other code means the client or the
# server broke a rule, and a load run counts it as a failure.
EXPECTED_REJECTIONS = frozenset({"AUCTION_NOT_OPEN", "RATE_LIMITED"})


def ws_url(base: str, auction_id: str, token: str) -> str:
    """`http://host:port` (Locust's --host) -> the auction's websocket URL with `?token=`."""
    if base.startswith("https://"):
        base = "wss://" + base[len("https://"):]
    elif base.startswith("http://"):
        base = "ws://" + base[len("http://"):]
    return f"{base.rstrip('/')}/ws/auctions/{auction_id}?token={quote(token)}"


def bid_frame(ref: str, price_fen: int) -> bytes:
    return wire.encode(wire.Bid(ref=ref, price_fen=price_fen))


class SeqGuard:
    """What a watcher may assert about `seq` (API.md): it never goes back. A book frame always moves it
    forward; a rank frame may share the seq of the book frame (or snapshot) of the same event."""

    __slots__ = ("last",)

    def __init__(self, snapshot_seq: int) -> None:
        self.last = snapshot_seq

    def check(self, frame: wire.ServerMessage) -> str | None:
        """None if the frame keeps the order, else what went wrong."""
        if isinstance(frame, wire.Book):
            if frame.seq <= self.last:
                return f"book seq went back: {frame.seq} after {self.last}"
            self.last = frame.seq
        elif isinstance(frame, wire.Rank | wire.Closed):
            if frame.seq < self.last:
                return f"{type(frame).__name__.lower()} seq went back: {frame.seq} after {self.last}"
            self.last = frame.seq
        return None


class Ladder:
    """A supplier's descending quotes in one open-mode auction: below its own last quote by at least the
    minimum decrement, never above the ceiling; the steps are random so that ranks keep changing."""

    __slots__ = ("ceiling", "decrement", "last", "rng")

    def __init__(self, ceiling_fen: int, decrement_fen: int, last_fen: int | None,
                 rng: random.Random | None = None) -> None:
        self.ceiling = ceiling_fen
        self.decrement = max(1, decrement_fen)
        self.last = last_fen
        self.rng = rng or random.Random()

    def next(self, max_steps: int = 5) -> int | None:
        """The next quote, or None when the ladder has reached the floor (1 fen)."""
        if self.last is None:
            price = self.ceiling - self.rng.randrange(0, max(1, self.ceiling // 1000))
        else:
            price = self.last - self.decrement * self.rng.randint(1, max_steps)
        return price if price >= 1 else None

    def accepted(self, price_fen: int) -> None:
        self.last = price_fen if self.last is None else min(self.last, price_fen)
