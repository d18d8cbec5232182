"""The catalog directory over HTTP: categories (with their change log), items, and the price feed
that makes an item's reference price."""

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from redis.asyncio import Redis
from starlette.testclient import TestClient

from mall_api.clock import now_ms, to_rfc3339
from mall_api.references import current_reference

Auth = Callable[[str, str], dict[str, str]]
DAY_MS = 86_400_000


@pytest.fixture
def admin(auth: Auth) -> dict[str, str]:
    return auth("admin", "fin")


def error(response: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    err = response.json()["error"]
    assert err["code"] == code
    if field is not None:
        assert err.get("field") == field, err
    return err


def category(client: TestClient, admin: dict[str, str], code: str, name: str, **extra: Any) -> Any:
    return client.post("/api/catalog/categories", json={"code": code, "name": name, **extra}, headers=admin)


@pytest.fixture
def computers(client: TestClient, admin: dict[str, str]) -> None:
    """计算机 (in the mall) with two sub-categories, and an item in each."""
    assert category(client, admin, "A02010100", "计算机", mall=True).status_code == 201
    assert category(client, admin, "A02010105", "台式计算机", mall=True).status_code == 201
    assert category(client, admin, "A02010106", "便携式计算机").status_code == 201
    for sku, code, name in (("PC-1", "A02010105", "台式机 i5"), ("NB-1", "A02010106", "笔记本 i7")):
        item = {"sku": sku, "category": code, "name": name, "unit": "台",
                "spec": {"cpu": name[-2:], "ram_gb": 16, "ssd": True}}
        r = client.post("/api/catalog/items", json=item, headers=admin)
        assert r.status_code == 201, r.text


def feed(client: TestClient, admin: dict[str, str], rows: list[Any]) -> dict[str, Any]:
    r = client.post("/api/catalog/reference-prices", json=rows, headers=admin)
    assert r.status_code == 200, r.text
    return r.json()


def row(sku: str, price_fen: Any, ago_ms: int = 0, source: str = "jd.com") -> dict[str, Any]:
    return {"sku": sku, "price_fen": price_fen, "source": source, "observed_at": to_rfc3339(now_ms() - ago_ms)}


# --- categories ------------------------------------------------------------------------------------

def test_category_parent_defaults_to_the_stored_natural_parent(client: TestClient, admin: dict[str, str]) -> None:
    r = category(client, admin, "A02010105", "台式计算机")
    assert r.status_code == 201 and r.json()["parent"] is None and r.json()["mall"] is False
    assert category(client, admin, "A02010100", "计算机").json()["parent"] is None
    assert category(client, admin, "A02010106", "便携式计算机").json()["parent"] == "A02010100"
    assert category(client, admin, "A020101", "计算机 (2013)").json()["parent"] is None
    assert category(client, admin, "A02010104", "台式 (2013)", parent="A020101").json()["parent"] == "A020101"
    assert client.get("/api/catalog/categories/A02010106").json()["name"] == "便携式计算机"
    error(client.get("/api/catalog/categories/A09"), 404, "NOT_FOUND")


def test_category_errors(client: TestClient, admin: dict[str, str], auth: Auth) -> None:
    body = {"code": "A02010100", "name": "计算机"}
    error(client.post("/api/catalog/categories", json=body), 401, "UNAUTHORIZED")
    error(client.post("/api/catalog/categories", json=body, headers=auth("buyer", "U1")), 403, "FORBIDDEN")
    for bad in ("X0201", "A0201010500", "a0201", "A00", "A02000101"):
        error(category(client, admin, bad, "x"), 400, "INVALID", "code")
    error(category(client, admin, "A02010100", ""), 400, "INVALID", "name")
    error(category(client, admin, "A02010100", "计算机", mall="yes"), 400, "INVALID", "mall")
    err = error(category(client, admin, "A02010100", "计算机", colour="red"), 400, "INVALID")
    assert "colour" in err["message"]
    error(category(client, admin, "A02010105", "台式", parent="A0201"), 400, "INVALID", "parent")  # not stored
    assert category(client, admin, "A0202", "网络设备").status_code == 201
    error(category(client, admin, "A02010105", "台式", parent="A0202"), 400, "INVALID", "parent")  # not above it
    assert client.post("/api/catalog/categories", json=body, headers=admin).status_code == 201
    error(client.post("/api/catalog/categories", json=body, headers=admin), 409, "CONFLICT")


@pytest.mark.usefixtures("computers")
def test_category_list_filters(client: TestClient) -> None:
    def codes(query: str) -> list[str]:
        return [c["code"] for c in client.get(f"/api/catalog/categories{query}").json()["items"]]

    assert codes("") == ["A02010100", "A02010105", "A02010106"]
    assert codes("?mall=true") == ["A02010100", "A02010105"]
    assert codes("?mall=false") == ["A02010106"]
    assert codes("?parent=A02010100") == ["A02010105", "A02010106"]
    assert codes("?q=台式") == ["A02010105"]
    assert codes("?q=a0201010") == ["A02010100", "A02010105", "A02010106"]
    assert codes("?mall=true&parent=A02010100") == ["A02010105"]
    error(client.get("/api/catalog/categories?mall=maybe"), 400, "INVALID", "mall")


@pytest.mark.usefixtures("computers")
def test_category_patch_keeps_a_change_log(client: TestClient, admin: dict[str, str], auth: Auth) -> None:
    url = "/api/catalog/categories/A02010106"
    r = client.patch(url, json={"mall": True}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["mall"] is True
    r = client.patch(url, json={"mall": False, "name": "笔记本电脑"}, headers=admin)
    changes = r.json()["changes"]
    assert [(c["field"], c["from"], c["to"]) for c in changes] == [
        ("mall", False, True), ("mall", True, False), ("name", "便携式计算机", "笔记本电脑")]
    assert all(c["actor"] == "fin" and c["at"].endswith("Z") for c in changes)
    # Setting what is already there changes nothing and logs nothing.
    assert len(client.patch(url, json={"mall": False}, headers=admin).json()["changes"]) == 3
    assert client.get(url).json()["name"] == "笔记本电脑"
    error(client.patch(url, json={}, headers=admin), 400, "INVALID")
    error(client.patch(url, json={"mall": True, "parent": "A02"}, headers=admin), 400, "INVALID")
    error(client.patch(url, json={"mall": 1}, headers=admin), 400, "INVALID", "mall")
    error(client.patch(url, json={"mall": True}), 401, "UNAUTHORIZED")
    error(client.patch(url, json={"mall": True}, headers=auth("dept", "D1")), 403, "FORBIDDEN")
    error(client.patch("/api/catalog/categories/A09", json={"mall": True}, headers=admin), 404, "NOT_FOUND")


# --- items -------------------------------------------------------------------------------------------

@pytest.mark.usefixtures("computers")
def test_items(client: TestClient, admin: dict[str, str], auth: Auth) -> None:
    item = client.get("/api/catalog/items/PC-1").json()
    assert item["category"] == "A02010105" and item["spec"] == {"cpu": "i5", "ram_gb": 16, "ssd": True}
    assert item["reference"] is None

    def skus(query: str) -> list[str]:
        return [i["sku"] for i in client.get(f"/api/catalog/items{query}").json()["items"]]

    assert skus("") == ["NB-1", "PC-1"]
    assert skus("?category=A02010100") == ["NB-1", "PC-1"]  # sub-categories included
    assert skus("?category=A020101") == ["NB-1", "PC-1"]  # either spelling
    assert skus("?category=A02010105") == ["PC-1"]
    assert skus("?q=笔记本") == ["NB-1"]
    assert skus("?q=pc-") == ["PC-1"]
    assert skus("?category=A02010105&q=笔记本") == []
    error(client.get("/api/catalog/items?category=nonsense"), 400, "INVALID", "category")
    error(client.get("/api/catalog/items/none"), 404, "NOT_FOUND")

    body = {"sku": "PC-2", "category": "A02010105", "name": "台式机 i7", "unit": "台"}
    error(client.post("/api/catalog/items", json={**body, "category": "A02010107"}, headers=admin),
          400, "INVALID", "category")
    error(client.post("/api/catalog/items", json={**body, "spec": {"cpu": ["i7"]}}, headers=admin),
          400, "INVALID", "spec")
    error(client.post("/api/catalog/items", json={**body, "sku": "x" * 65}, headers=admin), 400, "INVALID", "sku")
    error(client.post("/api/catalog/items", json={**body, "price": 1}, headers=admin), 400, "INVALID")
    error(client.post("/api/catalog/items", json=body), 401, "UNAUTHORIZED")
    error(client.post("/api/catalog/items", json=body, headers=auth("supplier", "S1")), 403, "FORBIDDEN")
    r = client.post("/api/catalog/items", json=body, headers=admin)
    assert r.status_code == 201 and r.json()["spec"] == {}
    error(client.post("/api/catalog/items", json=body, headers=admin), 409, "CONFLICT")


# --- reference prices ----------------------------------------------------------------------------------

@pytest.mark.usefixtures("computers")
def test_reference_is_the_lowest_fresh_observation(client: TestClient, admin: dict[str, str], redis_url: str) -> None:
    fresh = row("PC-1", 450_000, ago_ms=DAY_MS, source="suning.com")
    result = feed(client, admin, [
        row("PC-1", 480_000, source="jd.com"),
        fresh,
        row("PC-1", 300_000, ago_ms=31 * DAY_MS, source="old.example"),  # lower, but stale: ignored
        row("PC-1", 200_000, ago_ms=-DAY_MS, source="future.example"),  # from tomorrow: refused
    ])
    assert result["accepted"] == 3
    assert [(r["index"], r["code"]) for r in result["rejected"]] == [(3, "BAD_TIME")]
    expected = {"price_fen": 450_000, "source": "suning.com", "observed_at": fresh["observed_at"]}
    assert client.get("/api/catalog/items/PC-1").json()["reference"] == expected
    listed = {i["sku"]: i["reference"] for i in client.get("/api/catalog/items").json()["items"]}
    assert listed == {"PC-1": expected, "NB-1": None}

    async def reference_at(at_ms: int) -> Any:
        async with Redis.from_url(redis_url) as redis:
            return await current_reference(redis, "PC-1", at_ms, 30)

    found = asyncio.run(reference_at(now_ms()))
    assert (found.price_fen, found.source) == (450_000, "suning.com")
    # Once the cheaper observation leaves the 30-day window, the next lowest fresh one is the reference.
    later = asyncio.run(reference_at(now_ms() + 29 * DAY_MS + 3_600_000))
    assert (later.price_fen, later.source) == (480_000, "jd.com")
    assert asyncio.run(reference_at(now_ms() + 31 * DAY_MS)) is None


@pytest.mark.usefixtures("computers")
def test_bad_feed_rows_are_reported_and_good_ones_kept(client: TestClient, admin: dict[str, str]) -> None:
    result = feed(client, admin, [
        row("PC-1", 500_000),
        row("GHOST", 100_000),
        row("PC-1", 0),
        row("PC-1", 12.5),
        row("PC-1", "100"),
        row("PC-1", 10**15 + 1),
        {**row("PC-1", 100_000), "observed_at": "yesterday"},
        {**row("PC-1", 100_000), "observed_at": "2026-01-01T00:00:00"},  # no offset
        {"sku": "PC-1", "price_fen": 100_000},
        {**row("PC-1", 100_000), "discount": 1},
        "not a row",
        row("NB-1", 700_000),
    ])
    assert result["accepted"] == 2
    rejected = [(r["index"], r["sku"], r["code"]) for r in result["rejected"]]
    assert rejected == [
        (1, "GHOST", "UNKNOWN_SKU"), (2, "PC-1", "BAD_PRICE"), (3, "PC-1", "BAD_PRICE"), (4, "PC-1", "BAD_PRICE"),
        (5, "PC-1", "BAD_PRICE"), (6, "PC-1", "BAD_TIME"), (7, "PC-1", "BAD_TIME"), (8, "PC-1", "INVALID"),
        (9, "PC-1", "INVALID"), (10, None, "INVALID"),
    ]
    assert all(r["message"] for r in result["rejected"])
    assert client.get("/api/catalog/items/PC-1").json()["reference"]["price_fen"] == 500_000
    assert client.get("/api/catalog/items/NB-1").json()["reference"]["price_fen"] == 700_000


def test_feed_errors(client: TestClient, admin: dict[str, str], auth: Auth) -> None:
    url = "/api/catalog/reference-prices"
    error(client.post(url, json=[]), 401, "UNAUTHORIZED")
    error(client.post(url, json=[], headers=auth("buyer", "U1")), 403, "FORBIDDEN")
    error(client.post(url, json={"sku": "PC-1"}, headers=admin), 400, "INVALID")
    assert feed(client, admin, []) == {"accepted": 0, "rejected": []}
