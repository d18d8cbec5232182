"""`GET /openapi.json`: the HTTP API as an OpenAPI 3.1 document, built from one table.

`ENDPOINTS` names every HTTP endpoint once: method, path, request body type (a msgspec Struct, whose
JSON Schema msgspec generates), the roles that may call it, a summary and what it can answer. A test
checks that every Starlette route of the app is in the table and every row is a route, so an endpoint
added without a row here fails CI. Error responses all share the `Error` shape of API.md.
"""

import functools
import re
from dataclasses import dataclass
from typing import Any

import msgspec
import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mall_api import schemas
from mall_api.auth import Role
from mall_api.limits import CLOSE_FRAME_BUDGET, CLOSE_TOO_MANY_CONNECTIONS
from mall_api.routes.auctions import AuctionCreate, CancelRequest
from mall_api.routes.plans import Decision, PlanCreate

ADMIN: tuple[Role, ...] = ("admin",)
PAGED = ("limit", "cursor")


@dataclass(frozen=True, slots=True)
class Endpoint:
    method: str
    path: str
    summary: str
    body: Any = None
    roles: tuple[Role, ...] = ()  # empty: public
    query: tuple[str, ...] = ()
    status: int = 200
    errors: tuple[int, ...] = ()  # beyond what the body, the roles and the path imply
    media: str = "application/json"  # of the answer, errors included: a page for people is text/html


def _library(path: str, body: type[schemas.Body], what: str, *query: str) -> list[Endpoint]:
    return [
        Endpoint("POST", path, f"Add {what} (admin)", body, ADMIN, status=201, errors=(409,)),
        Endpoint("GET", path, f"List {what}s", query=(*PAGED, *query)),
        Endpoint("GET", f"{path}/{{id}}", f"One {what}"),
    ]


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/openapi.json", "This document"),
    Endpoint("POST", "/api/tokens", "Issue a token (admin)", schemas.TokenRequest, ADMIN, status=201),
    *_library("/api/departments", schemas.Department, "competent department"),
    *_library("/api/units", schemas.Unit, "purchasing unit", "department_id"),
    Endpoint("POST", "/api/suppliers", "Admit a supplier (admin)", schemas.Supplier, ADMIN, status=201, errors=(409,)),
    Endpoint("GET", "/api/suppliers", "List suppliers", query=(*PAGED, "category")),
    Endpoint("GET", "/api/suppliers/{id}", "One supplier with admission and credit status"),
    Endpoint("POST", "/api/suppliers/{id}/credit", "Blacklist, warn or clear a supplier (admin)",
             schemas.CreditAction, ADMIN, status=201),
    *_library("/api/agencies", schemas.Agency, "agency"),
    *_library("/api/experts", schemas.Expert, "expert"),
    *_library("/api/laws", schemas.Law, "law", "q"),
    Endpoint("POST", "/api/catalog/categories", "Add a catalog category (admin)", schemas.Category, ADMIN,
             status=201, errors=(409,)),
    Endpoint("GET", "/api/catalog/categories", "List categories", query=(*PAGED, "mall", "parent", "q")),
    Endpoint("GET", "/api/catalog/categories/{code}", "One category"),
    Endpoint("PATCH", "/api/catalog/categories/{code}", "Move a category in or out of the mall, rename it (admin)",
             schemas.CategoryPatch, ADMIN),
    Endpoint("POST", "/api/catalog/items", "Add a catalog item (admin)", schemas.Item, ADMIN, status=201,
             errors=(409,)),
    Endpoint("GET", "/api/catalog/items", "List items with their reference price", query=(*PAGED, "category", "q")),
    Endpoint("GET", "/api/catalog/items/{sku}", "One item with its reference price"),
    Endpoint("POST", "/api/catalog/reference-prices", "The whole-network price feed (admin); bad rows come back "
             "in `rejected`", list[dict[str, Any]], ADMIN),
    Endpoint("POST", "/api/plans", "File a purchase plan (buyer)", PlanCreate, ("buyer",), status=201,
             errors=(422,)),
    Endpoint("GET", "/api/plans", "Plans the caller may track", roles=("buyer", "dept", "admin"),
             query=(*PAGED, "status")),
    Endpoint("GET", "/api/plans/{plan_id}", "One plan", roles=("buyer", "dept", "admin")),
    Endpoint("POST", "/api/plans/{plan_id}/review", "Review a plan (the unit's department)", Decision, ("dept",),
             errors=(409,)),
    Endpoint("POST", "/api/plans/{plan_id}/approval", "Approve a plan (核准, admin)", Decision, ADMIN, errors=(409,)),
    Endpoint("POST", "/api/auctions", "Launch a reverse auction from a filed mall plan (buyer)", AuctionCreate,
             ("buyer",), status=201, errors=(404, 409, 422, 503)),
    Endpoint("GET", "/api/auctions", "List auctions", query=(*PAGED, "status")),
    Endpoint("GET", "/api/auctions/{auction_id}", "One auction: never who bid while it runs; `result` after close"),
    Endpoint("POST", "/api/auctions/{auction_id}/cancel", "Cancel before close (buyer or admin)", CancelRequest,
             ("buyer", "admin"), errors=(409, 503)),
    Endpoint("GET", "/api/announcements", "Announcements, newest first",
             query=(*PAGED, "kind", "q", "category", "buyer", "supplier", "since", "until")),
    Endpoint("GET", "/api/announcements/{announcement_id}", "One announcement"),
    Endpoint("GET", "/announcements/{announcement_id}", "An announcement's printable page (HTML, in Chinese)",
             media="text/html"),
    Endpoint("GET", "/", "The public portal: live auctions and the announcement search (HTML, in Chinese)",
             media="text/html"),
    Endpoint("GET", "/stats", "The statistics page, charts drawn as SVG (HTML, in Chinese)", media="text/html"),
    Endpoint("GET", "/auctions/{auction_id}", "The supplier bidding room (HTML, in Chinese)", media="text/html"),
    Endpoint("GET", "/buyer", "The purchasing unit's console: file plans, launch and cancel auctions (HTML)",
             media="text/html"),
    Endpoint("GET", "/admin", "The finance bureau's console: mall directory, suppliers, reference prices (HTML)",
             media="text/html"),
    Endpoint("GET", "/review", "The department's review queue and the admin's approval queue (HTML)",
             media="text/html"),
    Endpoint("GET", "/api/stats", "The figures the mall reports to the public; per category, unit or month with `by`, "
             "or the cycle-time distribution with `by=cycle`",
             query=("by",)),
    Endpoint("GET", "/api/audit/{auction_id}", "Every stored event of an auction with its chain link, verified",
             roles=("admin", "dept")),
    Endpoint("GET", "/api/ocds/{auction_id}", "The auction as an OCDS 1.1 release package"),
    Endpoint("GET", "/api/archives/{batch_no}", "A closed project's whole record (档案库), by batch number",
             errors=(409,)),
    Endpoint("GET", "/api/supervision/flags", "Red flags for supervisors, newest first", roles=("admin", "dept"),
             query=(*PAGED, "kind", "unit", "auction_id")),
)

