"""The audit of a stored log (engine.audit): every kind of tampering is named, anchors catch a
rewritten chain, and re-running the close reproduces the stored result or says it does not."""

import msgspec

from engine.audit import find_break, replay_close
from engine.chain import GENESIS, append_linked, link, verify_rows
from engine.events import Awarded, BidAccepted, Event, encode
from tests.transparency import Lot, lot_events

Entry = tuple[int, bytes, str]


def events() -> list[Event]:
    lot = Lot("A000001", at=1_700_000_000_000, budget_fen=5_000_000,
              bids={"S1": 4_800_000, "S2": 4_700_000, "S3": 4_750_000}, min_bidders=2)
    return [e for batch in lot_events(lot) for e in batch]


def chained(found: list[Event]) -> list[Entry]:
    entries, head = [], GENESIS
    for event in found:
        payload = encode(event)
        head = link(head, payload)
        entries.append((event.seq, payload, head))
    return entries


def relinked(entries: list[Entry]) -> list[Entry]:
    """What a forger who can rewrite the store does after an edit: recompute every link."""
    out, head = [], GENESIS
    for seq, payload, _ in entries:
        head = link(head, payload)
        out.append((seq, payload, head))
    return out


def test_an_intact_log_holds() -> None:
    entries = chained(events())
    assert [e[0] for e in entries] == list(range(1, 8))
    assert find_break(entries) is None
    assert find_break(entries, {7: entries[6][2]}) is None


def test_an_edited_event_is_named() -> None:
    entries = chained(events())
    seq, payload, stored = entries[2]
    assert b"4800000" in payload
    entries[2] = (seq, payload.replace(b"4800000", b"4000000"), stored)
    found = find_break(entries)
    assert found is not None and (found.seq, found.problem, found.event_type) == (3, "edited", "bid_accepted")
    entries[2] = (seq, b"{not json", stored)
    found = find_break(entries)
    assert found is not None and (found.seq, found.problem) == (3, "edited")


def test_a_dropped_event_is_named_with_or_without_renumbering() -> None:
    entries = chained(events())
    found = find_break(entries[:3] + entries[4:])
    assert found is not None and (found.seq, found.problem) == (4, "dropped")
    # Renumbered stream ids after the gap: the events themselves still say what is missing.
    renumbered = entries[:3] + [(s - 1, p, h) for s, p, h in entries[4:]]
    found = find_break(renumbered)
    assert found is not None and (found.seq, found.problem) == (4, "dropped")


def test_reordered_events_are_named() -> None:
    entries = chained(events())
    swapped = [*entries[:3], entries[4], entries[3], *entries[5:]]
    found = find_break(swapped)
    assert found is not None and (found.seq, found.problem) == (4, "reordered")
    # Same stream ids, payloads swapped.
    moved = [*entries[:3], (4, entries[4][1], entries[4][2]), (5, entries[3][1], entries[3][2]), *entries[5:]]
    found = find_break(moved)
    assert found is not None and (found.seq, found.problem) == (4, "reordered")


def test_a_rewritten_chain_is_caught_by_the_published_anchor() -> None:
    entries = chained(events())
    anchor = {7: entries[6][2]}
    seq, payload, stored = entries[2]
    forged = relinked([*entries[:2], (seq, payload.replace(b"4800000", b"4000000"), stored), *entries[3:]])
    assert find_break(forged) is None  # the chain alone cannot see it
    found = find_break(forged, anchor)
    assert found is not None and found.seq == 7 and found.problem == "edited"
    truncated = find_break(entries[:5], anchor)
    assert truncated is not None and truncated.problem == "dropped"


def test_replay_reproduces_the_close() -> None:
    log = events()
    result = replay_close(log)
    assert result.matches and result.status == "awarded"
    assert isinstance(result.outcome, Awarded) and result.outcome.winner_id == "S2"
    assert result.outcome == log[-1]


def test_replay_catches_a_forged_result() -> None:
    log = events()
    awarded = log[-1]
    assert isinstance(awarded, Awarded)
    forged = msgspec.structs.replace(awarded, winner_id="S1", price_fen=4_800_000)
    result = replay_close([*log[:-1], forged])
    assert not result.matches and isinstance(result.outcome, Awarded) and result.outcome.winner_id == "S2"
    # The winning bid removed from the log (the seqs closed up): the engine reaches another result.
    assert isinstance(log[3], BidAccepted) and log[3].supplier_id == "S2"
    rest = [msgspec.structs.replace(e, seq=e.seq - 1) for e in log[4:]]
    result = replay_close([*log[:3], *rest])
    assert not result.matches and isinstance(result.outcome, Awarded) and result.outcome.winner_id == "S3"


def test_plan_history_rows_are_chained() -> None:
    history: list[dict[str, object]] = []
    for action in ("submit", "approve", "launch_auction", "announce_result"):
        append_linked(history, {"at": "2026-09-30T02:00:00.000Z", "actor": "U1", "action": action,
                                "status": "filed"})
    assert verify_rows(history) is None
    assert len({row["h"] for row in history}) == 4
    edited = [dict(row) for row in history]
    edited[1]["actor"] = "someone-else"
    assert verify_rows(edited) == 1
    assert verify_rows([history[0], *history[2:]]) == 1
    assert verify_rows([history[0], history[2], history[1], history[3]]) == 1
    assert verify_rows([{k: v for k, v in history[0].items() if k != "h"}, *history[1:]]) == 0
