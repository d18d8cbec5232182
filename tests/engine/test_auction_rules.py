"""Every bid rule of API.md ("Auctions"), driven through `decide`/`apply` with a fixed clock."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.auction import TOO_FEW_BIDDERS, Accepted, Auction, Rejected
from engine.codes import BidCode
from engine.commands import Cancel, Launch, PlaceBid, Tick
from engine.events import (
    Awarded,
    BidAccepted,
    BidRejected,
    Cancelled,
    Closed,
    Extended,
    Failed,
    FinalQuote,
    Launched,
    Opened,
)
from engine.ratelimit import BidRate
from engine.transitions import IllegalTransition
from tests.engine.support import (
    CLOSES_AT,
    OPENS_AT,
    T0,
    bid,
    launch_cmd,
    launched,
    run,
    snapshot,
)


def only(events: list, kind: type) -> list:
    return [e for e in events if isinstance(e, kind)]


def rejected_code(events: list) -> str:
    (event,) = only(events, BidRejected)
    assert not only(events, BidAccepted)
    return event.code


def open_auction(**overrides) -> Auction:
    auction = launched(at=OPENS_AT, **overrides)
    assert auction.status == "open"
    return auction


# -- launch --------------------------------------------------------------------------------------


def test_launch_before_opens_at_is_scheduled_with_the_terms() -> None:
    events = Auction.launch(launch_cmd())
    assert [type(e) for e in events] == [Launched]
    (terms,) = events
    assert (terms.seq, terms.at) == (1, T0)
    assert terms.closes_at == CLOSES_AT
    auction = Auction.replay(events)
    assert auction.status == "scheduled"
    assert auction.closes_at == CLOSES_AT
    assert auction.next_deadline() == OPENS_AT


@pytest.mark.parametrize("at", [OPENS_AT, OPENS_AT + 1])
def test_launch_at_or_after_opens_at_opens_at_once(at: int) -> None:
    events = Auction.launch(launch_cmd(at=at))
    assert [type(e) for e in events] == [Launched, Opened]
    assert [e.seq for e in events] == [1, 2]
    assert Auction.replay(events).status == "open"


def test_launch_is_refused_as_a_command() -> None:
    with pytest.raises(IllegalTransition):
        launched().decide(launch_cmd())


# -- AUCTION_NOT_OPEN ----------------------------------------------------------------------------


def test_a_bid_before_opens_at_is_rejected_and_the_auction_stays_scheduled() -> None:
    auction = launched()
    events = run(auction, bid(OPENS_AT - 1, "S1", 4_000_000, ref="r1"))
    assert [type(e) for e in events] == [BidRejected]
    assert rejected_code(events) == BidCode.AUCTION_NOT_OPEN
    assert auction.status == "scheduled"
    assert auction.book.bidders == 0
    assert auction.answer_for("S1", "r1") == Rejected("r1", BidCode.AUCTION_NOT_OPEN)


@pytest.mark.parametrize("at", [OPENS_AT, OPENS_AT + 1, CLOSES_AT - 1])
def test_a_bid_at_or_after_opens_at_opens_the_auction_and_is_accepted_in_the_same_decision(at: int) -> None:
    auction = launched()
    events = run(auction, bid(at, "S1", 4_000_000, ref="r1"))
    assert [type(e) for e in events] == [Opened, BidAccepted]
    assert [e.seq for e in events] == [2, 3]
    assert auction.status == "open"
    assert auction.answer_for("S1", "r1") == Accepted("r1", 4_000_000, 1, 3, at)


@pytest.mark.parametrize("at", [CLOSES_AT, CLOSES_AT + 1])
def test_a_bid_at_or_after_closes_at_is_rejected_even_before_the_tick(at: int) -> None:
    auction = open_auction()
    run(auction, bid(CLOSES_AT - 1, "S1", 4_000_000))
    events = run(auction, bid(at, "S2", 3_000_000))
    assert rejected_code(events) == BidCode.AUCTION_NOT_OPEN
    assert not only(events, Extended)
    assert [q.supplier_id for q in auction.book.ranked()] == ["S1"]


def test_a_bid_to_a_scheduled_auction_after_its_close_time_is_rejected() -> None:
    auction = launched()
    events = run(auction, bid(CLOSES_AT, "S1", 4_000_000))
    assert rejected_code(events) == BidCode.AUCTION_NOT_OPEN
    assert auction.book.bidders == 0


@pytest.mark.parametrize("end", ["awarded", "failed", "cancelled"])
def test_a_bid_to_a_finished_auction_is_recorded_as_rejected(end: str) -> None:
    auction = open_auction(min_bidders=1 if end == "awarded" else 3)
    run(auction, bid(OPENS_AT + 1, "S1", 4_000_000))
    if end == "cancelled":
        run(auction, Cancel(at=OPENS_AT + 2, by="admin:1", reason="r"))
    else:
        run(auction, Tick(at=CLOSES_AT))
    assert auction.status == end
    outcome = auction.outcome
    events = run(auction, bid(OPENS_AT + 3, "S2", 3_000_000, ref="late"))
    assert [type(e) for e in events] == [BidRejected]
    assert rejected_code(events) == BidCode.AUCTION_NOT_OPEN
    assert auction.status == end
    assert auction.outcome == outcome
    assert auction.answer_for("S2", "late") == Rejected("late", BidCode.AUCTION_NOT_OPEN)


# -- NOT_ELIGIBLE, ABOVE_CEILING -----------------------------------------------------------------


def test_an_ineligible_supplier_is_rejected() -> None:
    auction = open_auction()
    events = run(auction, bid(OPENS_AT + 1, "S1", 4_000_000, eligible=False))
    assert rejected_code(events) == BidCode.NOT_ELIGIBLE
    assert auction.book.bidders == 0


def test_not_open_is_checked_before_eligibility_and_eligibility_before_the_ceiling() -> None:
    auction = launched()
    assert rejected_code(run(auction, bid(OPENS_AT - 1, "S1", 9_999_999, eligible=False))) == "AUCTION_NOT_OPEN"
    auction = open_auction()
    assert rejected_code(run(auction, bid(OPENS_AT + 1, "S1", 9_999_999, eligible=False))) == "NOT_ELIGIBLE"


@pytest.mark.parametrize(
    ("budget", "reference", "quantity", "ceiling"),
    [
        (5_000_000, 600_000, 10, 5_000_000),  # the budget binds
        (5_000_000, 400_000, 10, 4_000_000),  # the reference × quantity binds
        (5_000_000, 500_000, 10, 5_000_000),  # equal
    ],
)
def test_ceiling_is_min_of_budget_and_reference_times_quantity(
    budget: int, reference: int, quantity: int, ceiling: int
) -> None:
    auction = open_auction(budget_fen=budget, reference_price_fen=reference, quantity=quantity)
    assert auction.t.ceiling_fen == ceiling
    assert rejected_code(run(auction, bid(OPENS_AT + 1, "S1", ceiling + 1))) == BidCode.ABOVE_CEILING
    events = run(auction, bid(OPENS_AT + 2, "S1", ceiling))
    assert [type(e) for e in events] == [BidAccepted]
    assert auction.book.quote_of("S1").price_fen == ceiling


# -- NOT_LOWER (open mode) -----------------------------------------------------------------------


def test_not_lower_is_against_the_suppliers_own_last_bid_not_the_best() -> None:
    auction = open_auction(min_decrement_fen=100)
    run(auction, bid(OPENS_AT + 1, "S1", 4_000_000))
    run(auction, bid(OPENS_AT + 2, "S2", 3_000_000))
    # S1 need not beat the best (3_000_000), only its own 4_000_000 by 100.
    for price in (4_000_000, 3_999_901, 4_100_000):
        assert rejected_code(run(auction, bid(OPENS_AT + 3, "S1", price))) == BidCode.NOT_LOWER
    events = run(auction, bid(OPENS_AT + 4, "S1", 3_999_900, ref="ok"))
    assert [type(e) for e in events] == [BidAccepted]
    assert auction.answer_for("S1", "ok").rank == 2
    assert auction.best_fen() == 3_000_000
    assert auction.you("S1") == (3_999_900, 2)
    # A rejected bid does not become the supplier's "previous bid".
    assert rejected_code(run(auction, bid(OPENS_AT + 5, "S1", 9_000_000))) == BidCode.ABOVE_CEILING
    assert [type(e) for e in run(auction, bid(OPENS_AT + 6, "S1", 3_999_800))] == [BidAccepted]


def test_a_first_bid_may_be_above_the_best() -> None:
    auction = open_auction()
    run(auction, bid(OPENS_AT + 1, "S1", 3_000_000))
    events = run(auction, bid(OPENS_AT + 2, "S2", 4_500_000, ref="hi"))
    assert [type(e) for e in events] == [BidAccepted]
    assert auction.answer_for("S2", "hi").rank == 2


# -- sealed mode ---------------------------------------------------------------------------------


def test_sealed_mode_takes_one_quote_and_hides_best_and_rank() -> None:
    auction = open_auction(mode="sealed")
    assert auction.sealed
    events = auction.decide(bid(OPENS_AT + 1, "S1", 4_000_000, ref="a"))
    (accepted,) = events
    auction.apply(accepted)
    auction.book.check_invariants()
    assert auction.answer_for("S1", "a") == Accepted("a", 4_000_000, None, accepted.seq, OPENS_AT + 1)
    assert auction.best_fen() is None
    assert auction.you("S1") == (4_000_000, None)
    (second,) = auction.decide(bid(OPENS_AT + 2, "S2", 3_000_000, ref="b"))
    auction.apply(second)
    auction.book.check_invariants()
    assert auction.best_fen() is None
    assert auction.you("S2") == (3_000_000, None)
    assert rejected_code(run(auction, bid(OPENS_AT + 3, "S1", 2_000_000))) == BidCode.ALREADY_QUOTED
    assert auction.book.quote_of("S1").price_fen == 4_000_000
    run(auction, bid(OPENS_AT + 4, "S3", 3_500_000))
    events = run(auction, Tick(at=CLOSES_AT))
    (award,) = only(events, Awarded)
    assert (award.winner_id, award.price_fen) == ("S2", 3_000_000)


def test_open_mode_shows_best_and_rank() -> None:
    auction = open_auction()
    assert auction.best_fen() is None
    assert auction.you("S1") == (None, None)
    run(auction, bid(OPENS_AT + 1, "S1", 4_000_000))
    assert auction.best_fen() == 4_000_000
    assert auction.you("S1") == (4_000_000, 1)


# -- ranking -------------------------------------------------------------------------------------


def test_equal_prices_rank_the_earlier_first() -> None:
    auction = open_auction(min_bidders=2)

    def ranks() -> dict[str, int | None]:
        return {s: auction.you(s)[1] for s in ("S1", "S2", "S3") if auction.you(s)[1] is not None}

    (first,) = auction.decide(bid(OPENS_AT + 1, "S1", 4_000_000, ref="a"))
    auction.apply(first)
    assert ranks() == {"S1": 1}
    (second,) = auction.decide(bid(OPENS_AT + 2, "S2", 4_000_000, ref="b"))
    auction.apply(second)
    assert ranks() == {"S1": 1, "S2": 2}
    assert auction.answer_for("S2", "b").rank == 2
    (third,) = auction.decide(bid(OPENS_AT + 3, "S3", 3_900_000, ref="c"))
    auction.apply(third)
    assert ranks() == {"S3": 1, "S1": 2, "S2": 3}
    (fourth,) = auction.decide(bid(OPENS_AT + 4, "S2", 3_900_000, ref="d"))
    auction.apply(fourth)
    assert ranks() == {"S3": 1, "S2": 2, "S1": 3}
    auction.book.check_invariants()
    award = only(run(auction, Tick(at=CLOSES_AT)), Awarded)[0]
    assert award.winner_id == "S3"
    assert [(q.rank, q.supplier_id, q.price_fen) for q in award.bids] == [
        (1, "S3", 3_900_000), (2, "S2", 3_900_000), (3, "S1", 4_000_000)
    ]


# -- idempotent ref ------------------------------------------------------------------------------


def test_a_repeated_ref_of_an_accepted_bid_decides_nothing() -> None:
    auction = open_auction()
    run(auction, bid(OPENS_AT + 1, "S1", 4_000_000, ref="r"))
    first = auction.answer_for("S1", "r")
    assert isinstance(first, Accepted)
    before = snapshot(auction)
    for repeat in (bid(OPENS_AT + 2, "S1", 3_000_000, ref="r"), bid(OPENS_AT + 2, "S1", 9_999_999, ref="r")):
        assert auction.decide(repeat) == []
    assert snapshot(auction) == before
    assert auction.answer_for("S1", "r") == first
    # The key is per supplier: another supplier's identical ref is its own bid.
    assert [type(e) for e in run(auction, bid(OPENS_AT + 3, "S2", 3_000_000, ref="r"))] == [BidAccepted]


def test_a_repeated_ref_of_a_rejected_bid_decides_nothing_even_if_it_would_now_pass() -> None:
    auction = launched()
    run(auction, bid(OPENS_AT - 1, "S1", 4_000_000, ref="early"))
    run(auction, bid(OPENS_AT, "S2", 9_999_999, ref="high"))
    assert auction.status == "open"
    assert auction.decide(bid(OPENS_AT + 1, "S1", 4_000_000, ref="early")) == []
    assert auction.decide(bid(OPENS_AT + 1, "S2", 4_000_000, ref="high")) == []
    assert auction.answer_for("S1", "early") == Rejected("early", BidCode.AUCTION_NOT_OPEN)
    assert auction.answer_for("S2", "high") == Rejected("high", BidCode.ABOVE_CEILING)
    assert auction.answer_for("S1", "never") is None


def test_a_repeated_ref_after_close_decides_nothing() -> None:
    auction = open_auction(min_bidders=1)
    run(auction, bid(OPENS_AT + 1, "S1", 4_000_000, ref="r"))
    run(auction, Tick(at=CLOSES_AT))
    assert auction.decide(bid(CLOSES_AT + 1, "S1", 4_000_000, ref="r")) == []
    assert isinstance(auction.answer_for("S1", "r"), Accepted)


# -- anti-sniping --------------------------------------------------------------------------------

WINDOW = 120_000


def sniping_auction(**overrides) -> Auction:
    terms = {"extension_s": 120, "max_extensions": 2, "min_bidders": 1}
    terms.update(overrides)
    auction = open_auction(**terms)
    run(auction, bid(OPENS_AT + 1, "S1", 4_000_000))
    return auction


def test_an_improving_bid_within_the_window_extends_to_bid_time_plus_extension() -> None:
    auction = sniping_auction()
    at = CLOSES_AT - 60_000
    events = run(auction, bid(at, "S2", 3_900_000))
    assert [type(e) for e in events] == [BidAccepted, Extended]
    (extended,) = only(events, Extended)
    assert (extended.closes_at, extended.extensions, extended.seq) == (at + WINDOW, 1, events[0].seq + 1)
    assert (auction.closes_at, auction.extensions) == (at + WINDOW, 1)
    assert auction.next_deadline() == at + WINDOW
    # The original close passes: bids are still taken and a Tick does not close.
    assert run(auction, Tick(at=CLOSES_AT)) == []
    assert [type(e) for e in run(auction, bid(CLOSES_AT + 1, "S3", 4_500_000))] == [BidAccepted]
    assert auction.status == "open"
    assert [type(e) for e in run(auction, Tick(at=at + WINDOW))] == [Closed, Awarded]


def test_the_window_edge() -> None:
    auction = sniping_auction()
    assert only(run(auction, bid(CLOSES_AT - WINDOW - 1, "S2", 3_900_000)), Extended) == []
    assert auction.closes_at == CLOSES_AT
    # Exactly extension_s before the close: "moves" it to where it already is.
    assert only(run(auction, bid(CLOSES_AT - WINDOW, "S3", 3_800_000)), Extended) == []
    events = run(auction, bid(CLOSES_AT - WINDOW + 1, "S4", 3_700_000))
    assert only(events, Extended)[0].closes_at == CLOSES_AT + 1


@pytest.mark.parametrize("price", [4_000_000, 4_100_000])
def test_a_bid_that_does_not_lower_the_best_does_not_extend(price: int) -> None:
    auction = sniping_auction()
    events = run(auction, bid(CLOSES_AT - 1000, "S2", price))
    assert [type(e) for e in events] == [BidAccepted]
    assert (auction.closes_at, auction.extensions) == (CLOSES_AT, 0)


def test_a_rejected_bid_does_not_extend() -> None:
    auction = sniping_auction()
    for command in (
        bid(CLOSES_AT - 1000, "S2", 3_000_000, eligible=False),
        bid(CLOSES_AT - 1000, "S2", 9_000_000),
        bid(CLOSES_AT - 1000, "S1", 3_999_999),  # NOT_LOWER: lower than best but not by the decrement
    ):
        events = run(auction, command)
        assert [type(e) for e in events] == [BidRejected]
    assert (auction.closes_at, auction.extensions) == (CLOSES_AT, 0)


def test_the_best_supplier_lowering_its_own_bid_extends() -> None:
    auction = sniping_auction()
    events = run(auction, bid(CLOSES_AT - 1000, "S1", 3_999_000))
    assert only(events, Extended)


def test_max_extensions_caps_the_extensions() -> None:
    auction = sniping_auction(max_extensions=2)
    price, at = 4_000_000, CLOSES_AT - 1000
    for n in (1, 2):
        price -= 1000
        events = run(auction, bid(at, f"S{n + 1}", price))
        assert only(events, Extended)[0].extensions == n
        at = auction.closes_at - 1000
    capped = auction.closes_at
    events = run(auction, bid(at, "S9", price - 1000))
    assert [type(e) for e in events] == [BidAccepted]
    assert (auction.closes_at, auction.extensions) == (capped, 2)


def test_zero_max_extensions_and_zero_extension_s_never_extend() -> None:
    for terms in ({"max_extensions": 0}, {"extension_s": 0, "max_extensions": None}):
        auction = sniping_auction(**terms)
        assert only(run(auction, bid(CLOSES_AT - 1, "S2", 1)), Extended) == []
        assert auction.closes_at == CLOSES_AT


def test_no_cap_extends_until_the_plan_deadline_and_never_past_it() -> None:
    deadline = CLOSES_AT + 300_000
    auction = sniping_auction(max_extensions=None, plan_deadline=deadline)
    price = 4_000_000
    for _ in range(10):
        price -= 1000
        run(auction, bid(auction.closes_at - 1000, f"S{price}", price))
        assert auction.closes_at <= deadline
    assert auction.closes_at == deadline
    assert auction.extensions == 3  # +119 s, +119 s, then clipped to the deadline
    events = run(auction, bid(deadline - 1, "S0", 1))
    assert [type(e) for e in events] == [BidAccepted]
    assert auction.closes_at == deadline


def test_an_extension_clipped_by_the_plan_deadline() -> None:
    auction = sniping_auction(plan_deadline=CLOSES_AT + 30_000)
    events = run(auction, bid(CLOSES_AT - 10_000, "S2", 3_000_000))
    assert only(events, Extended)[0].closes_at == CLOSES_AT + 30_000


# -- close ---------------------------------------------------------------------------------------


def test_close_awards_rank_one_with_each_suppliers_final_quote() -> None:
    auction = open_auction(min_bidders=3, quantity=10, budget_fen=5_000_000)
    run(auction, bid(OPENS_AT + 1, "S1", 4_000_000))
    run(auction, bid(OPENS_AT + 2, "S2", 3_900_000))
    run(auction, bid(OPENS_AT + 3, "S3", 3_950_000))
    run(auction, bid(OPENS_AT + 4, "S1", 3_800_000))
    run(auction, bid(OPENS_AT + 5, "S4", 9_000_000, eligible=False))
    assert run(auction, Tick(at=CLOSES_AT - 1)) == []
    assert auction.next_deadline() == CLOSES_AT
    events = run(auction, Tick(at=CLOSES_AT))
    assert [type(e) for e in events] == [Closed, Awarded]
    award = events[1]
    assert award == Awarded(
        seq=events[0].seq + 1, at=CLOSES_AT, winner_id="S1", price_fen=3_800_000, unit_price_fen=380_000,
        savings_fen=1_200_000, bidders=3,
        bids=[
            FinalQuote(rank=1, supplier_id="S1", price_fen=3_800_000, at=OPENS_AT + 4),
            FinalQuote(rank=2, supplier_id="S2", price_fen=3_900_000, at=OPENS_AT + 2),
            FinalQuote(rank=3, supplier_id="S3", price_fen=3_950_000, at=OPENS_AT + 3),
        ],
    )
    assert auction.status == "awarded"
    assert auction.outcome == award
    assert auction.finished
    assert auction.next_deadline() is None
    assert run(auction, Tick(at=CLOSES_AT + 1)) == [], "closes exactly once"


@pytest.mark.parametrize(
    ("price", "quantity", "unit"),
    [(3_800_005, 10, 380_001), (3_800_004, 10, 380_000), (100, 3, 33), (200, 3, 67), (7, 7, 1), (1, 2, 1)],
)
def test_unit_price_is_total_over_quantity_rounded_half_up(price: int, quantity: int, unit: int) -> None:
    auction = open_auction(min_bidders=1, quantity=quantity, budget_fen=10_000_000, reference_price_fen=10_000_000)
    run(auction, bid(OPENS_AT + 1, "S1", price))
    award = only(run(auction, Tick(at=CLOSES_AT)), Awarded)[0]
    assert award.unit_price_fen == unit
    assert award.savings_fen == 10_000_000 - price


@pytest.mark.parametrize("bidders", [0, 1, 2])
def test_too_few_bidders_fails(bidders: int) -> None:
    auction = open_auction(min_bidders=3)
    for i in range(bidders):
        run(auction, bid(OPENS_AT + 1 + i, f"S{i}", 4_000_000 - i))
        run(auction, bid(OPENS_AT + 10 + i, f"S{i}", 3_000_000 - i))  # several bids, one bidder each
    events = run(auction, Tick(at=CLOSES_AT))
    assert [type(e) for e in events] == [Closed, Failed]
    failed = events[1]
    assert failed.reason == TOO_FEW_BIDDERS == "TOO_FEW_BIDDERS"
    assert failed.bidders == bidders
    assert [(q.rank, q.price_fen) for q in failed.bids] == [(i + 1, 3_000_000 - bidders + 1 + i) for i in
                                                           range(bidders)]
    assert auction.status == "failed"
    assert auction.outcome == failed
    assert auction.next_deadline() is None


def test_exactly_min_bidders_awards() -> None:
    auction = open_auction(min_bidders=2)
    run(auction, bid(OPENS_AT + 1, "S1", 4_000_000))
    run(auction, bid(OPENS_AT + 2, "S2", 4_100_000))
    assert only(run(auction, Tick(at=CLOSES_AT)), Awarded)[0].winner_id == "S1"


def test_a_tick_opens_then_a_late_tick_opens_and_closes_at_once() -> None:
    auction = launched()
    assert run(auction, Tick(at=OPENS_AT - 1)) == []
    assert [type(e) for e in run(auction, Tick(at=OPENS_AT))] == [Opened]
    assert auction.next_deadline() == CLOSES_AT
    late = launched()
    assert [type(e) for e in run(late, Tick(at=CLOSES_AT + 5))] == [Opened, Closed, Failed]
    assert late.status == "failed"


# -- cancel --------------------------------------------------------------------------------------


@pytest.mark.parametrize("open_first", [False, True])
def test_cancel_before_close(open_first: bool) -> None:
    auction = open_auction() if open_first else launched()
    at = OPENS_AT + 5 if open_first else OPENS_AT - 5
    events = run(auction, Cancel(at=at, by="buyer:unit-1", reason="no longer needed"))
    assert events == [Cancelled(seq=auction.seq, at=at, by="buyer:unit-1", reason="no longer needed")]
    assert auction.status == "cancelled"
    assert auction.outcome == events[0]
    assert auction.next_deadline() is None
    assert run(auction, Tick(at=CLOSES_AT)) == []
    assert run(auction, Cancel(at=at + 1, by="admin:1", reason="again")) == []


@pytest.mark.parametrize("end", ["awarded", "failed"])
def test_cancel_after_close_decides_nothing(end: str) -> None:
    auction = open_auction(min_bidders=1)
    if end == "awarded":
        run(auction, bid(OPENS_AT + 1, "S1", 4_000_000))
    run(auction, Tick(at=CLOSES_AT))
    assert auction.status == end
    before = snapshot(auction)
    assert run(auction, Cancel(at=CLOSES_AT + 1, by="admin:1", reason="too late")) == []
    assert snapshot(auction) == before


@pytest.mark.parametrize("at", [CLOSES_AT, CLOSES_AT + 1])
def test_cancel_at_or_after_closes_at_before_the_tick_does_not_cancel(at: int) -> None:
    """API.md: cancel is allowed "before close", and the auction closes at `closes_at` whether or not the
    Tick has arrived (the bid path already treats `at >= closes_at` as closed). A Cancel stamped at or after
    `closes_at` that reaches the engine before the scheduler's Tick must not turn an auction that is due to be
    awarded into a cancelled one."""
    auction = open_auction(min_bidders=1)
    run(auction, bid(OPENS_AT + 1, "S1", 4_000_000))
    assert run(auction, Cancel(at=at, by="buyer:unit-1", reason="changed my mind")) == []
    assert auction.status == "open"
    assert [type(e) for e in run(auction, Tick(at=at))] == [Closed, Awarded]


def test_cancel_one_ms_before_closes_at_still_cancels() -> None:
    auction = open_auction(min_bidders=1)
    run(auction, bid(OPENS_AT + 1, "S1", 4_000_000))
    assert [type(e) for e in run(auction, Cancel(at=CLOSES_AT - 1, by="admin:1", reason="r"))] == [Cancelled]


# -- next_deadline -------------------------------------------------------------------------------


def test_next_deadline_in_each_status() -> None:
    assert Auction().next_deadline() is None
    auction = launched()
    assert auction.next_deadline() == OPENS_AT
    run(auction, Tick(at=OPENS_AT))
    assert auction.next_deadline() == CLOSES_AT
    closing = Auction.replay(Auction.launch(launch_cmd(at=OPENS_AT, min_bidders=1)))
    run(closing, bid(OPENS_AT + 1, "S1", 4_000_000))
    events = closing.decide(Tick(at=CLOSES_AT))
    closing.apply(events[0])
    assert closing.status == "closed"
    assert closing.next_deadline() is None
    closing.apply(events[1])
    assert closing.next_deadline() is None


# -- the rules combined, against an independent model --------------------------------------------

EXT_S = 5
SHORT_S = 20


class Model:
    """API.md's bid rules written out plainly, for a short auction with a 5 s anti-sniping window."""

    def __init__(self, launch: Launch) -> None:
        self.launch = launch
        self.status = "open" if launch.at >= launch.opens_at else "scheduled"
        self.closes_at = launch.opens_at + launch.duration_s * 1000
        self.decrement = launch.min_decrement_fen
        self.ceiling = min(launch.budget_fen, launch.reference_price_fen * launch.quantity)
        self.extensions = 0
        self.last: dict[str, tuple[int, int]] = {}  # supplier -> (price, acceptance order)
        self.order = 0
        self.answers: dict[tuple[str, str], str] = {}
        self.extended_last = False

    def best(self) -> int | None:
        return min((p for p, _ in self.last.values()), default=None)

    def bid(self, cmd: PlaceBid) -> str | None:
        """The answer code ('ACCEPTED' or a BidCode), or None if the ref repeats."""
        key = (cmd.supplier_id, cmd.ref)
        if key in self.answers:
            return None
        if self.status == "scheduled" and cmd.at >= self.launch.opens_at:
            self.status = "open"
        code = "ACCEPTED"
        if self.status != "open" or cmd.at >= self.closes_at:
            code = "AUCTION_NOT_OPEN"
        elif not cmd.eligible:
            code = "NOT_ELIGIBLE"
        elif cmd.price_fen > self.ceiling:
            code = "ABOVE_CEILING"
        elif cmd.supplier_id in self.last and self.launch.mode == "sealed":
            code = "ALREADY_QUOTED"
        elif cmd.supplier_id in self.last and cmd.price_fen > self.last[cmd.supplier_id][0] - self.decrement:
            code = "NOT_LOWER"
        self.answers[key] = code
        self.extended_last = False
        if code == "ACCEPTED":
            best = self.best()
            lowers = best is None or cmd.price_fen < best
            cap = self.launch.max_extensions
            if (lowers and self.closes_at - cmd.at <= EXT_S * 1000
                    and (cap is None or self.extensions < cap)
                    and min(cmd.at + EXT_S * 1000, self.launch.plan_deadline) > self.closes_at):
                self.closes_at = min(cmd.at + EXT_S * 1000, self.launch.plan_deadline)
                self.extensions += 1
                self.extended_last = True
            self.order += 1
            self.last[cmd.supplier_id] = (cmd.price_fen, self.order)
        return code

    def tick(self, at: int) -> None:
        if self.status == "scheduled" and at >= self.launch.opens_at:
            self.status = "open"
        if self.status == "open" and at >= self.closes_at:
            self.status = "awarded" if len(self.last) >= self.launch.min_bidders and self.last else "failed"

    def cancel(self, at: int) -> None:
        if self.status in ("scheduled", "open") and at < self.closes_at:
            self.status = "cancelled"

    def ranked(self) -> list[tuple[str, int]]:
        return [(s, p) for s, (p, _) in sorted(self.last.items(), key=lambda kv: kv[1])]