WEBSOCKETS = {
    "/ws/auctions/{auction_id}": "Live bidding (API.md). Closes: 1000 after `closed`, 1008 over the per-connection "
    f"frame budget ({CLOSE_FRAME_BUDGET}), 1009 frame over 4 KiB, 1013 too slow, 4401 bad token, 4404 unknown "
    f"auction, {CLOSE_TOO_MANY_CONNECTIONS} too many connections for one principal.",
    "/ws/audit/{auction_id}": "The auction's log for supervisors (admin, dept), live and gap-free from `?since=SEQ`. "
    "Closes: 1000 after `end`, 4401 bad token, 4403 wrong role, 4404 unknown auction.",
}

MOUNTS = {"/static": "The pages' stylesheet and ES modules (mall_api/static/), as files."}

_QUERY: dict[str, dict[str, Any]] = {
    "limit": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50},
    "cursor": {"type": "string"},
    "q": {"type": "string", "description": "case-insensitive search"},
    "status": {"type": "string"},
    # One name, two lists: announcements and red flags (GET /api/supervision/flags) each check their own.
    "kind": {"type": "string", "description": "announcements: bidding, deal, failed, cancelled; red flags: "
             "abnormally_low, single_bidder, identical_quotes, missed_deadline, repeat_winner"},
    "category": {"type": "string", "description": "a procurement item code, e.g. A02010105"},
    "since": {"type": "string", "description": "an RFC 3339 time; empty means no bound"},
    "mall": {"type": "string", "enum": ["true", "false"]},
    "parent": {"type": "string"},
    "department_id": {"type": "string"},
    "buyer": {"type": "string", "description": "a purchasing unit id"},
    "supplier": {"type": "string", "description": "a supplier id"},
    "until": {"type": "string", "description": "an RFC 3339 time; empty means no bound"},
    "by": {"type": "string", "enum": ["category", "unit", "month", "cycle"]},
    "unit": {"type": "string", "description": "a purchasing unit id"},
    "auction_id": {"type": "string"},
}

