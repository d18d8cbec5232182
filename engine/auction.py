"""One reverse auction as a pure, event-sourced aggregate.

    auction = Auction()
    for event in log: auction.apply(event)          # replay
    events = auction.decide(command)                # pure: changes nothing
    for event in events: auction.apply(event)       # the only mutation

`decide` enforces every bid rule of API.md and answers with events: a bid becomes `bid_accepted`
(perhaps with `opened` before it and `extended` after it) or `bid_rejected` with a stable code; a
`Tick` opens or closes what is due, the close carrying the whole result; a `Cancel` cancels. A
command that repeats a bid's `ref` decides nothing: `answer_for` returns the first answer again.
`next_deadline()` says when the shell must next send a `Tick`.
"""

import msgspec

from engine.codes import BidCode
from engine.commands import AuctionCommand, Cancel, Launch, PlaceBid, Tick
from engine.events import (
    EVENT_TYPES,
    Awarded,
    BidAccepted,
    BidRejected,
    Cancelled,
    Closed,
    Event,
    Extended,
    Failed,
    FinalQuote,
    Launched,
    Opened,
)
from engine.orderbook import OrderBook, Quote
from engine.transitions import NONE, TERMINAL, IllegalTransition, next_status

TOO_FEW_BIDDERS = "TOO_FEW_BIDDERS"


class Accepted(msgspec.Struct, frozen=True, gc=False):
    """The answer to an accepted bid. Kept for every bid for idempotency, so untracked by the garbage
    collector (gc=False): millions of them must not lengthen collections."""

    ref: str
    price_fen: int
    rank: int | None
    seq: int
    at: int


class Rejected(msgspec.Struct, frozen=True, gc=False):
    ref: str
    code: BidCode


Answer = Accepted | Rejected


