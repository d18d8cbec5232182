"""`GET /openapi.json`: every route of the app is documented (a new endpoint without a row in
`mall_api.openapi.ENDPOINTS` fails here), request bodies are the msgspec Structs' schemas, and every
error the app answers has the documented shape."""

from pathlib import Path
from typing import Any

import jsonschema
import pytest
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.testclient import TestClient

from mall_api.app import create_app
from mall_api.openapi import ENDPOINTS, ERROR, document
from mall_api.settings import Settings
from tests.flow import Auth, seed_libraries

METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def app_routes() -> tuple[set[tuple[str, str]], set[str]]:
    """(method, path) of every HTTP route and the path of every websocket route; nothing connects."""
    app = create_app(Settings(redis_url="redis://127.0.0.1:1/0", data_dir=Path("/nonexistent")))
    http: set[tuple[str, str]] = set()
    sockets: set[str] = set()
    pending: list[Any] = [(route, "") for route in app.routes]
    while pending:
        route, prefix = pending.pop()
        if isinstance(route, Route):
            http |= {(method, prefix + route.path) for method in (route.methods or set()) & METHODS}
        elif isinstance(route, WebSocketRoute):
            sockets.add(prefix + route.path)
        elif isinstance(route, Mount) and route.routes:
            pending += [(child, prefix + route.path) for child in route.routes]
        else:
            # A mounted app (static files) has no routes to list: it must be documented by hand.
            assert prefix + getattr(route, "path", "?") in document().get("x-mounts", {}), route
    return http, sockets


def documented(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}


def test_every_route_is_documented_and_every_documented_route_exists() -> None:
    http, sockets = app_routes()
    doc = document()
    assert http - documented(doc) == set(), "routes without a row in mall_api.openapi.ENDPOINTS"
    assert documented(doc) - http == set(), "rows of mall_api.openapi.ENDPOINTS that are no route"
    assert sockets == set(doc["x-websockets"])
    assert len(ENDPOINTS) == len(documented(doc)), "one row per (method, path)"


def test_the_document_is_openapi_3_1_with_struct_bodies() -> None:
    doc = document()
    assert doc["openapi"] == "3.1.0"
    schemas = doc["components"]["schemas"]
    department = doc["paths"]["/api/departments"]["post"]
    assert department["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Department"}
    assert schemas["Department"]["additionalProperties"] is False  # forbid_unknown_fields
    assert set(schemas["AuctionCreate"]["required"]) == {"plan_id", "sku", "quantity", "budget_fen", "duration_s"}
    assert schemas["AuctionCreate"]["properties"]["budget_fen"] == {
        "type": "integer", "minimum": 1, "maximum": 10**15}
    assert department["security"] == [{"bearer": []}] and department["x-roles"] == ["admin"]
    stats = doc["paths"]["/api/stats"]["get"]
    assert stats["security"] == [] and "401" not in stats["responses"]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            errors = [code for code in op["responses"] if int(code) >= 400]
            for code in errors:
                content = op["responses"][code]["content"]
                if "text/html" not in content:  # a page for people answers its errors as a page too
                    assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
            if "requestBody" in op:
                assert {"400", "413"} <= set(errors), (method, path)
            if "{" in path:
                assert "404" in errors, (method, path)


def body_validator(doc: dict[str, Any], method: str, path: str) -> jsonschema.protocols.Validator:
    schema = doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    return jsonschema.Draft202012Validator({**schema, "components": doc["components"]})


@pytest.mark.parametrize(("method", "path", "body", "valid"), [
    ("post", "/api/departments", {"id": "D1", "name": "市教育局"}, True),
    ("post", "/api/departments", {"id": "D1", "name": "市教育局", "colour": "red"}, False),
    ("post", "/api/departments", {"id": "", "name": "x"}, False),
    ("post", "/api/auctions", {"plan_id": "P1", "sku": "PC-001", "quantity": 10, "budget_fen": 4_900_000,
                               "duration_s": 60, "mode": "sealed"}, True),
    ("post", "/api/auctions", {"plan_id": "P1", "sku": "PC-001", "quantity": 10, "budget_fen": 0,
                               "duration_s": 60}, False),
    ("post", "/api/auctions", {"plan_id": "P1", "sku": "PC-001", "quantity": 10, "budget_fen": 1,
                               "duration_s": 60, "mode": "dutch"}, False),
    ("post", "/api/tokens", {"role": "supplier", "id": "S1", "ttl_s": 60}, True),
    ("post", "/api/tokens", {"role": "root", "id": "S1"}, False),
])
def test_body_schemas_agree_with_the_server(
    client: TestClient, auth: Auth, method: str, path: str, body: dict[str, Any], valid: bool
) -> None:
    doc = client.get("/openapi.json").json()
    assert doc == document()
    assert body_validator(doc, method, path).is_valid(body) is valid
    who = "buyer" if path == "/api/auctions" else "admin"
    r = client.request(method.upper(), path, json=body, headers=auth(who, "U1" if who == "buyer" else "fin"))
    assert (r.status_code != 400) is valid, r.text  # valid bodies fail later (404 plan) if at all, never 400


def test_every_error_the_app_answers_has_the_documented_shape(client: TestClient, auth: Auth) -> None:
    seed_libraries(client, auth)
    check = jsonschema.Draft202012Validator(ERROR)
    answers = {
        "bad body": client.post("/api/departments", content=b"{", headers=auth("admin", "fin")),
        "no token": client.post("/api/departments", json={"id": "D2", "name": "x"}),
        "forged token": client.get("/api/plans", headers={"Authorization": "Bearer forged"}),
        "wrong role": client.post("/api/departments", json={"id": "D2", "name": "x"}, headers=auth("buyer", "U1")),
        "unknown id": client.get("/api/auctions/A-none"),
        "no such path": client.get("/api/nothing-here"),
        "wrong method": client.delete("/api/departments"),
        "duplicate": client.post("/api/departments", json={"id": "D1", "name": "x"}, headers=auth("admin", "fin")),
        "too large": client.post("/api/departments", content=b" " * (1 << 21), headers=auth("admin", "fin")),
        "bad limit": client.get("/api/auctions?limit=0"),
    }
    statuses = {name: r.status_code for name, r in answers.items()}
    assert statuses == {"bad body": 400, "no token": 401, "forged token": 401, "wrong role": 403, "unknown id": 404,
                        "no such path": 404, "wrong method": 405, "duplicate": 409, "too large": 413,
                        "bad limit": 400}
    for name, r in answers.items():
        assert check.is_valid(r.json()), (name, r.text)
    assert answers["too large"].json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert answers["wrong method"].headers["allow"] == "GET, HEAD, POST"
