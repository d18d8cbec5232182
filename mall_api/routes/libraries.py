"""Base libraries (API.md): departments, units, agencies, experts and laws, plus the supplier
library of `routes/suppliers.py`. Admin writes, public reads; a duplicate id is 409.

The simple libraries share one shape (create, list, get one), built by :func:`library`; every list
is paged and searched with `q` over the library's own fields, and each adds only what is its own: a
unit names a known department (and units are listed by `department_id`), experts by `speciality`.
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
from mall_api.library_search import Keep, all_of, query
from mall_api.routes import suppliers
from mall_api.store.documents import Documents

Check = Callable[[Documents, Any], Awaitable[None]]
Narrow = Callable[[Request], Keep | None]


def library(
    kind: str, path: str, schema: type[schemas.Body], searched: tuple[str, ...], *,
    check: Check | None = None, narrow: Narrow | None = None,
) -> list[Route]:
    """`POST path` (admin) → 201, `GET path` (paged; `q` over `searched`, then `narrow`), `GET path/{id}`."""
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
        keep = all_of(query(request, *searched), narrow(request) if narrow is not None else None)
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


def _units_of(request: Request) -> Keep | None:
    department = request.query_params.get("department_id")
    return None if not department else lambda doc: doc["department_id"] == department


def _experts_in(request: Request) -> Keep | None:
    speciality = request.query_params.get("speciality", "").strip()
    return None if not speciality else lambda doc: speciality in doc["specialities"]


routes: list[Route] = [
    *library("department", "/api/departments", schemas.Department, ("id", "name")),
    *library("unit", "/api/units", schemas.Unit, ("id", "name"), check=_known_department, narrow=_units_of),
    *suppliers.routes,
    *library("agency", "/api/agencies", schemas.Agency, ("id", "name", "contact")),
    *library("expert", "/api/experts", schemas.Expert, ("id", "name", "specialities"), narrow=_experts_in),
    *library("law", "/api/laws", schemas.Law, ("id", "title", "article", "text")),
]
