"""Audit of what the store holds (全程留痕): an auction's log checked link by link against the
chain and the links its announcements published, a plan's history checked row by row, and an
auction's close re-run from its log. Used by `GET /api/audit/{id}` and `mall audit`.
"""

from typing import Any

import msgspec
import orjson
from redis.asyncio import Redis

from engine.announcements import announcement_id
from engine.audit import ChainBreak, ReplayResult, find_break, replay_close
from engine.chain import verify_rows
from engine.events import EVENT_TYPES, Awarded, Event, Failed, decode
from mall_api.clock import to_rfc3339
from mall_api.store import keys
from mall_api.store.log import AuctionLog

OUTCOME_KINDS = ("deal", "failed", "cancelled")


async def auction_ids(redis: Redis) -> list[str]:
    """Every auction with a log in the store (the log is the truth, whatever the projections say)."""
    found = set()
    async for key in redis.scan_iter(match=keys.auction_events("*"), count=1000):
        found.add(key.decode().split("{auc:", 1)[1].rsplit("}:", 1)[0])  # mall:{auc:ID}:events
    return sorted(found)


async def anchors(redis: Redis, auction_id: str) -> dict[int, str]:
    """The links the auction's outcome announcement published: `{seq: link}`."""
    raws = await redis.hmget(keys.ANNOUNCEMENTS, [announcement_id(auction_id, k) for k in OUTCOME_KINDS])
    found: dict[int, str] = {}
    for raw in raws:
        audit = None if raw is None else orjson.loads(raw).get("audit")
        if audit:
            found[int(audit["seq"])] = audit["link"]
    return found


def _entry(seq: int, payload: bytes, link: str) -> dict[str, Any]:
    try:
        event: Event | None = decode(payload)
    except (msgspec.DecodeError, msgspec.ValidationError):
        event = None
    if event is None:
        return {"seq": seq, "type": None, "at": None, "link": link, "event": None,
                "stored": payload.decode(errors="replace")}
    return {"seq": seq, "type": EVENT_TYPES[type(event)], "at": to_rfc3339(event.at), "link": link,
            "event": msgspec.to_builtins(event)}


def describe(found: ChainBreak | None) -> dict[str, Any]:
    if found is None:
        return {"ok": True, "seq": None, "problem": None, "event_type": None, "detail": "every link holds"}
    return {"ok": False, **found._asdict()}


async def audit_auction(redis: Redis, auction_id: str) -> dict[str, Any] | None:
    """Every stored event in order with its link, and the verdict; None if there is no such log."""
    entries = await AuctionLog(redis).read_links(auction_id)
    if not entries:
        return None
    published = await anchors(redis, auction_id)
    verdict = describe(find_break(entries, published))
    return {
        "auction_id": auction_id,
        "verification": verdict,
        "anchors": [{"seq": seq, "link": link} for seq, link in sorted(published.items())],
        "head": {"seq": entries[-1][0], "link": entries[-1][2]},
        "events": [_entry(*entry) for entry in entries],
    }


def verify_plan(plan: dict[str, Any]) -> dict[str, Any]:
    """The verdict on a plan's history chain, naming the first row that breaks it."""
    history = plan.get("history", [])
    bad = verify_rows(history)
    if bad is None:
        return {"ok": True, "row": None, "detail": f"all {len(history)} history rows hold"}
    row = history[bad]
    return {"ok": False, "row": bad, "detail": f"history row {bad} ({row.get('action')} at {row.get('at')}) "
                                               "was edited, or a row before it was dropped or moved"}


async def replay(redis: Redis, auction_id: str) -> tuple[ReplayResult, list[str]] | None:
    """Re-run the close from the log; also compare the engine's outcome with the published result.
    Returns the replay and the differences from what was published (empty when all agree)."""
    events = await AuctionLog(redis).read_all(auction_id)
    if not events:
        return None
    result = replay_close(events)
    differences = [] if result.matches else [result.detail]
    outcome = result.outcome
    if isinstance(outcome, Awarded | Failed):
        kind = "deal" if isinstance(outcome, Awarded) else "failed"
        raw = await redis.hget(keys.ANNOUNCEMENTS, announcement_id(auction_id, kind))
        if raw is None:
            differences.append(f"the {kind} announcement is not published")
        elif isinstance(outcome, Awarded):
            published = orjson.loads(raw)
            for name, value in (("price_fen", outcome.price_fen), ("savings_fen", outcome.savings_fen),
                                ("bidders", outcome.bidders)):
                if published.get(name) != value:
                    differences.append(f"the deal announcement says {name} {published.get(name)}, "
                                       f"the engine {value}")
            if (published.get("supplier") or {}).get("id") != outcome.winner_id:
                differences.append(f"the deal announcement names {(published.get('supplier') or {}).get('id')}, "
                                   f"the engine {outcome.winner_id}")
    return result, differences
