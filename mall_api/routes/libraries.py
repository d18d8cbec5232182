"""Base libraries (API.md): departments, units, agencies, experts and laws, plus the supplier
library of `routes/suppliers.py`. Admin writes, public reads; a duplicate id is 409.

The simple libraries share one shape (create, list, get one), built by :func:`library`; each adds
only what is its own: a unit names a known department, laws are searched with `q`.
"""

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mall_api import schemas
from mall_api.auth import require
from mall_api.clock import now_ms, to_rfc3339
from mall_api.context import body, json, mall, page, page_params, principal
from mall_api.errors import conflict, invalid, not_found
from mall_api.routes import suppliers
from mall_api.store.documents import Doc, Documents

Check = Callable[[Documents, Any], Awaitable[None]]
Filter = Callable[[Request], Callable[[Doc], bool] | None]


def library(
    kind: str, path: str, schema: type[schemas.Body], *, check: Check | None = None, search: Filter | None = None
) -> list[Route]:
    """`POST path` (admin) → 201, `GET path` (paged, narrowed by `search`), `GET path/{id}` for one `kind`."""
    label = kind.capitalize()

    async def create(request: Request) -> Response:
        require(principal(request), "admin")
        entry = await body(request, schema)
        docs = mall(request).docs
        if check is not None:
            await check(docs, entry)
        doc = {**msgspec.to_builtins(entry), "created_at": to_rfc3339(now_ms())}
        if not await docs.create(kind, doc["id"], doc):
            raise conflict(f"{label} {doc['id']} already exists")
        return json(doc, 201)

    async def listing(request: Request) -> Response:
        cursor, limit = page_params(request)
        keep = search(request) if search is not None else None
        items, next_cursor = await mall(request).docs.page(kind, cursor, limit, keep)
        return page(items, next_cursor)

    async def one(request: Request) -> Response:
        doc = await mall(request).docs.get(kind, request.path_params["id"])
        if doc is None:
            raise not_found(f"{label} {request.path_params['id']}")
        return json(doc)

    return [
        Route(path, create, methods=["POST"]),
        Route(path, listing, methods=["GET"]),
        Route(f"{path}/{{id}}", one, methods=["GET"]),
    ]


async def _known_department(docs: Documents, unit: schemas.Unit) -> None:
    # The department reviews the unit's filings, so a unit must never point at nobody.
    if await docs.get("department", unit.department_id) is None:
        raise invalid(f"department {unit.department_id} does not exist", "department_id")


def _units_of(request: Request) -> Callable[[Doc], bool] | None:
    department = request.query_params.get("department_id")
    return None if not department else lambda doc: doc["department_id"] == department


def _laws_matching(request: Request) -> Callable[[Doc], bool] | None:
    q = request.query_params.get("q", "").strip().casefold()
    if not q:
        return None
    return lambda doc: any(q in doc[field].casefold() for field in ("title", "article", "text"))


routes: list[Route] = [
    *library("department", "/api/departments", schemas.Department),
    *library("unit", "/api/units", schemas.Unit, check=_known_department, search=_units_of),
    *suppliers.routes,
    *library("agency", "/api/agencies", schemas.Agency),
    *library("expert", "/api/experts", schemas.Expert),
    *library("law", "/api/laws", schemas.Law, search=_laws_matching),
]
