"""The catalog directory (API.md "Catalog directory"): categories, items and the price feed.

Categories are documents of kind "category" keyed by code; the mall flag and the name may change
(the directory is dynamic) and every change is kept in the category's `changes`. Items are kind
"item" keyed by sku and show their current reference price; the feed's observations live in
`mall_api.references`.
"""

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from catalog.codes import is_valid_code, is_within, parent_of
from catalog.reference import Observation
from mall_api import references, schemas
from mall_api.auth import require
from mall_api.clock import now_ms, to_rfc3339
from mall_api.context import body, json, mall, page, page_params, principal
from mall_api.errors import conflict, invalid, not_found
from mall_api.store.documents import Doc, Documents


def _matches(request: Request, *fields: str) -> Callable[[Doc], bool]:
    """Case-insensitive substring search of `q` over `fields`; everything matches without `q`."""
    q = request.query_params.get("q", "").strip().casefold()
    return lambda doc: not q or any(q in str(doc[field]).casefold() for field in fields)


def _code_param(request: Request, name: str) -> str | None:
    code = request.query_params.get(name) or None
    if code is not None and not is_valid_code(code):
        raise invalid(f"{code} is not a procurement item code", name)
    return code


async def _parent(docs: Documents, entry: schemas.Category) -> str | None:
    if entry.parent is None:
        # The catalogue may be loaded sparsely: link to the natural parent only when it is there.
        natural = parent_of(entry.code)
        return natural if natural is not None and await docs.get("category", natural) is not None else None
    if not is_valid_code(entry.parent) or entry.parent == entry.code or not is_within(entry.code, entry.parent):
        raise invalid(f"{entry.parent} is not a category above {entry.code}", "parent")
    if await docs.get("category", entry.parent) is None:
        raise invalid(f"category {entry.parent} does not exist", "parent")
    return entry.parent


async def create_category(request: Request) -> Response:
    require(principal(request), "admin")
    entry = await body(request, schemas.Category)
    if not is_valid_code(entry.code):
        raise invalid(f"{entry.code} is not a procurement item code (e.g. A02010105)", "code")
    docs = mall(request).docs
    doc = {
        "code": entry.code, "name": entry.name, "parent": await _parent(docs, entry), "mall": entry.mall,
        "created_at": to_rfc3339(now_ms()), "changes": [],
    }
    if not await docs.create("category", entry.code, doc):
        raise conflict(f"Category {entry.code} already exists")
    return json(doc, 201)


async def patch_category(request: Request) -> Response:
    actor = require(principal(request), "admin")
    patch = await body(request, schemas.CategoryPatch)
    wanted = {field: value for field, value in (("mall", patch.mall), ("name", patch.name)) if value is not None}
    if not wanted:
        raise invalid("give mall or name to change")
    at = to_rfc3339(now_ms())

    def apply(doc: Doc) -> Doc | None:
        changes = [
            {"at": at, "actor": actor.id, "field": field, "from": doc[field], "to": value}
            for field, value in wanted.items() if doc[field] != value
        ]
        return {**doc, **wanted, "changes": [*doc["changes"], *changes]} if changes else None

    code = request.path_params["code"]
    updated = await mall(request).docs.update("category", code, apply)
    if updated is None:
        raise not_found(f"Category {code}")
    return json(updated)


async def list_categories(request: Request) -> Response:
    cursor, limit = page_params(request)
    flag = request.query_params.get("mall")
    if flag not in (None, "true", "false"):
        raise invalid("mall must be true or false", "mall")
    parent = request.query_params.get("parent") or None
    search = _matches(request, "code", "name")

    def keep(doc: Doc) -> bool:
        return (
            (flag is None or doc["mall"] == (flag == "true"))
            and (parent is None or doc["parent"] == parent)
            and search(doc)
        )

    items, next_cursor = await mall(request).docs.page("category", cursor, limit, keep)
    return page(items, next_cursor)


async def get_category(request: Request) -> Response:
    doc = await mall(request).docs.get("category", request.path_params["code"])
    if doc is None:
        raise not_found(f"Category {request.path_params['code']}")
    return json(doc)


async def create_item(request: Request) -> Response:
    require(principal(request), "admin")
    entry = await body(request, schemas.Item)
    docs = mall(request).docs
    if await docs.get("category", entry.category) is None:
        raise invalid(f"category {entry.category} is not in the catalog", "category")
    doc = {
        "sku": entry.sku, "category": entry.category, "name": entry.name, "unit": entry.unit, "spec": entry.spec,
        "created_at": to_rfc3339(now_ms()),
    }
    if not await docs.create("item", entry.sku, doc):
        raise conflict(f"Item {entry.sku} already exists")
    return json({**doc, "reference": None}, 201)


def _reference_view(observation: Observation | None) -> dict[str, Any] | None:
    if observation is None:
        return None
    return {"price_fen": observation.price_fen, "source": observation.source,
            "observed_at": to_rfc3339(observation.observed_at)}


async def _with_references(request: Request, items: list[Doc]) -> list[Doc]:
    parts = mall(request)
    found = await references.current_references(
        parts.redis, [item["sku"] for item in items], now_ms(), parts.settings.reference_max_age_days
    )
    return [{**item, "reference": _reference_view(found[item["sku"]])} for item in items]


async def list_items(request: Request) -> Response:
    cursor, limit = page_params(request)
    category = _code_param(request, "category")
    search = _matches(request, "sku", "name")

    def keep(doc: Doc) -> bool:
        return (category is None or is_within(doc["category"], category)) and search(doc)

    items, next_cursor = await mall(request).docs.page("item", cursor, limit, keep)
    return page(await _with_references(request, items), next_cursor)


async def get_item(request: Request) -> Response:
    doc = await mall(request).docs.get("item", request.path_params["sku"])
    if doc is None:
        raise not_found(f"Item {request.path_params['sku']}")
    return json((await _with_references(request, [doc]))[0])


async def post_reference_prices(request: Request) -> Response:
    require(principal(request), "admin")
    rows = await body(request, list)
    parts = mall(request)
    skus = sorted({row["sku"] for row in rows if isinstance(row, dict) and isinstance(row.get("sku"), str)})
    known = {sku for sku, doc in zip(skus, await parts.docs.get_many("item", skus), strict=True) if doc is not None}
    now = now_ms()
    accepted, rejected = references.parse_feed(rows, known, now)
    if accepted:
        await references.record(parts.redis, accepted, now, parts.settings.reference_max_age_days)
    return json({"accepted": len(accepted), "rejected": rejected})


routes: list[Route] = [
    Route("/api/catalog/categories", create_category, methods=["POST"]),
    Route("/api/catalog/categories", list_categories, methods=["GET"]),
    Route("/api/catalog/categories/{code}", get_category, methods=["GET"]),
    Route("/api/catalog/categories/{code}", patch_category, methods=["PATCH"]),
    Route("/api/catalog/items", create_item, methods=["POST"]),
    Route("/api/catalog/items", list_items, methods=["GET"]),
    Route("/api/catalog/items/{sku}", get_item, methods=["GET"]),
    Route("/api/catalog/reference-prices", post_reference_prices, methods=["POST"]),
]
