"""The websocket protocol of /ws/auctions/{id} (API.md "Live bidding") as tagged msgspec Structs.

Server, tests and load tests import these same types, so client and server cannot drift. Client
messages forbid unknown fields; server frames omit `best_fen` where the mode hides it (UNSET).
"""

from typing import Annotated

import msgspec
from msgspec import UNSET, UnsetType

Fen = Annotated[int, msgspec.Meta(ge=1, le=10**15)]
Ref = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
MAX_FRAME = 4096


class Bid(msgspec.Struct, tag="bid", tag_field="type", forbid_unknown_fields=True, frozen=True):
    ref: Ref
    price_fen: Fen


ClientMessage = Bid


class You(msgspec.Struct, frozen=True):
    best_fen: int | None
    rank: int | None


class Snapshot(msgspec.Struct, tag="snapshot", tag_field="type", frozen=True):
    auction_id: str
    status: str
    mode: str
    opens_at: str
    closes_at: str
    ceiling_fen: int
    min_decrement_fen: int
    best_fen: int | None
    bidders: int
    seq: int
    now: str
    you: You | None


class Accepted(msgspec.Struct, tag="accepted", tag_field="type", frozen=True):
    ref: str
    price_fen: int
    rank: int | None
    seq: int
    at: str


class Rejected(msgspec.Struct, tag="rejected", tag_field="type", frozen=True):
    ref: str
    code: str
    message: str


class Book(msgspec.Struct, tag="book", tag_field="type", frozen=True, omit_defaults=True):
    seq: int
    bidders: int
    closes_at: str
    best_fen: int | UnsetType = UNSET


class Rank(msgspec.Struct, tag="rank", tag_field="type", frozen=True):
    seq: int
    rank: int


class Closed(msgspec.Struct, tag="closed", tag_field="type", frozen=True):
    seq: int
    status: str
    winner_id: str | None
    price_fen: int | None
    announcement_id: str | None


class Error(msgspec.Struct, tag="error", tag_field="type", frozen=True):
    code: str
    message: str


ServerMessage = Snapshot | Accepted | Rejected | Book | Rank | Closed | Error

encoder = msgspec.json.Encoder()
client_decoder = msgspec.json.Decoder(ClientMessage)
server_decoder = msgspec.json.Decoder(ServerMessage)


def encode(frame: msgspec.Struct) -> bytes:
    return encoder.encode(frame)
