"""Projections built from auction events: announcements, auction summaries, statistics, red flags,
plan history.

Each projector is idempotent (keyed by deterministic ids), so re-running it after a crash between
the append and the projection repairs what was missed: the registry re-projects live auctions on start.
"""

from typing import Any

from redis.asyncio import Redis

from engine import announcements, redflags
from engine.announcements import Particulars
from engine.auction import Auction
from engine.calendar import DEFAULT_CALENDAR
from engine.chain import append_linked
from engine.events import Awarded, Cancelled, Event, Failed, Launched
from mall_api.board import AnnouncementBoard
from mall_api.clock import to_rfc3339
from mall_api.flags import Flags, Supervision
from mall_api.statistics import Statistics, month_of
from mall_api.store import keys
from mall_api.store.documents import Documents


class Projector:
    def __init__(self, redis: Redis, docs: Documents, supervision: Supervision | None = None) -> None:
        self._redis = redis
        self._docs = docs
        self.supervision = supervision or Supervision()
        self.board = AnnouncementBoard(redis)
        self.stats = Statistics(redis)
        self.flags = Flags(redis)

    async def project(self, auction: Auction, events: list[Event]) -> None:
        terms = auction.t
        for event in events:
            match event:
                case Launched():
                    parts = await self._particulars(terms)
                    await self.board.publish(announcements.bidding(terms, parts))
                    await self.stats.count(f"{terms.auction_id}:bidding", self._groups(terms, event.at),
                                           bidding_announcements=1)
                    await self._plan_step(terms, event.at, "launch_auction", terms.buyer_id)
                case Awarded():
                    parts = await self._particulars(terms)
                    supplier = await self._docs.get("supplier", event.winner_id) or {}
                    low = redflags.winner_abnormally_low(event, self.supervision.abnormal_low_pct)
                    deal = announcements.deal(terms, event, parts, {
                        "id": event.winner_id, "name": supplier.get("name"), "address": supplier.get("address"),
                    }, low)
                    await self._publish_outcome(deal, terms, event)
                    groups = self._groups(terms, event.at)
                    await self.stats.count(f"{terms.auction_id}:deal", groups, deal_announcements=1,
                                           budget_fen=terms.budget_fen, deal_fen=event.price_fen,
                                           savings_fen=event.savings_fen)
                    await self._close_figures(terms, event, groups)
                    await self.flags.record(terms, event, parts.buyer.get("department_id"), self.supervision)
                    await self._plan_step(terms, event.at, "announce_result", "platform")
                case Failed():
                    parts = await self._particulars(terms)
                    await self._publish_outcome(announcements.failed(terms, event, parts), terms, event)
                    groups = self._groups(terms, event.at)
                    await self.stats.count(f"{terms.auction_id}:failed", groups, failed=1)
                    await self._close_figures(terms, event, groups)
                    await self.flags.record(terms, event, parts.buyer.get("department_id"), self.supervision)
                    await self._plan_step(terms, event.at, "announce_result", "platform")
                case Cancelled():
                    parts = await self._particulars(terms)
                    await self._publish_outcome(announcements.cancelled(terms, event, parts), terms, event)
                    await self.flags.record(terms, event, parts.buyer.get("department_id"), self.supervision)
                    await self._plan_step(terms, event.at, "announce_result", event.by)
        await self._docs.put("auction", terms.auction_id, summary(auction))
        if auction.finished:
            await self._redis.srem(keys.LIVE_AUCTIONS, terms.auction_id)

    async def _particulars(self, terms: Launched) -> Particulars:
        unit = await self._docs.get("unit", terms.buyer_id) or {}
        item = await self._docs.get("item", terms.sku) or {}
        buyer = {"id": terms.buyer_id, "name": unit.get("name"), "department_id": unit.get("department_id"),
                 "address": unit.get("address"), "contact": unit.get("contact")}
        goods = {"name": item.get("name"), "spec": item.get("spec"), "unit": item.get("unit")}
        return Particulars(buyer=buyer, goods=goods, calendar=DEFAULT_CALENDAR)

    async def _publish_outcome(self, body: dict[str, Any], terms: Launched, outcome: Event) -> None:
        """Publish with the audit-chain link of the event announced: an anchor outside the log that
        `mall audit verify` holds the log to, so a rewritten chain is still caught."""
        entries = await self._redis.xrange(keys.auction_events(terms.auction_id), min=f"0-{outcome.seq}",
                                           max=f"0-{outcome.seq}")
        if entries and b"h" in entries[0][1]:
            body["audit"] = {"seq": outcome.seq, "link": entries[0][1][b"h"].decode()}
        await self.board.publish(body)

    @staticmethod
    def _groups(terms: Launched, at: int) -> dict[str, str]:
        return {"category": terms.category, "unit": terms.buyer_id, "month": month_of(at)}

    async def _close_figures(self, terms: Launched, outcome: Awarded | Failed, groups: dict[str, str]) -> None:
        await self.stats.bidders(groups, [q.supplier_id for q in outcome.bids])
        if isinstance(outcome, Awarded):
            plan = await self._docs.get("plan", terms.plan_id)
            if plan and plan.get("filed_at_ms"):
                days = DEFAULT_CALENDAR.working_days_between(plan["filed_at_ms"], outcome.at)
                await self.stats.cycle(terms.auction_id, groups, days)

    async def _plan_step(self, terms: Launched, at: int, action: str, actor: str) -> None:
        def add_step(plan: dict[str, Any]) -> dict[str, Any] | None:
            step_key = f"{action}:{terms.auction_id}"
            if any(row.get("key") == step_key for row in plan["history"]):
                return None
            append_linked(plan["history"], {"at": to_rfc3339(at), "actor": actor, "action": action,
                                            "status": plan["status"], "auction_id": terms.auction_id,
                                            "key": step_key})
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
        "reference_observed_at": to_rfc3339(t.reference_observed_at) if t.reference_observed_at else None,
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