ERROR = {
    "type": "object", "required": ["error"], "additionalProperties": False,
    "properties": {"error": {
        "type": "object", "required": ["code", "message"], "additionalProperties": False,
        "properties": {
            "code": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$", "description": "stable, UPPER_SNAKE"},
            "message": {"type": "string"},
            "field": {"type": "string", "description": "the request field at fault, when there is one"},
        },
    }},
}
PAGE = {
    "type": "object", "required": ["items", "next_cursor"],
    "properties": {"items": {"type": "array", "items": {"type": "object"}},
                   "next_cursor": {"type": ["string", "null"]}},
}
_REASONS = {400: "Malformed or invalid request (INVALID)", 401: "Missing, forged or expired token (UNAUTHORIZED)",
            403: "Wrong role, or not yours (FORBIDDEN)", 404: "Unknown id (NOT_FOUND)",
            409: "Wrong state or duplicate (CONFLICT or a precise code)", 413: "Body over 1 MiB (PAYLOAD_TOO_LARGE)",
            422: "A procurement rule says no (a precise code)", 503: "The store is unavailable (UNAVAILABLE)"}
_PATH_PARAM = re.compile(r"{([^}]+)}")


def _error_codes(e: Endpoint) -> list[int]:
    codes = set(e.errors)
    if e.body is not None:
        codes |= {400, 413}
    if e.query:
        codes.add(400)
    if e.roles:
        codes |= {401, 403}
    if _PATH_PARAM.search(e.path):
        codes.add(404)
    return sorted(codes)


def _operation(e: Endpoint, body_schema: dict[str, Any] | None) -> dict[str, Any]:
    params = [{"name": name, "in": "path", "required": True,
               "schema": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[^/?#]+$"}}
              for name in _PATH_PARAM.findall(e.path)]
    params += [{"name": name, "in": "query", "required": False, "schema": _QUERY[name]} for name in e.query]
    html = e.media == "text/html"
    success = {"type": "string"} if html else PAGE if e.method == "GET" and "limit" in e.query else {"type": "object"}
    responses: dict[str, Any] = {
        str(e.status): {"description": "OK", "content": {e.media: {"schema": success}}},
    }
    error = {"type": "string"} if html else {"$ref": "#/components/schemas/Error"}
    for code in _error_codes(e):
        responses[str(code)] = {"description": _REASONS[code], "content": {e.media: {"schema": error}}}
    op: dict[str, Any] = {
        "summary": e.summary,
        "operationId": f"{e.method.lower()}{re.sub(r'[^A-Za-z0-9]+', '_', e.path)}".rstrip("_"),
        "parameters": params,
        "responses": responses,
        "security": [{"bearer": []}] if e.roles else [],
    }
    if e.roles:
        op["x-roles"] = list(e.roles)
        op["description"] = f"Roles: {', '.join(e.roles)}."
    if body_schema is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body_schema}}}
    return op


def _body_schema(body: Any, schema: dict[str, Any]) -> dict[str, Any]:
    if body == list[dict[str, Any]]:
        # The feed is checked row by row: a bad row is reported in `rejected`, not refused with 400.
        return {"type": "array", "items": {},
                "x-row-schema": {"$ref": "#/components/schemas/ReferencePriceRow"}}
    return schema


def document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document (a fresh dict: callers may change it)."""
    bodies = [e.body for e in ENDPOINTS if e.body is not None]
    body_schemas, components = msgspec.json.schema_components(
        [*bodies, schemas.ReferencePriceRow], ref_template="#/components/schemas/{name}")
    paths: dict[str, dict[str, Any]] = {}
    for e, in_body in zip(ENDPOINTS, _bodies(body_schemas), strict=True):
        paths.setdefault(e.path, {})[e.method.lower()] = _operation(
            e, None if in_body is None else _body_schema(e.body, in_body))
    return {
        "openapi": "3.1.0",
        "info": {"title": "Government procurement online mall (网上商城)", "version": "1",
                 "description": "The contract is API.md; this document is generated from mall_api/openapi.py."},
        "paths": paths,
        "components": {
            "schemas": {**components, "Error": ERROR},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
        "x-websockets": WEBSOCKETS,
        "x-mounts": MOUNTS,
    }


def _bodies(body_schemas: list[dict[str, Any]]) -> list[dict[str, Any] | None]:
    found = iter(body_schemas)
    return [next(found) if e.body is not None else None for e in ENDPOINTS]


@functools.cache
def _encoded() -> bytes:
    return orjson.dumps(document())


async def openapi_json(_request: Request) -> Response:
    return Response(_encoded(), media_type="application/json")


routes = [Route("/openapi.json", openapi_json, methods=["GET"])]
