"""The mall's auctions as OCDS 1.1 release packages (engine.ocds), built from their logs and the
libraries: `GET /api/ocds/{auction_id}` and `mall ocds export`."""

from typing import Any

from redis.asyncio import Redis

from engine import ocds
from engine.auction import Auction
from engine.events import Awarded, Failed
from mall_api.store.documents import Documents
from mall_api.store.log import AuctionLog

PUBLISHER = "政府采购网上商城"


async def auction_releases(redis: Redis, auction_id: str, prefix: str) -> tuple[list[dict[str, Any]], int] | None:
    """The auction's releases and the time (ms) of its last change; None if there is no such auction."""
    events = await AuctionLog(redis).read_all(auction_id)
    if not events:
        return None
    auction = Auction.replay(events)
    terms, outcome = auction.t, auction.outcome
    docs = Documents(redis)
    unit = await docs.get("unit", terms.buyer_id) or {}
    item = await docs.get("item", terms.sku) or {}
    category = await docs.get("category", terms.category) or {}
    bidders = [q.supplier_id for q in outcome.bids] if isinstance(outcome, Awarded | Failed) else []
    suppliers = {s: doc for s, doc in zip(bidders, await docs.get_many("supplier", bidders), strict=True) if doc}
    parties = ocds.Parties(buyer={"id": terms.buyer_id, **unit}, suppliers=suppliers, goods=item,
                           category_name=category.get("name"))
    changed = outcome.at if outcome is not None else terms.at
    return ocds.releases(prefix, terms, outcome, parties), changed


def package(releases: list[dict[str, Any]], uri: str, changed_ms: int) -> dict[str, Any]:
    return ocds.package(releases, uri, changed_ms, PUBLISHER)
