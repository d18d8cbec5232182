"""The public portal: announcements (JSON, searchable, and a printable page) and the statistics the
mall reports about itself (totals, or per category, unit or month with `?by=`)."""

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from catalog.codes import is_valid_code, normalise_code
from engine.announcements import KINDS
from mall_api import printable
from mall_api.clock import from_rfc3339, to_rfc3339
from mall_api.context import json, mall, page, page_params
from mall_api.errors import invalid, not_found
from mall_api.search_index import SORT_KEY
from mall_api.statistics import DIMENSIONS


def render(announcement: dict[str, Any]) -> dict[str, Any]:
    """Stored times (every `*_at`) are ms; the contract's are RFC 3339."""
    return {name: to_rfc3339(value) if name.endswith("_at") and isinstance(value, int) else value
            for name, value in announcement.items()}


def _time(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return from_rfc3339(raw)
    except ValueError as exc:
        raise invalid(str(exc), name) from None


def _filters(request: Request) -> list[tuple[str, str]]:
    params = request.query_params
    found: list[tuple[str, str]] = []
    kind = params.get("kind")
    if kind:
        if kind not in KINDS:
            raise invalid(f"kind must be one of {', '.join(KINDS)}", "kind")
        found.append(("kind", kind))
    category = params.get("category")
    if category:
        if not is_valid_code(category):
            raise invalid("category must be a procurement item code such as A02010105", "category")
        found.append(("cat", normalise_code(category)))
    for name in ("buyer", "supplier"):
        if params.get(name):
            found.append((name, params[name]))
    return found


async def list_announcements(request: Request) -> Response:
    """Newest first, from the index (mall_api.search_index); the cursor is stable under new publications."""
    cursor, limit = page_params(request)
    if cursor is not None and not SORT_KEY.fullmatch(cursor):
        raise invalid("malformed cursor", "cursor")
    filters = _filters(request)
    since, until = _time(request, "since"), _time(request, "until")
    q = request.query_params.get("q") or None
    items, next_cursor = await mall(request).projector.board.search(filters, q, cursor, since, until, limit)
    return page([render(a) for a in items], next_cursor)


async def get_announcement(request: Request) -> Response:
    found = await mall(request).projector.board.get(request.path_params["announcement_id"])
    if found is None:
        raise not_found("announcement")
    return json(render(found))


async def announcement_page(request: Request) -> Response:
    """The printable page of an announcement, in Chinese, as the national format lays it out."""
    found = await mall(request).projector.board.get(request.path_params["announcement_id"])
    if found is None:
        return HTMLResponse(printable.not_found_page(), status_code=404)
    return HTMLResponse(printable.announcement_page(found))


async def stats(request: Request) -> Response:
    m = mall(request)
    by = request.query_params.get("by")
    if by is None:
        return json({"suppliers": await m.docs.count("supplier"), **await m.projector.stats.totals()})
    if by == "cycle":  # the distribution of cycle times, for the statistics page's chart
        return json({"by": by, "items": await m.projector.stats.cycle_distribution()})
    if by not in DIMENSIONS:
        raise invalid(f"by must be one of {', '.join(DIMENSIONS)}, cycle", "by")
    items = await m.projector.stats.groups(by)
    if by in ("category", "unit"):
        names = await m.docs.get_many("category" if by == "category" else "unit", [i["key"] for i in items])
        for item, doc in zip(items, names, strict=True):
            item["name"] = None if doc is None else doc.get("name")
    return json({"by": by, "items": items})


routes = [
    Route("/api/announcements", list_announcements, methods=["GET"]),
    Route("/api/announcements/{announcement_id}", get_announcement, methods=["GET"]),
    Route("/announcements/{announcement_id}", announcement_page, methods=["GET"]),
    Route("/api/stats", stats, methods=["GET"]),
]
