"""The events of an auction's log: the only record of what happened.

Every event carries the auction's `seq` (1, 2, 3, ... without gaps) and `at`, the server's time in
integer milliseconds since the epoch (UTC). Events are msgspec Structs tagged by `type`; new fields
must get defaults so that old logs still decode.
"""

from typing import Literal

import msgspec

Mode = Literal["open", "sealed"]


class Event(msgspec.Struct, tag_field="type", kw_only=True, frozen=True):
    seq: int
    at: int


class Launched(Event, tag="launched"):
    """The auction exists: every term the engine needs, fixed at launch."""

    auction_id: str
    plan_id: str
    batch_no: str
    buyer_id: str
    title: str
    category: str
    sku: str
    quantity: int
    budget_fen: int
    reference_price_fen: int
    reference_source: str
    ceiling_fen: int
    mode: Mode
    opens_at: int
    closes_at: int
    min_decrement_fen: int
    extension_s: int
    max_extensions: int | None
    min_bidders: int
    plan_deadline: int
    reference_observed_at: int = 0
    """When the observation that set `reference_price_fen` was made (0 in logs from before it was kept)."""


class Opened(Event, tag="opened"):
    pass


class BidAccepted(Event, tag="bid_accepted"):
    supplier_id: str
    ref: str
    price_fen: int


class BidRejected(Event, tag="bid_rejected"):
    supplier_id: str
    ref: str
    price_fen: int
    code: str


class Extended(Event, tag="extended"):
    """Anti-sniping moved the close."""

    closes_at: int
    extensions: int


class Closed(Event, tag="closed"):
    pass


class FinalQuote(msgspec.Struct, frozen=True):
    rank: int
    supplier_id: str
    price_fen: int
    at: int


class Awarded(Event, tag="awarded"):
    winner_id: str
    price_fen: int
    unit_price_fen: int
    savings_fen: int
    bidders: int
    bids: list[FinalQuote]


class Failed(Event, tag="failed"):
    reason: str
    bidders: int
    bids: list[FinalQuote]


class Cancelled(Event, tag="cancelled"):
    by: str
    reason: str


AuctionEvent = Launched | Opened | BidAccepted | BidRejected | Extended | Closed | Awarded | Failed | Cancelled

EVENT_TYPES: dict[type[Event], str] = {
    Launched: "launched",
    Opened: "opened",
    BidAccepted: "bid_accepted",
    BidRejected: "bid_rejected",
    Extended: "extended",
    Closed: "closed",
    Awarded: "awarded",
    Failed: "failed",
    Cancelled: "cancelled",
}

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(AuctionEvent)


def encode(event: Event) -> bytes:
    return _encoder.encode(event)


def decode(data: bytes) -> AuctionEvent:
    return _decoder.decode(data)
