"""Auction endpoints: launch from a filed mall plan (every 422/409 rule of API.md), read, list, cancel."""

from typing import Annotated, Any, Literal

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engine.commands import Cancel, Launch
from engine.launch import LAUNCH_MESSAGES, LaunchFacts, check_launch
from mall_api.auth import require
from mall_api.clock import from_rfc3339, now_ms
from mall_api.context import Mall, body, json, mall, page, page_params, principal
from mall_api.errors import ApiError, conflict, forbidden, invalid, not_found, rule
from mall_api.projections import summary
from mall_api.references import current_reference
from mall_api.runner import StoreUnavailable

Fen = Annotated[int, msgspec.Meta(ge=1, le=10**15)]
MAX_DURATION_S = 30 * 24 * 3600


class AuctionCreate(msgspec.Struct, forbid_unknown_fields=True):
    plan_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    sku: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    quantity: Annotated[int, msgspec.Meta(ge=1, le=10**9)]
    budget_fen: Fen
    duration_s: Annotated[int, msgspec.Meta(ge=1, le=MAX_DURATION_S)]
    mode: Literal["open", "sealed"] = "open"
    opens_at: str | None = None
    min_decrement_fen: Fen = 1
    extension_s: Annotated[int, msgspec.Meta(ge=0, le=24 * 3600)] = 0
    max_extensions: Annotated[int, msgspec.Meta(ge=0, le=1000)] | None = None
    min_bidders: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 3


class CancelRequest(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


async def _plan_is_free(m: Mall, plan: dict[str, Any]) -> bool:
    """A plan is used while it has a live or awarded auction; a failed or cancelled one frees it."""
    auction_id = plan.get("auction_id")
    if auction_id is None:
        return True
    meta = await m.log.meta(auction_id)
    return meta is None or meta.status in ("failed", "cancelled")


async def create_auction(request: Request) -> Response:
    who = require(principal(request), "buyer")
    spec = await body(request, AuctionCreate)
    m = mall(request)
    now = now_ms()
    plan = await m.docs.get("plan", spec.plan_id)
    if plan is None:
        raise not_found("plan")
    if plan["buyer_id"] != who.id:
        raise forbidden("the plan belongs to another unit")
    if plan["status"] != "filed":
        raise conflict(f"the plan is {plan['status']}, not filed", "PLAN_NOT_FILED")
    if not await _plan_is_free(m, plan):
        raise conflict("the plan already has a live or awarded auction", "PLAN_USED")
    item = await m.docs.get("item", spec.sku)
    if item is None:
        raise invalid("unknown sku", "sku")
    category = await m.docs.get("category", plan["category"]) or {}
    try:
        opens_at = max(now, from_rfc3339(spec.opens_at)) if spec.opens_at else now
    except ValueError as exc:
        raise invalid(str(exc), "opens_at") from None
    reference = await current_reference(m.redis, spec.sku, now, m.settings.reference_max_age_days)
    code = check_launch(LaunchFacts(
        plan_method=plan["method"], plan_category=plan["category"], plan_budget_fen=plan["budget_fen"],
        plan_deadline=plan["deadline_ms"], category_in_mall=bool(category.get("mall")),
        item_category=item["category"], reference_price_fen=None if reference is None else reference.price_fen,
        budget_fen=spec.budget_fen, opens_at=opens_at, duration_s=spec.duration_s,
    ))
    if code is not None:
        raise rule(code, LAUNCH_MESSAGES[code])
    assert reference is not None
    auction_id = await m.registry.next_id()
    previous = plan.get("auction_id")

    def claim(current: dict[str, Any]) -> dict[str, Any]:
        if current.get("auction_id") != previous:
            raise conflict("the plan already has a live or awarded auction", "PLAN_USED")
        current["auction_id"] = auction_id
        return current

    await m.docs.update("plan", plan["id"], claim)
    runner = await m.registry.launch(Launch(
        at=now, auction_id=auction_id, plan_id=plan["id"], batch_no=plan["batch_no"], buyer_id=who.id,
        title=plan["title"], category=item["category"], sku=spec.sku, quantity=spec.quantity,
        budget_fen=spec.budget_fen, reference_price_fen=reference.price_fen, reference_source=reference.source,
        mode=spec.mode, opens_at=opens_at, duration_s=spec.duration_s, min_decrement_fen=spec.min_decrement_fen,
        extension_s=spec.extension_s, max_extensions=spec.max_extensions, min_bidders=spec.min_bidders,
        plan_deadline=plan["deadline_ms"], reference_observed_at=reference.observed_at,
    ))
    return json(summary(runner.auction), 201)


async def _public(m: Mall, auction_id: str) -> dict[str, Any] | None:
    runner = m.registry.get(auction_id)
    if runner is not None:
        return summary(await runner.committed())
    return await m.docs.get("auction", auction_id)


async def get_auction(request: Request) -> Response:
    found = await _public(mall(request), request.path_params["auction_id"])
    if found is None:
        raise not_found("auction")
    return json(found)


async def list_auctions(request: Request) -> Response:
    m = mall(request)
    cursor, limit = page_params(request)
    status = request.query_params.get("status")
    items, next_cursor = await m.docs.page("auction", cursor, limit)
    fresh = [await _public(m, doc["id"]) or doc for doc in items]
    if status is not None:
        # Filter on the fresh status; keep paging until the page is full.
        kept = [doc for doc in fresh if doc["status"] == status]
        while len(kept) < limit and next_cursor is not None:
            more, next_cursor = await m.docs.page("auction", next_cursor, limit)
            kept += [d for d in [await _public(m, doc["id"]) or doc for doc in more] if d["status"] == status]
        fresh = kept[:limit]
        if len(kept) > limit:
            next_cursor = kept[limit - 1]["id"]
    return page(fresh, next_cursor)


async def cancel_auction(request: Request) -> Response:
    who = require(principal(request), "buyer", "admin")
    spec = await body(request, CancelRequest)
    m = mall(request)
    auction_id = request.path_params["auction_id"]
    runner = m.registry.get(auction_id)
    if runner is None:
        if await m.docs.get("auction", auction_id) is None:
            raise not_found("auction")
        raise conflict("the auction is already over")
    if who.role == "buyer" and runner.auction.t.buyer_id != who.id:
        raise forbidden("the auction belongs to another unit")
    try:
        events = await runner.submit(Cancel(at=now_ms(), by=f"{who.role}:{who.id}", reason=spec.reason))
    except StoreUnavailable:
        raise ApiError(503, "UNAVAILABLE", "the store is unavailable; try again") from None
    if not events:
        raise conflict(f"the auction is {runner.auction.status}: it can no longer be cancelled")
    return json(summary(await runner.committed()))


routes = [
    Route("/api/auctions", create_auction, methods=["POST"]),
    Route("/api/auctions", list_auctions, methods=["GET"]),
    Route("/api/auctions/{auction_id}", get_auction, methods=["GET"]),
    Route("/api/auctions/{auction_id}/cancel", cancel_auction, methods=["POST"]),
]
