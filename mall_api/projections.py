"""Projections built from auction events: announcements, auction summaries, statistics, plan history.

Each projector is idempotent (keyed by deterministic ids), so re-running it after a crash between
the append and the projection repairs what was missed: the registry re-projects live auctions on start.
"""

from typing import Any

import orjson
from redis.asyncio import Redis

from engine import announcements
from engine.auction import Auction
from engine.calendar import DEFAULT_CALENDAR
from engine.events import Awarded, Cancelled, Event, Failed, Launched
from mall_api.clock import to_rfc3339
from mall_api.store import keys
from mall_api.store.documents import Documents

_STATS = """#!lua
-- KEYS[1] seen set of contributions, KEYS[2] totals hash; ARGV[1] contribution id, then field/amount pairs
if redis.call('HSETNX', KEYS[1], ARGV[1], 1) == 0 then return 0 end
for i = 2, #ARGV, 2 do redis.call('HINCRBY', KEYS[2], ARGV[i], ARGV[i + 1]) end
return 1
"""


class Projector:
    def __init__(self, redis: Redis, docs: Documents) -> None:
        self._redis = redis
        self._docs = docs
        self._stats = redis.register_script(_STATS)

    async def project(self, auction: Auction, events: list[Event]) -> None:
        terms = auction.t
        for event in events:
            match event:
                case Launched():
                    await self._announce(announcements.bidding(terms, await self._buyer(terms)))
                    await self._count(f"{terms.auction_id}:bidding", bidding_announcements=1)
                    await self._plan_step(terms, event.at, "launch_auction", terms.buyer_id)
                case Awarded():
                    supplier = await self._docs.get("supplier", event.winner_id) or {"id": event.winner_id}
                    await self._announce(announcements.deal(terms, event, await self._buyer(terms),
                                                            {"id": supplier["id"], "name": supplier.get("name")}))
                    await self._count(f"{terms.auction_id}:deal", deal_announcements=1, budget_fen=terms.budget_fen,
                                      deal_fen=event.price_fen, savings_fen=event.savings_fen)
                    await self._cycle(terms, event.at)
                    await self._plan_step(terms, event.at, "announce_result", "platform")
                case Failed():
                    await self._announce(announcements.failed(terms, event, await self._buyer(terms)))
                    await self._count(f"{terms.auction_id}:failed", failed=1)
                    await self._plan_step(terms, event.at, "announce_result", "platform")
                case Cancelled():
                    await self._announce(announcements.cancelled(terms, event, await self._buyer(terms)))
                    await self._plan_step(terms, event.at, "announce_result", event.by)
        await self._docs.put("auction", terms.auction_id, summary(auction))
        if auction.finished:
            await self._redis.srem(keys.LIVE_AUCTIONS, terms.auction_id)

    async def _buyer(self, terms: Launched) -> dict[str, Any]:
        unit = await self._docs.get("unit", terms.buyer_id) or {}
        return {"id": terms.buyer_id, "name": unit.get("name"), "department_id": unit.get("department_id")}

    async def _announce(self, body: dict[str, Any]) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(keys.ANNOUNCEMENTS, body["id"], orjson.dumps(body))
            pipe.zadd(keys.ANNOUNCEMENT_TIMELINE, {body["id"]: body["published_at"]})
            await pipe.execute()

    async def _count(self, contribution: str, **amounts: int) -> None:
        args: list[str | int] = [contribution]
        for field, amount in amounts.items():
            args += [field, amount]
        await self._stats(keys=[keys.STATS_SEEN, keys.STATS_TOTALS], args=args)

    async def _cycle(self, terms: Launched, announced_at: int) -> None:
        plan = await self._docs.get("plan", terms.plan_id)
        if plan and plan.get("filed_at_ms"):
            days = DEFAULT_CALENDAR.working_days_between(plan["filed_at_ms"], announced_at)
            await self._redis.zadd(keys.STATS_CYCLES, {terms.auction_id: days})

    async def _plan_step(self, terms: Launched, at: int, action: str, actor: str) -> None:
        def add_step(plan: dict[str, Any]) -> dict[str, Any] | None:
            step_key = f"{action}:{terms.auction_id}"
            if any(row.get("key") == step_key for row in plan["history"]):
                return None
            plan["history"].append({"at": to_rfc3339(at), "actor": actor, "action": action,
                                    "status": plan["status"], "auction_id": terms.auction_id, "key": step_key})
            return plan

        await self._docs.update("plan", terms.plan_id, add_step)


def result(auction: Auction) -> dict[str, Any] | None:
    outcome = auction.outcome
    if isinstance(outcome, Awarded | Failed):
        awarded = isinstance(outcome, Awarded)
        return {
            "status": "awarded" if awarded else "failed",
            "reason": None if awarded else outcome.reason,
            "winner_id": outcome.winner_id if isinstance(outcome, Awarded) else None,
            "price_fen": outcome.price_fen if isinstance(outcome, Awarded) else None,
            "unit_price_fen": outcome.unit_price_fen if isinstance(outcome, Awarded) else None,
            "savings_fen": outcome.savings_fen if isinstance(outcome, Awarded) else None,
            "bidders": outcome.bidders,
            "bids": [{"rank": b.rank, "supplier_id": b.supplier_id, "price_fen": b.price_fen,
                      "at": to_rfc3339(b.at)} for b in outcome.bids],
        }
    return None


def summary(auction: Auction) -> dict[str, Any]:
    """The public view of an auction (GET /api/auctions/{id}): never who bid while it runs."""
    t = auction.t
    body: dict[str, Any] = {
        "id": t.auction_id, "plan_id": t.plan_id, "batch_no": t.batch_no, "title": t.title,
        "buyer_id": t.buyer_id, "status": auction.status, "mode": t.mode, "category": t.category,
        "sku": t.sku, "quantity": t.quantity, "budget_fen": t.budget_fen,
        "reference_price_fen": t.reference_price_fen, "reference_source": t.reference_source,
        "ceiling_fen": t.ceiling_fen, "opens_at": to_rfc3339(t.opens_at), "closes_at": to_rfc3339(auction.closes_at),
        "min_decrement_fen": t.min_decrement_fen, "extension_s": t.extension_s, "max_extensions": t.max_extensions,
        "extensions": auction.extensions, "min_bidders": t.min_bidders, "plan_deadline": to_rfc3339(t.plan_deadline),
        "announcement_id": announcements.announcement_id(t.auction_id, "bidding"),
        "bidders": auction.book.bidders, "seq": auction.seq, "created_at": to_rfc3339(t.at),
    }
    if auction.status in ("open", "scheduled"):
        body["best_fen"] = auction.best_fen()
    outcome = auction.outcome
    if isinstance(outcome, Awarded):
        body["deal_announcement_id"] = announcements.announcement_id(t.auction_id, "deal")
    elif isinstance(outcome, Failed):
        body["failure_announcement_id"] = announcements.announcement_id(t.auction_id, "failed")
    elif isinstance(outcome, Cancelled):
        body["cancellation_announcement_id"] = announcements.announcement_id(t.auction_id, "cancelled")
        body["cancel_reason"] = outcome.reason
    body["result"] = result(auction)
    return body
