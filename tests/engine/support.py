"""Shared helpers for the pure-engine tests: a fixed clock, launch terms and a decide+apply driver."""

from typing import Any

from engine.auction import Auction
from engine.commands import AuctionCommand, Launch, PlaceBid
from engine.events import Event

T0 = 1_800_000_000_000
"""The fixed 'now' of the tests, in ms since the epoch (2027-01-15)."""

OPENS_AT = T0 + 60_000
DURATION_S = 600
CLOSES_AT = OPENS_AT + DURATION_S * 1000
PLAN_DEADLINE = T0 + 4 * 86_400_000


def launch_cmd(**overrides: Any) -> Launch:
    terms: dict[str, Any] = {
        "at": T0,
        "auction_id": "AU1",
        "plan_id": "PL1",
        "batch_no": "CF2027000001",
        "buyer_id": "unit-1",
        "title": "desktop computers",
        "category": "A02010105",
        "sku": "SKU-1",
        "quantity": 10,
        "budget_fen": 5_000_000,
        "reference_price_fen": 600_000,
        "reference_source": "jd",
        "mode": "open",
        "opens_at": OPENS_AT,
        "duration_s": DURATION_S,
        "min_decrement_fen": 100,
        "extension_s": 0,
        "max_extensions": None,
        "min_bidders": 3,
        "plan_deadline": PLAN_DEADLINE,
    }
    terms.update(overrides)
    return Launch(**terms)


def apply_all(auction: Auction, events: list[Event]) -> None:
    for event in events:
        auction.apply(event)
    auction.book.check_invariants()


def launched(**overrides: Any) -> Auction:
    """An auction launched at T0 with the default terms (scheduled unless `at` ≥ `opens_at`)."""
    auction = Auction()
    apply_all(auction, Auction.launch(launch_cmd(**overrides)))
    return auction


def run(auction: Auction, cmd: AuctionCommand) -> list[Event]:
    """Decide, check that deciding changed nothing, apply, check the book's invariants."""
    before = snapshot(auction)
    events = auction.decide(cmd)
    assert snapshot(auction) == before, "decide must not change the auction"
    for event in events:
        assert event.seq == auction.seq + 1, "events are numbered without gaps"
        auction.apply(event)
        auction.book.check_invariants()
    return events


def bid(at: int, supplier: str, price: int, ref: str | None = None, eligible: bool = True) -> PlaceBid:
    return PlaceBid(at=at, supplier_id=supplier, ref=ref or f"{supplier}-{price}-{at}", price_fen=price,
                    eligible=eligible)


def snapshot(auction: Auction) -> tuple[Any, ...]:
    """Everything observable about an auction's state."""
    return (
        auction.status,
        auction.seq,
        auction.terms,
        auction.closes_at,
        auction.extensions,
        auction.book.ranked(),
        auction.outcome,
        dict(auction._answers),
    )
