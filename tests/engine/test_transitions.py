"""The state machines: the printed tables equal the code's, and every (state, event) pair behaves
as the table says (legal: the table's status; illegal: an exception and no change)."""

from typing import get_args

import msgspec
import pytest

import engine.filing
import engine.transitions
from engine.auction import Auction
from engine.commands import Cancel, Tick
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
    Opened,
)
from engine.filing import PLAN_TRANSITIONS, IllegalPlanTransition, PlanStatus, plan_next
from engine.transitions import NONE, STATES, TERMINAL, TRANSITIONS, IllegalTransition, Status, next_status
from tests.engine.support import CLOSES_AT, OPENS_AT, bid, launch_cmd, run, snapshot


def docstring_table(doc: str | None) -> dict[tuple[str, str], str]:
    """Parse the three-column table under the `----` rule of a module docstring."""
    assert doc
    lines = doc.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.strip().startswith("----"))
    assert len(lines[rule].split()) == 3, "a three-column rule"
    table: dict[tuple[str, str], str] = {}
    for line in lines[rule + 1:]:
        if not line.strip():
            break
        cells = line.split()
        assert len(cells) == 3, f"malformed table row {line!r}"
        key = (cells[0], cells[1])
        assert key not in table, f"duplicate row {line!r}"
        table[key] = cells[2]
    assert table, "no rows parsed"
    return table


def test_docstring_parser_reads_rows_and_stops_at_the_blank_line() -> None:
    doc = "Title.\n\n    a  b  c\n    ----  ----  ----\n    x  y  z\n    (none)  go  p\n\nmore  text here\n"
    assert docstring_table(doc) == {("x", "y"): "z", ("(none)", "go"): "p"}


# -- the auction -----------------------------------------------------------------------------------


def test_auction_docstring_table_equals_transitions() -> None:
    assert docstring_table(engine.transitions.__doc__) == TRANSITIONS


def test_states_are_none_plus_every_status_and_cover_the_table() -> None:
    assert set(STATES) == {NONE, *get_args(Status)}
    assert len(STATES) == len(set(STATES))
    for (state, event_type), new in TRANSITIONS.items():
        assert state in STATES
        assert new in STATES
        assert event_type in EVENT_TYPES.values()
    assert {"awarded", "failed", "cancelled"} == TERMINAL


def test_every_event_type_appears_in_the_table() -> None:
    assert {event_type for _, event_type in TRANSITIONS} == set(EVENT_TYPES.values())


def _awarded_log() -> list[Event]:
    auction = Auction()
    log: list[Event] = list(Auction.launch(launch_cmd(at=OPENS_AT)))
    for event in log:
        auction.apply(event)
    for i, supplier in enumerate(("S1", "S2", "S3")):
        log += run(auction, bid(OPENS_AT + 1000 * (i + 1), supplier, 4_000_000 - i))
    log += run(auction, Tick(at=CLOSES_AT))
    assert auction.status == "awarded"
    return log


def _failed_log() -> list[Event]:
    auction = Auction()
    log: list[Event] = list(Auction.launch(launch_cmd()))
    for event in log:
        auction.apply(event)
    log += run(auction, Tick(at=CLOSES_AT))
    assert auction.status == "failed"
    assert [type(e) for e in log] == [type(log[0]), Opened, Closed, Failed]
    return log


def _cancelled_log() -> list[Event]:
    auction = Auction()
    log: list[Event] = list(Auction.launch(launch_cmd()))
    for event in log:
        auction.apply(event)
    log += run(auction, Cancel(at=OPENS_AT - 1, by="unit-1", reason="budget withdrawn"))
    assert auction.status == "cancelled"
    return log


def log_reaching(state: str) -> list[Event]:
    """A real event log (produced by `launch`/`decide`) whose replay ends in `state`."""
    if state == NONE:
        return []
    if state == "scheduled":
        return list(Auction.launch(launch_cmd()))
    if state == "open":
        return list(Auction.launch(launch_cmd(at=OPENS_AT)))
    if state == "closed":
        log = _awarded_log()
        assert isinstance(log[-1], Awarded) and isinstance(log[-2], Closed)
        return log[:-1]
    if state == "awarded":
        return _awarded_log()
    if state == "failed":
        return _failed_log()
    if state == "cancelled":
        return _cancelled_log()
    raise AssertionError(state)


