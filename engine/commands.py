"""Commands the shell hands to an auction. Time (`at`, ms since epoch UTC) and ids come in here:
the engine never reads a clock or makes an id."""

import msgspec

from engine.events import Mode


class Command(msgspec.Struct, kw_only=True, frozen=True):
    at: int


class Launch(Command, frozen=True):
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
    mode: Mode
    opens_at: int
    duration_s: int
    min_decrement_fen: int
    extension_s: int
    max_extensions: int | None
    min_bidders: int
    plan_deadline: int
    reference_observed_at: int = 0


class PlaceBid(Command, frozen=True):
    supplier_id: str
    ref: str
    price_fen: int
    eligible: bool
    """Admitted for the auction's category and not blacklisted, as the shell knows it now."""


class Tick(Command, frozen=True):
    """The clock reached `at`: open or close whatever is due."""


class Cancel(Command, frozen=True):
    by: str
    reason: str


AuctionCommand = Launch | PlaceBid | Tick | Cancel
