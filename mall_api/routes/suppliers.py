"""The supplier library: admission (入围) to catalog categories and credit (blacklist, warning, clear).

A supplier document keeps `categories` (admitted codes, each covering its sub-categories), `credit`
(`{status, reason, until_ms}`, the sanction in force) and `credit_history` (every action: who, when,
what). Readers get `admitted_categories` with names and `credit` as it stands now, since a sanction
lapses by itself at its `until`.
"""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from catalog.codes import is_valid_code
from engine.credit_code import is_valid_credit_code
from mall_api import schemas
from mall_api.auth import require
from mall_api.clock import from_rfc3339, now_ms, to_rfc3339
from mall_api.context import body, json, mall, page, page_params, principal
from mall_api.eligibility import admits, credit_status
from mall_api.errors import conflict, invalid, not_found
from mall_api.library_search import all_of, query
from mall_api.store.documents import Doc, Documents

GOOD: dict[str, Any] = {"status": "good", "reason": None, "until_ms": None}


def _credit_view(credit: dict[str, Any], now: int) -> dict[str, Any]:
    status = credit_status(credit, now)
    if status == "good" and credit.get("status") != "good":
        return {"status": "good", "reason": None, "until": None}  # the sanction has lapsed
    until_ms = credit.get("until_ms")
    until = None if until_ms is None else to_rfc3339(until_ms)
    return {"status": status, "reason": credit.get("reason"), "until": until}


async def _views(docs: Documents, suppliers: list[Doc]) -> list[Doc]:
    codes = sorted({code for s in suppliers for code in s["categories"]})
    names = {code: (c or {}).get("name") for code, c in zip(codes, await docs.get_many("category", codes), strict=True)}
    now = now_ms()
    return [
        {
            **{k: v for k, v in s.items() if k != "credit"},
            "admitted_categories": [{"code": code, "name": names[code]} for code in s["categories"]],
            "credit": _credit_view(s["credit"], now),
        }
        for s in suppliers
    ]


async def create(request: Request) -> Response:
    require(principal(request), "admin")
    entry = await body(request, schemas.Supplier)
    if not is_valid_credit_code(entry.credit_code):
        raise invalid("not a unified social credit code: its check character is wrong (GB 32100)", "credit_code")
    docs = mall(request).docs
    categories = list(dict.fromkeys(entry.categories))
    known = await docs.get_many("category", categories)
    missing = [code for code, doc in zip(categories, known, strict=True) if doc is None]
    if missing:
        raise invalid(f"not in the catalog: {', '.join(missing)}", "categories")
    doc = {
        "id": entry.id, "name": entry.name, "credit_code": entry.credit_code, "categories": categories,
        "address": entry.address, "credit": GOOD, "credit_history": [], "created_at": to_rfc3339(now_ms()),
    }
    if not await docs.create("supplier", entry.id, doc):
        raise conflict(f"Supplier {entry.id} already exists")
    return json((await _views(docs, [doc]))[0], 201)


async def listing(request: Request) -> Response:
    cursor, limit = page_params(request)
    category = request.query_params.get("category") or None
    if category is not None and not is_valid_code(category):
        raise invalid(f"{category} is not a procurement item code", "category")
    admitted = None if category is None else lambda doc: admits(doc["categories"], category)
    keep = all_of(query(request, "id", "name", "credit_code"), admitted)
    docs = mall(request).docs
    items, next_cursor = await docs.page("supplier", cursor, limit, keep)
    return page(await _views(docs, items), next_cursor)


async def one(request: Request) -> Response:
    docs = mall(request).docs
    doc = await docs.get("supplier", request.path_params["id"])
    if doc is None:
        raise not_found(f"Supplier {request.path_params['id']}")
    return json((await _views(docs, [doc]))[0])


def _sanction(action: schemas.CreditAction) -> int | None:
    """`until` in ms; only a blacklist or a warning can run out."""
    if action.until is None:
        return None
    if action.kind == "clear":
        raise invalid("a clear takes no until", "until")
    try:
        return from_rfc3339(action.until)
    except ValueError:
        raise invalid("until must be an RFC 3339 time such as 2026-12-04T19:05:00Z", "until") from None


async def credit(request: Request) -> Response:
    actor = require(principal(request), "admin")
    action = await body(request, schemas.CreditAction)
    until_ms = _sanction(action)
    now = now_ms()
    record = {
        "at": to_rfc3339(now), "actor": actor.id, "kind": action.kind, "reason": action.reason,
        "until": None if until_ms is None else to_rfc3339(until_ms),
    }
    status = {"blacklist": "blacklisted", "warning": "warning", "clear": "good"}[action.kind]

    def apply(doc: Doc) -> Doc:
        current = doc["credit"]
        # Only a clear (or its own expiry) lifts a blacklist: a warning on top of one is recorded, not enforced.
        blacklisted = credit_status(current, now) == "blacklisted"
        keep = action.kind == "warning" and blacklisted
        new = current if keep else {"status": status, "reason": action.reason, "until_ms": until_ms}
        return {**doc, "credit": new, "credit_history": [*doc["credit_history"], record]}

    supplier_id = request.path_params["id"]
    updated = await mall(request).docs.update("supplier", supplier_id, apply)
    if updated is None:
        raise not_found(f"Supplier {supplier_id}")
    return json({"supplier_id": supplier_id, **record, "credit": _credit_view(updated["credit"], now)}, 201)


routes: list[Route] = [
    Route("/api/suppliers", create, methods=["POST"]),
    Route("/api/suppliers", listing, methods=["GET"]),
    Route("/api/suppliers/{id}", one, methods=["GET"]),
    Route("/api/suppliers/{id}/credit", credit, methods=["POST"]),
]