bid_kind = st.tuples(
    st.just("bid"), st.sampled_from(["S1", "S2", "S3", "S4"]), st.integers(900, 1_010),
    st.sampled_from("abcdefghijkl"), st.sampled_from([True, True, True, False]),
)
# Mostly bids, some ticks, a rare cancel.
command_kinds = st.integers(0, 19).flatmap(
    lambda n: st.just(("cancel",)) if n == 0 else st.just(("tick",)) if n < 4 else bid_kind
)


# Times are offsets from opens_at in ms; half of them fall near the 20 s close, where anti-sniping acts.
offsets = st.integers(-3_000, 40_000) | st.integers(SHORT_S * 1000 - 2 * EXT_S * 1000, SHORT_S * 1000 + EXT_S * 1000)


@settings(max_examples=200, deadline=None)
@given(
    mode=st.sampled_from(["open", "sealed"]),
    max_extensions=st.sampled_from([None, 0, 1, 3]),
    slack_s=st.integers(0, 15),
    min_bidders=st.integers(0, 3),
    launch_late=st.booleans(),
    steps=st.lists(st.tuples(offsets, command_kinds), min_size=1, max_size=40),
)
def test_rules_combined_match_the_model(
    mode: str, max_extensions: int | None, slack_s: int, min_bidders: int, launch_late: bool, steps: list
) -> None:
    start = OPENS_AT if launch_late else OPENS_AT - 3_000
    launch = launch_cmd(
        at=start, mode=mode, duration_s=SHORT_S, extension_s=EXT_S, max_extensions=max_extensions,
        min_bidders=min_bidders, budget_fen=1_000, reference_price_fen=105, quantity=10, min_decrement_fen=5,
        plan_deadline=OPENS_AT + (SHORT_S + slack_s) * 1000,
    )
    auction = Auction.replay(Auction.launch(launch))
    model = Model(launch)
    steps = sorted(steps, key=lambda step: step[0])
    steps.append((launch.plan_deadline - OPENS_AT, ("tick",)))
    for offset, kind in steps:
        at = max(start, OPENS_AT + offset)
        if kind[0] == "bid":
            _, supplier, price, ref, eligible = kind
            cmd = bid(at, supplier, price, ref=ref, eligible=eligible)
            expected = model.bid(cmd)
            events = run(auction, cmd)
            if expected is None:
                assert events == []
            else:
                answer = auction.answer_for(supplier, ref)
                got = "ACCEPTED" if isinstance(answer, Accepted) else answer.code
                assert got == expected
                assert len(only(events, BidAccepted) + only(events, BidRejected)) == 1
                assert bool(only(events, Extended)) == (expected == "ACCEPTED" and model.extended_last)
        elif kind[0] == "tick":
            model.tick(at)
            run(auction, Tick(at=at))
        else:
            model.cancel(at)
            run(auction, Cancel(at=at, by="admin:1", reason="r"))
        assert auction.status == model.status
        assert auction.closes_at == model.closes_at <= launch.plan_deadline
        assert auction.extensions == model.extensions
        if max_extensions is not None:
            assert auction.extensions <= max_extensions
        assert [(q.supplier_id, q.price_fen) for q in auction.book.ranked()] == model.ranked()
    assert auction.finished
    assert auction.status == model.status
    if auction.status == "awarded":
        assert auction.outcome.winner_id == model.ranked()[0][0]
        assert auction.outcome.price_fen == model.ranked()[0][1]
    if auction.status != "cancelled":
        assert [(q.supplier_id, q.price_fen) for q in auction.outcome.bids] == model.ranked()


# -- RATE_LIMITED (the shell's limiter, pure) ----------------------------------------------------


def test_bid_rate_allows_n_per_second_per_supplier() -> None:
    rate = BidRate(10)
    second = T0 - T0 % 1000
    assert all(rate.allow("S1", second + i) for i in range(10))
    assert not rate.allow("S1", second + 999)
    assert rate.allow("S2", second + 999), "each supplier has its own budget"
    assert rate.allow("S1", second + 1000), "a new second starts afresh"
    assert sum(rate.allow("S1", second + 1000 + i) for i in range(20)) == 9
    assert BidCode.RATE_LIMITED == "RATE_LIMITED"