def event_of_type(event_type: str, seq: int) -> Event:
    at = OPENS_AT + 5_000
    quotes = [FinalQuote(rank=1, supplier_id="S1", price_fen=3_000_000, at=at)]
    match event_type:
        case "launched":
            return msgspec.structs.replace(Auction.launch(launch_cmd())[0], seq=seq)
        case "opened":
            return Opened(seq=seq, at=at)
        case "bid_accepted":
            return BidAccepted(seq=seq, at=at, supplier_id="S9", ref="x", price_fen=3_000_000)
        case "bid_rejected":
            return BidRejected(seq=seq, at=at, supplier_id="S9", ref="y", price_fen=9_000_000, code="ABOVE_CEILING")
        case "extended":
            return Extended(seq=seq, at=at, closes_at=CLOSES_AT + 60_000, extensions=1)
        case "closed":
            return Closed(seq=seq, at=at)
        case "awarded":
            return Awarded(seq=seq, at=at, winner_id="S1", price_fen=3_000_000, unit_price_fen=300_000,
                           savings_fen=2_000_000, bidders=1, bids=quotes)
        case "failed":
            return Failed(seq=seq, at=at, reason="TOO_FEW_BIDDERS", bidders=1, bids=quotes)
        case "cancelled":
            return Cancelled(seq=seq, at=at, by="admin", reason="r")
    raise AssertionError(event_type)


@pytest.mark.parametrize("state", STATES)
def test_logs_reach_their_state(state: str) -> None:
    assert Auction.replay(log_reaching(state)).status == state


AUCTION_PAIRS = [(state, event_type) for state in STATES for event_type in EVENT_TYPES.values()]


@pytest.mark.parametrize(("state", "event_type"), AUCTION_PAIRS)
def test_every_auction_state_event_pair(state: str, event_type: str) -> None:
    auction = Auction.replay(log_reaching(state))
    assert auction.status == state
    event = event_of_type(event_type, auction.seq + 1)
    assert EVENT_TYPES[type(event)] == event_type
    before = snapshot(auction)
    if (state, event_type) in TRANSITIONS:
        assert next_status(state, event_type) == TRANSITIONS[(state, event_type)]
        auction.apply(event)
        assert auction.status == TRANSITIONS[(state, event_type)]
        assert auction.seq == event.seq
        auction.book.check_invariants()
    else:
        with pytest.raises(IllegalTransition):
            next_status(state, event_type)
        with pytest.raises(IllegalTransition):
            auction.apply(event)
        assert auction.status == state
        assert snapshot(auction) == before


@pytest.mark.parametrize(("state", "event_type"), sorted(TRANSITIONS))
@pytest.mark.parametrize("offset", [0, 2])
def test_a_legal_event_with_the_wrong_seq_is_refused_and_changes_nothing(
    state: str, event_type: str, offset: int
) -> None:
    auction = Auction.replay(log_reaching(state))
    before = snapshot(auction)
    with pytest.raises(IllegalTransition):
        auction.apply(event_of_type(event_type, auction.seq + offset))
    assert snapshot(auction) == before


# -- filing ----------------------------------------------------------------------------------------

PLAN_STATES = (engine.filing.NONE, *get_args(PlanStatus))
PLAN_ACTIONS = ("submit", "approve", "approve_for_approval", "reject", "launch_auction", "announce_result")


def test_filing_docstring_table_equals_plan_transitions() -> None:
    assert docstring_table(engine.filing.__doc__) == PLAN_TRANSITIONS


def test_plan_table_uses_known_states_and_actions() -> None:
    for (state, action), new in PLAN_TRANSITIONS.items():
        assert state in PLAN_STATES
        assert new in PLAN_STATES
        assert action in PLAN_ACTIONS
    assert {action for _, action in PLAN_TRANSITIONS} == set(PLAN_ACTIONS)
    # rejected is final: nothing leaves it.
    assert not [key for key in PLAN_TRANSITIONS if key[0] == "rejected"]


@pytest.mark.parametrize(("state", "action"), [(s, a) for s in PLAN_STATES for a in PLAN_ACTIONS])
def test_every_plan_state_action_pair(state: str, action: str) -> None:
    if (state, action) in PLAN_TRANSITIONS:
        assert plan_next(state, action) == PLAN_TRANSITIONS[(state, action)]
    else:
        with pytest.raises(IllegalPlanTransition):
            plan_next(state, action)
