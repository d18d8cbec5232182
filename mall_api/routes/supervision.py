"""`GET /api/supervision/flags` (admin, dept): red flags newest first (mall_api.flags), filtered by
`kind`, `unit`, `auction_id`; a department sees its own units' flags only."""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engine.redflags import FLAG_KINDS
from mall_api.auth import require
from mall_api.clock import to_rfc3339
from mall_api.context import mall, page, page_params, principal
from mall_api.errors import invalid
from mall_api.search_index import SORT_KEY


def render(flag: dict[str, Any]) -> dict[str, Any]:
    return {**flag, "raised_at": to_rfc3339(flag["raised_at"])}


async def list_flags(request: Request) -> Response:
    who = require(principal(request), "admin", "dept")
    cursor, limit = page_params(request)
    if cursor is not None and not SORT_KEY.fullmatch(cursor):
        raise invalid("malformed cursor", "cursor")
    params = request.query_params
    facets: list[tuple[str, str]] = []
    if params.get("kind"):
        if params["kind"] not in FLAG_KINDS:
            raise invalid(f"kind must be one of {', '.join(FLAG_KINDS)}", "kind")
        facets.append(("kind", params["kind"]))
    if params.get("unit"):
        facets.append(("unit", params["unit"]))
    if params.get("auction_id"):
        facets.append(("auction", params["auction_id"]))
    if who.role == "dept":
        facets.append(("dept", who.id))
    flags = mall(request).projector.flags
    rows = await flags.index.page(facets, None, cursor, None, None, limit + 1)
    items = await flags.get_many(rows[:limit])
    return page([render(f) for f in items], rows[limit - 1] if len(rows) > limit else None)


routes = [Route("/api/supervision/flags", list_flags, methods=["GET"])]