class Auction:
    """State rebuilt from events. Read-only for everyone but `apply`."""

    def __init__(self) -> None:
        self.status: str = NONE
        self.seq = 0
        self.terms: Launched | None = None
        self.closes_at = 0
        self.extensions = 0
        self.book = OrderBook()
        self.outcome: Awarded | Failed | Cancelled | None = None
        self._answers: dict[tuple[str, str], Answer] = {}

    # -- construction -------------------------------------------------------------------------

    @staticmethod
    def launch(cmd: Launch) -> list[Event]:
        """The events that create an auction; the shell has checked the launch rules (engine.launch)."""
        closes_at = cmd.opens_at + cmd.duration_s * 1000
        ceiling = min(cmd.budget_fen, cmd.reference_price_fen * cmd.quantity)
        launched = Launched(
            seq=1, at=cmd.at, auction_id=cmd.auction_id, plan_id=cmd.plan_id, batch_no=cmd.batch_no,
            buyer_id=cmd.buyer_id, title=cmd.title, category=cmd.category, sku=cmd.sku,
            quantity=cmd.quantity, budget_fen=cmd.budget_fen, reference_price_fen=cmd.reference_price_fen,
            reference_source=cmd.reference_source, ceiling_fen=ceiling, mode=cmd.mode,
            opens_at=cmd.opens_at, closes_at=closes_at, min_decrement_fen=cmd.min_decrement_fen,
            extension_s=cmd.extension_s, max_extensions=cmd.max_extensions, min_bidders=cmd.min_bidders,
            plan_deadline=cmd.plan_deadline, reference_observed_at=cmd.reference_observed_at,
        )
        if cmd.at >= cmd.opens_at:
            return [launched, Opened(seq=2, at=cmd.at)]
        return [launched]

    @classmethod
    def replay(cls, events: list[Event]) -> "Auction":
        auction = cls()
        for event in events:
            auction.apply(event)
        return auction

    # -- queries ------------------------------------------------------------------------------

    @property
    def t(self) -> Launched:
        if self.terms is None:
            raise IllegalTransition("the auction has not been launched")
        return self.terms

    @property
    def sealed(self) -> bool:
        return self.t.mode == "sealed"

    def next_deadline(self) -> int | None:
        """When the shell must send a `Tick`: the opening, then the close; None once finished."""
        if self.status == "scheduled":
            return self.t.opens_at
        if self.status == "open":
            return self.closes_at
        return None

    def best_fen(self) -> int | None:
        """The public best price: hidden (None) in sealed mode."""
        best = self.book.best()
        return None if best is None or self.sealed else best.price_fen

    def you(self, supplier_id: str) -> tuple[int | None, int | None]:
        """A supplier's own (last quote, rank); rank is hidden in sealed mode."""
        quote = self.book.quote_of(supplier_id)
        if quote is None:
            return None, None
        return quote.price_fen, None if self.sealed else self.book.rank(supplier_id)

    def answer_for(self, supplier_id: str, ref: str) -> Answer | None:
        return self._answers.get((supplier_id, ref))

    # -- decisions ----------------------------------------------------------------------------

    def decide(self, cmd: AuctionCommand) -> list[Event]:
        match cmd:
            case PlaceBid():
                return self._decide_bid(cmd)
            case Tick():
                return self._decide_tick(cmd.at)
            case Cancel():
                # Cancelling is for before the close; at `closes_at` the auction is due to close
                # whether or not the Tick has arrived yet.
                if self.status not in ("scheduled", "open") or cmd.at >= self.closes_at:
                    return []
                return [Cancelled(seq=self.seq + 1, at=cmd.at, by=cmd.by, reason=cmd.reason)]
            case Launch():
                raise IllegalTransition("an auction is launched once, with Auction.launch")

    def _decide_bid(self, cmd: PlaceBid) -> list[Event]:
        if (cmd.supplier_id, cmd.ref) in self._answers:
            return []
        events: list[Event] = []
        status = self.status
        if status == "scheduled" and cmd.at >= self.t.opens_at:
            events.append(Opened(seq=self.seq + 1, at=cmd.at))
            status = "open"
        seq = self.seq + len(events) + 1
        code = self._check_bid(cmd, status)
        if code is not None:
            events.append(BidRejected(
                seq=seq, at=cmd.at, supplier_id=cmd.supplier_id, ref=cmd.ref,
                price_fen=cmd.price_fen, code=code,
            ))
            return events
        events.append(BidAccepted(
            seq=seq, at=cmd.at, supplier_id=cmd.supplier_id, ref=cmd.ref, price_fen=cmd.price_fen,
        ))
        new_close = self._extended_close(cmd)
        if new_close is not None:
            events.append(Extended(seq=seq + 1, at=cmd.at, closes_at=new_close, extensions=self.extensions + 1))
        return events

    def _check_bid(self, cmd: PlaceBid, status: str) -> BidCode | None:
        terms = self.t
        if status != "open" or cmd.at >= self.closes_at:
            return BidCode.AUCTION_NOT_OPEN
        if not cmd.eligible:
            return BidCode.NOT_ELIGIBLE
        if cmd.price_fen > terms.ceiling_fen:
            return BidCode.ABOVE_CEILING
        previous = self.book.quote_of(cmd.supplier_id)
        if previous is not None:
            if terms.mode == "sealed":
                return BidCode.ALREADY_QUOTED
            if cmd.price_fen > previous.price_fen - terms.min_decrement_fen:
                return BidCode.NOT_LOWER
        return None

    def _extended_close(self, cmd: PlaceBid) -> int | None:
        """Anti-sniping: a bid that lowers the best price within `extension_s` of the close moves the
        close to bid time + `extension_s`, at most `max_extensions` times, never past the plan deadline."""
        terms = self.t
        window = terms.extension_s * 1000
        if window <= 0 or self.closes_at - cmd.at > window:
            return None
        if terms.max_extensions is not None and self.extensions >= terms.max_extensions:
            return None
        best = self.book.best()
        if best is not None and cmd.price_fen >= best.price_fen:
            return None
        new_close = min(cmd.at + window, terms.plan_deadline)
        return new_close if new_close > self.closes_at else None

    def _decide_tick(self, at: int) -> list[Event]:
        events: list[Event] = []
        status = self.status
        if status == "scheduled" and at >= self.t.opens_at:
            events.append(Opened(seq=self.seq + 1, at=at))
            status = "open"
        if status == "open" and at >= self.closes_at:
            seq = self.seq + len(events)
            events.append(Closed(seq=seq + 1, at=at))
            events.append(self._award(seq + 2, at))
        return events

    def _award(self, seq: int, at: int) -> Awarded | Failed:
        terms = self.t
        ranked = self.book.ranked()
        bids = [FinalQuote(rank=i + 1, supplier_id=q.supplier_id, price_fen=q.price_fen, at=q.at)
                for i, q in enumerate(ranked)]
        if len(ranked) < terms.min_bidders or not ranked:
            return Failed(seq=seq, at=at, reason=TOO_FEW_BIDDERS, bidders=len(ranked), bids=bids)
        winner = ranked[0]
        # Half-up rounding of the total over the quantity: the unit price is informative, the total binds.
        unit = (2 * winner.price_fen + terms.quantity) // (2 * terms.quantity)
        return Awarded(
            seq=seq, at=at, winner_id=winner.supplier_id, price_fen=winner.price_fen, unit_price_fen=unit,
            savings_fen=terms.budget_fen - winner.price_fen, bidders=len(ranked), bids=bids,
        )

    # -- the only mutation --------------------------------------------------------------------

    def apply(self, event: Event) -> None:
        """Apply one event: the only mutation, and all that replay does."""
        new_status = next_status(self.status, EVENT_TYPES[type(event)])
        if event.seq != self.seq + 1:
            raise IllegalTransition(f"event seq {event.seq} does not follow {self.seq}")
        match event:
            case BidAccepted():
                self.book.place(Quote(event.supplier_id, event.price_fen, event.seq, event.at))
                rank = None if self.sealed else self.book.rank(event.supplier_id)
                self._answers[(event.supplier_id, event.ref)] = Accepted(
                    event.ref, event.price_fen, rank, event.seq, event.at)
            case BidRejected():
                self._answers[(event.supplier_id, event.ref)] = Rejected(event.ref, BidCode(event.code))
            case Launched():
                self.terms = event
                self.closes_at = event.closes_at
            case Extended():
                self.closes_at = event.closes_at
                self.extensions = event.extensions
            case Awarded() | Failed() | Cancelled():
                self.outcome = event
        self.status = new_status
        self.seq = event.seq

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL
