"""The public portal: announcements (with search) and the statistics the mall reports about itself."""

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from catalog.codes import is_within
from engine.announcements import KINDS
from mall_api.clock import from_rfc3339, to_rfc3339
from mall_api.context import json, mall, page, page_params
from mall_api.errors import invalid, not_found
from mall_api.store import keys

TIME_FIELDS = ("published_at", "opens_at", "closes_at", "closed_at")


def render(announcement: dict[str, Any]) -> dict[str, Any]:
    """Stored times are ms; the contract's are RFC 3339."""
    out = dict(announcement)
    for name in TIME_FIELDS:
        if isinstance(out.get(name), int):
            out[name] = to_rfc3339(out[name])
    return out


def _matches(ann: dict[str, Any], kind: str | None, q: str | None, category: str | None, since: int | None) -> bool:
    if kind is not None and ann["kind"] != kind:
        return False
    if category is not None and not is_within(ann["category"], category):
        return False
    if since is not None and ann["published_at"] < since:
        return False
    if q:
        haystack = " ".join(str(x or "") for x in (
            ann["title"], ann["batch_no"], ann["buyer"].get("name"), ann["buyer"].get("id"),
            (ann.get("supplier") or {}).get("name"), (ann.get("supplier") or {}).get("id"),
        )).casefold()
        return q.casefold() in haystack
    return True


async def list_announcements(request: Request) -> Response:
    """Newest first; the cursor is `<published_at>:<id>` of the last item, stable under new publications."""
    redis = mall(request).redis
    cursor, limit = page_params(request)
    params = request.query_params
    kind = params.get("kind")
    if kind is not None and kind not in KINDS:
        raise invalid(f"kind must be one of {', '.join(KINDS)}", "kind")
    try:
        since = from_rfc3339(params["since"]) if params.get("since") else None
    except ValueError as exc:
        raise invalid(str(exc), "since") from None
    top, after_id = "+inf", None
    if cursor:
        score, _, after_id = cursor.partition(":")
        if not score.isdigit() or not after_id:
            raise invalid("malformed cursor", "cursor")
        top = score
    found: list[dict[str, Any]] = []
    offset = 0
    while len(found) <= limit:
        rows = await redis.zrevrangebyscore(keys.ANNOUNCEMENT_TIMELINE, top, "-inf", start=offset, num=200,
                                            withscores=True)
        if not rows:
            break
        offset += len(rows)
        ids = [member.decode() for member, score in rows
               if not (after_id is not None and int(score) == int(top) and member.decode() >= after_id)]
        raws = await redis.hmget(keys.ANNOUNCEMENTS, ids) if ids else []
        for raw in raws:
            if raw is None:
                continue
            ann = orjson.loads(raw)
            if _matches(ann, kind, params.get("q"), params.get("category"), since):
                found.append(ann)
    next_cursor = None
    if len(found) > limit:
        last = found[limit - 1]
        next_cursor = f"{last['published_at']}:{last['id']}"
    return page([render(a) for a in found[:limit]], next_cursor)


async def get_announcement(request: Request) -> Response:
    raw = await mall(request).redis.hget(keys.ANNOUNCEMENTS, request.path_params["announcement_id"])
    if raw is None:
        raise not_found("announcement")
    return json(render(orjson.loads(raw)))


async def stats(request: Request) -> Response:
    m = mall(request)
    totals = {k.decode(): int(v) for k, v in (await m.redis.hgetall(keys.STATS_TOTALS)).items()}
    budget = totals.get("budget_fen", 0)
    savings = totals.get("savings_fen", 0)
    cycles = await m.redis.zcard(keys.STATS_CYCLES)
    median = None
    if cycles:
        middle = await m.redis.zrange(keys.STATS_CYCLES, (cycles - 1) // 2, cycles // 2, withscores=True)
        median = sum(score for _, score in middle) / len(middle)
    return json({
        "suppliers": await m.docs.count("supplier"),
        "bidding_announcements": totals.get("bidding_announcements", 0),
        "deal_announcements": totals.get("deal_announcements", 0),
        "failed": totals.get("failed", 0),
        "budget_fen": budget,
        "deal_fen": totals.get("deal_fen", 0),
        "savings_fen": savings,
        "saving_rate": round(savings / budget, 4) if budget else 0.0,
        "median_cycle_working_days": median,
    })


routes = [
    Route("/api/announcements", list_announcements, methods=["GET"]),
    Route("/api/announcements/{announcement_id}", get_announcement, methods=["GET"]),
    Route("/api/stats", stats, methods=["GET"]),
]
