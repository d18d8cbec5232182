"""Event sourcing: replaying the log rebuilds exactly the live state, and events survive the wire."""

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.auction import Auction
from engine.commands import Cancel, PlaceBid, Tick
from engine.events import (
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
    decode,
    encode,
)
from tests.engine.support import OPENS_AT, launch_cmd, run, snapshot

SUPPLIERS = ("S1", "S2", "S3", "S4")
REFS = ("r1", "r2", "r3", "r4", "r5", "r6")
DURATION_S = 30

bids = st.builds(
    lambda supplier, price, ref, eligible: ("bid", supplier, price, ref, eligible),
    st.sampled_from(SUPPLIERS), st.integers(4_500, 5_100), st.sampled_from(REFS), st.sampled_from([True] * 5 + [False]),
)
commands = st.integers(0, 59).flatmap(
    lambda n: st.just(("cancel",)) if n == 0 else st.just(("tick",)) if n < 8 else bids
)
offsets = st.integers(-5_000, (DURATION_S + 40) * 1000) | st.integers((DURATION_S - 10) * 1000, DURATION_S * 1000)


def state(auction: Auction) -> tuple:
    answers = {(s, r): auction.answer_for(s, r) for s in SUPPLIERS for r in REFS}
    return (
        auction.status, auction.seq, auction.closes_at, auction.extensions, auction.book.ranked(),
        auction.outcome, answers, auction.next_deadline(), auction.best_fen(), auction.book.bidders,
        [auction.you(s) for s in SUPPLIERS],
    )


def live(
    mode: str, max_extensions: int | None, steps: list, finish: bool = False
) -> tuple[Auction, list[Event], list[tuple]]:
    """Run the commands live (then, if `finish`, a Tick at the plan deadline and a late repeat of every
    ref); return the auction, its log and its state after each command."""
    launch = launch_cmd(
        at=OPENS_AT - 5_000, mode=mode, duration_s=DURATION_S, budget_fen=5_000, reference_price_fen=510,
        quantity=10, min_decrement_fen=10, extension_s=10, max_extensions=max_extensions, min_bidders=2,
        plan_deadline=OPENS_AT + (DURATION_S + 30) * 1000,
    )
    log: list[Event] = list(Auction.launch(launch))
    auction = Auction.replay(log)
    states = [state(auction)]
    steps = sorted(steps, key=lambda step: step[0])
    if finish:
        steps.append((launch.plan_deadline - OPENS_AT, ("tick",)))
        steps += [(launch.plan_deadline - OPENS_AT + 1, command) for _, command in steps if command[0] == "bid"]
    for offset, command in steps:
        at = OPENS_AT + offset
        match command:
            case ("bid", supplier, price, ref, eligible):
                cmd = PlaceBid(at=at, supplier_id=supplier, ref=ref, price_fen=price, eligible=eligible)
            case ("tick",):
                cmd = Tick(at=at)
            case _:
                cmd = Cancel(at=at, by="admin:1", reason="r")
        log += run(auction, cmd)
        states.append(state(auction))
    return auction, log, states


@settings(max_examples=200, deadline=None)
@given(
    mode=st.sampled_from(["open", "sealed"]),
    max_extensions=st.sampled_from([None, 1, 3]),
    steps=st.lists(st.tuples(offsets, commands), max_size=40),
    finish=st.booleans(),
)
def test_replay_rebuilds_the_live_state(mode: str, max_extensions: int | None, steps: list, finish: bool) -> None:
    auction, log, states = live(mode, max_extensions, steps, finish)
    if finish:
        assert auction.finished
    assert [e.seq for e in log] == list(range(1, len(log) + 1))
    replayed = Auction.replay(log)
    replayed.book.check_invariants()
    assert state(replayed) == state(auction)
    assert snapshot(replayed) == snapshot(auction)
    # The prefix of the log up to each command's last event rebuilds the live state at that point.
    for expected in states:
        seq = expected[1]
        assert state(Auction.replay(log[:seq])) == expected


@settings(max_examples=100, deadline=None)
@given(
    mode=st.sampled_from(["open", "sealed"]),
    steps=st.lists(st.tuples(offsets, commands), max_size=30),
)
def test_events_round_trip_through_the_codec(mode: str, steps: list) -> None:
    auction, log, _ = live(mode, None, steps, finish=True)
    wire = [encode(event) for event in log]
    assert all(isinstance(data, bytes) for data in wire)
    decoded = [decode(data) for data in wire]
    assert decoded == log
    assert [type(e) for e in decoded] == [type(e) for e in log]
    assert state(Auction.replay(decoded)) == state(auction)


def test_ranks_are_the_same_on_replay() -> None:
    _, log, _ = live("open", None, [
        (1, ("bid", "S1", 5_000, "r1", True)), (2, ("bid", "S2", 4_900, "r1", True)),
        (3, ("bid", "S3", 4_950, "r1", True)), (4, ("bid", "S1", 4_800, "r2", True)),
    ])
    first, second = Auction(), Auction()
    for event in log:
        first.apply(event)
        second.apply(event)
        assert [first.you(s) for s in ("S1", "S2", "S3")] == [second.you(s) for s in ("S1", "S2", "S3")]
    assert first.you("S1") == (4_800, 1)


def test_every_event_type_round_trips() -> None:
    quotes = [FinalQuote(rank=1, supplier_id="S1", price_fen=100, at=5)]
    samples: list[Event] = [
        Auction.launch(launch_cmd(max_extensions=None))[0],
        Auction.launch(launch_cmd(max_extensions=4, mode="sealed"))[0],
        Opened(seq=2, at=1),
        BidAccepted(seq=3, at=2, supplier_id="S1", ref="é-ref", price_fen=100),
        BidRejected(seq=4, at=3, supplier_id="S2", ref="x", price_fen=10**15, code="ABOVE_CEILING"),
        Extended(seq=5, at=4, closes_at=99, extensions=1),
        Closed(seq=6, at=5),
        Awarded(seq=7, at=5, winner_id="S1", price_fen=100, unit_price_fen=10, savings_fen=0, bidders=1, bids=quotes),
        Failed(seq=7, at=5, reason="TOO_FEW_BIDDERS", bidders=0, bids=[]),
        Cancelled(seq=2, at=1, by="buyer:unit-1", reason="预算撤回"),
    ]
    for event in samples:
        data = encode(event)
        assert decode(data) == event
        assert type(decode(data)) is type(event)
    assert b'"type":"launched"' in encode(samples[0])
    assert isinstance(decode(encode(samples[0])), Launched)
