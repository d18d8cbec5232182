"""Auditing an auction's stored log: where its chain breaks and why, and re-running its close.

`find_break` reads the stored entries `(seq, payload, link)` in log order and names the first event
that was edited, dropped or moved. `anchors` are links published elsewhere (the outcome
announcements carry the link of the event they announce): they catch a forger who rewrote every
link after an edit, which the chain alone cannot. `replay_close` rebuilds the auction from the log
up to its `closed` event, decides the close again with the engine and compares the result with the
stored one, byte for byte.
"""

from collections.abc import Mapping, Sequence
from typing import Literal, NamedTuple

import msgspec

from engine.auction import Auction
from engine.chain import GENESIS, link
from engine.commands import Tick
from engine.events import EVENT_TYPES, Awarded, Cancelled, Closed, Event, Failed, decode, encode

Problem = Literal["edited", "dropped", "reordered"]


class ChainBreak(NamedTuple):
    seq: int
    problem: Problem
    event_type: str | None
    detail: str


def _read(payload: bytes) -> Event | None:
    try:
        return decode(payload)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


def _missing(expected: int, later: set[int]) -> ChainBreak:
    if expected in later:
        return ChainBreak(expected, "reordered", None, f"event {expected} is stored out of its place")
    return ChainBreak(expected, "dropped", None, f"event {expected} is missing from the log")


Entry = tuple[int, bytes, str]


def find_break(entries: Sequence[Entry], anchors: Mapping[int, str] | None = None) -> ChainBreak | None:
    """The first break of the chain, or None if every link holds and matches every anchor."""
    anchors = anchors or {}
    events = [_read(payload) for _, payload, _ in entries]
    previous = GENESIS
    expected = 1
    for index, (seq, payload, stored) in enumerate(entries):
        event = events[index]
        later = {s for s, _, _ in entries[index + 1:]} | {e.seq for e in events[index + 1:] if e is not None}
        if seq != expected:
            return _missing(expected, later) if seq > expected else ChainBreak(
                seq, "reordered", None, f"event {seq} is stored after event {expected - 1}")
        if event is None:
            return ChainBreak(seq, "edited", None, f"event {seq} no longer decodes")
        kind = EVENT_TYPES[type(event)]
        if event.seq != seq:
            return _missing(seq, later)
        if link(previous, payload) != stored:
            return ChainBreak(seq, "edited", kind, f"event {seq} ({kind}) does not match its link")
        if seq in anchors and anchors[seq] != stored:
            return ChainBreak(seq, "edited", kind, f"event {seq} ({kind}) differs from its published link: "
                              "it, or an event before it, was rewritten")
        previous = stored
        expected += 1
    beyond = [seq for seq in anchors if seq >= expected]
    if beyond:
        return ChainBreak(expected, "dropped", None, f"published event {min(beyond)} is missing from the log")
    return None


class ReplayResult(NamedTuple):
    status: str
    """The replayed auction's status: awarded, failed, cancelled, or still scheduled/open."""
    matches: bool
    """Whether re-deciding the close gave exactly the stored events (True when there is no close)."""
    outcome: Awarded | Failed | Cancelled | None
    """The outcome the engine reached."""
    detail: str


def replay_close(events: Sequence[Event]) -> ReplayResult:
    """Replay `events` up to the close, decide the close again, compare with what the log holds."""
    closes = [i for i, e in enumerate(events) if isinstance(e, Closed)]
    if not closes:
        auction = Auction.replay(list(events))
        detail = "the auction has not closed: nothing to re-run"
        return ReplayResult(auction.status, True, auction.outcome, detail)
    at = closes[0]
    auction = Auction.replay(list(events[:at]))
    decided = auction.decide(Tick(at=events[at].at))
    stored = list(events[at:at + len(decided)])
    for event in decided:
        auction.apply(event)
    if [encode(e) for e in decided] != [encode(e) for e in stored]:
        return ReplayResult(auction.status, False, auction.outcome,
                            f"the engine closes at seq {events[at].seq} differently from the log")
    return ReplayResult(auction.status, True, auction.outcome, f"the close at seq {events[at].seq} is reproduced")
