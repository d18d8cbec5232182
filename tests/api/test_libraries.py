"""Base libraries over HTTP: departments, units, suppliers (admission, credit), agencies, experts,
laws and tokens; plus `supplier_eligible` against the same store."""

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from redis.asyncio import Redis
from starlette.testclient import TestClient

from mall_api.auth import Tokens
from mall_api.clock import from_rfc3339, now_ms, to_rfc3339
from mall_api.eligibility import supplier_eligible
from mall_api.store.documents import Documents
from tests.flow import credit_code

Auth = Callable[[str, str], dict[str, str]]
CREDIT_CODE = credit_code(1)
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


def add_category(client: TestClient, admin: dict[str, str], code: str, name: str = "品目") -> None:
    r = client.post("/api/catalog/categories", json={"code": code, "name": name, "mall": True}, headers=admin)
    assert r.status_code == 201, r.text


def add_supplier(
    client: TestClient, admin: dict[str, str], sid: str = "S1", categories: tuple[str, ...] = ("A020101",)
) -> Any:
    return client.post("/api/suppliers", json={"id": sid, "name": "供应商", "credit_code": CREDIT_CODE,
                                               "categories": list(categories)}, headers=admin)


def eligible(redis_url: str, supplier_id: str, category: str, at_ms: int) -> bool:
    async def check() -> bool:
        async with Redis.from_url(redis_url) as redis:
            return await supplier_eligible(Documents(redis), supplier_id, category, at_ms)

    return asyncio.run(check())


# --- departments and units ---------------------------------------------------------------------

def test_department_create_list_get(client: TestClient, admin: dict[str, str]) -> None:
    r = client.post("/api/departments", json={"id": "D1", "name": "市教育局"}, headers=admin)
    assert r.status_code == 201
    assert r.json()["id"] == "D1" and r.json()["name"] == "市教育局"
    from_rfc3339(r.json()["created_at"])
    assert client.get("/api/departments").json() == {"items": [r.json()], "next_cursor": None}
    assert client.get("/api/departments/D1").json()["name"] == "市教育局"
    error(client.get("/api/departments/nope"), 404, "NOT_FOUND")


def test_department_errors(client: TestClient, admin: dict[str, str], auth: Auth) -> None:
    body = {"id": "D1", "name": "市教育局"}
    error(client.post("/api/departments", json=body), 401, "UNAUTHORIZED")
    error(client.post("/api/departments", json=body, headers={"Authorization": "Bearer forged"}), 401, "UNAUTHORIZED")
    error(client.post("/api/departments", json=body, headers=auth("buyer", "U1")), 403, "FORBIDDEN")
    error(client.post("/api/departments", json={"id": "", "name": "x"}, headers=admin), 400, "INVALID", "id")
    error(client.post("/api/departments", json={"id": "D1", "name": "x" * 201}, headers=admin), 400, "INVALID", "name")
    err = error(client.post("/api/departments", json={**body, "boss": "me"}, headers=admin), 400, "INVALID")
    assert "boss" in err["message"]
    error(client.post("/api/departments", content=b"{not json", headers=admin), 400, "INVALID")
    assert client.post("/api/departments", json=body, headers=admin).status_code == 201
    error(client.post("/api/departments", json=body, headers=admin), 409, "CONFLICT")


def test_lists_are_paged(client: TestClient, admin: dict[str, str]) -> None:
    for i in range(3):
        client.post("/api/departments", json={"id": f"D{i}", "name": f"局{i}"}, headers=admin)
    first = client.get("/api/departments?limit=2").json()
    assert [d["id"] for d in first["items"]] == ["D0", "D1"] and first["next_cursor"]
    rest = client.get(f"/api/departments?limit=2&cursor={first['next_cursor']}").json()
    assert [d["id"] for d in rest["items"]] == ["D2"] and rest["next_cursor"] is None
    error(client.get("/api/departments?limit=0"), 400, "INVALID", "limit")


def test_unit_needs_a_known_department(client: TestClient, admin: dict[str, str]) -> None:
    unit = {"id": "U1", "name": "赤峰第一中学", "department_id": "D1"}
    error(client.post("/api/units", json=unit, headers=admin), 400, "INVALID", "department_id")
    client.post("/api/departments", json={"id": "D1", "name": "市教育局"}, headers=admin)
    client.post("/api/departments", json={"id": "D2", "name": "市卫健委"}, headers=admin)
    assert client.post("/api/units", json=unit, headers=admin).status_code == 201
    other = {"id": "U2", "name": "市医院", "department_id": "D2"}
    assert client.post("/api/units", json=other, headers=admin).status_code == 201
    error(client.post("/api/units", json=unit, headers=admin), 409, "CONFLICT")
    assert [u["id"] for u in client.get("/api/units").json()["items"]] == ["U1", "U2"]
    assert [u["id"] for u in client.get("/api/units?department_id=D2").json()["items"]] == ["U2"]
    assert client.get("/api/units/U1").json()["department_id"] == "D1"


# --- suppliers -----------------------------------------------------------------------------------

def test_supplier_admission(client: TestClient, admin: dict[str, str]) -> None:
    add_category(client, admin, "A020101", "计算机")
    add_category(client, admin, "A02010104", "台式计算机")
    r = add_supplier(client, admin)
    assert r.status_code == 201, r.text
    supplier = client.get("/api/suppliers/S1").json()
    assert supplier["categories"] == ["A020101"]
    assert supplier["admitted_categories"] == [{"code": "A020101", "name": "计算机"}]
    assert supplier["credit"] == {"status": "good", "reason": None, "until": None}
    assert supplier["credit_code"] == CREDIT_CODE
    error(add_supplier(client, admin), 409, "CONFLICT")
    assert [s["id"] for s in client.get("/api/suppliers").json()["items"]] == ["S1"]
    # A supplier admitted for a category is listed for its sub-categories, not for others.
    assert [s["id"] for s in client.get("/api/suppliers?category=A02010104").json()["items"]] == ["S1"]
    assert client.get("/api/suppliers?category=A020102").json()["items"] == []
    error(client.get("/api/suppliers?category=bad"), 400, "INVALID", "category")
    error(client.get("/api/suppliers/nope"), 404, "NOT_FOUND")


def test_supplier_invalid(client: TestClient, admin: dict[str, str], auth: Auth) -> None:
    add_category(client, admin, "A020101")
    error(add_supplier(client, admin, categories=("A020102",)), 400, "INVALID", "categories")
    error(add_supplier(client, admin, categories=()), 400, "INVALID", "categories")
    body = {"id": "S1", "name": "供应商", "credit_code": "123", "categories": ["A020101"]}
    error(client.post("/api/suppliers", json=body, headers=admin), 400, "INVALID", "credit_code")
    unknown_field = {**body, "credit_code": CREDIT_CODE, "x": 1}
    error(client.post("/api/suppliers", json=unknown_field, headers=admin), 400, "INVALID")
    error(client.post("/api/suppliers", json=body, headers=auth("supplier", "S1")), 403, "FORBIDDEN")


@pytest.mark.parametrize("code", [
    CREDIT_CODE[:-1] + ("0" if CREDIT_CODE[-1] != "0" else "1"),  # wrong check character
    CREDIT_CODE[:8] + CREDIT_CODE[9] + CREDIT_CODE[8] + CREDIT_CODE[10:],  # two characters swapped
    "91350100M000100Y4I",  # I is not in the GB 32100 character set
    "91350100M000100Y43".lower(),
    "91350100M000100Y4",  # 17 characters
])
def test_credit_code_with_a_wrong_check_character_is_refused(
    client: TestClient, admin: dict[str, str], code: str
) -> None:
    add_category(client, admin, "A020101")
    body = {"id": "S1", "name": "供应商", "credit_code": code, "categories": ["A020101"]}
    error(client.post("/api/suppliers", json=body, headers=admin), 400, "INVALID", "credit_code")
    error(client.get("/api/suppliers/S1"), 404, "NOT_FOUND")  # bad input changes nothing
    good = {**body, "credit_code": "91350100M000100Y43"}  # the standard's own example
    assert client.post("/api/suppliers", json=good, headers=admin).status_code == 201


def test_admitted_for_parent_is_eligible_for_sub_category(
    client: TestClient, admin: dict[str, str], redis_url: str
) -> None:
    add_category(client, admin, "A020101")
    add_supplier(client, admin)
    now = now_ms()
    assert eligible(redis_url, "S1", "A02010104", now)
    assert eligible(redis_url, "S1", "A020101", now)
    assert eligible(redis_url, "S1", "A02010100", now)  # the same category in the 2022 spelling
    assert not eligible(redis_url, "S1", "A020102", now)
    assert not eligible(redis_url, "S1", "A0201", now)  # above the admission, not within it
    assert not eligible(redis_url, "nobody", "A02010104", now)


def test_blacklist_then_clear(client: TestClient, admin: dict[str, str], redis_url: str) -> None:
    add_category(client, admin, "A020101")
    add_supplier(client, admin)
    r = client.post("/api/suppliers/S1/credit", json={"kind": "blacklist", "reason": "串通投标"}, headers=admin)
    assert r.status_code == 201, r.text
    record = r.json()
    assert record["kind"] == "blacklist" and record["actor"] == "fin" and record["until"] is None
    assert record["credit"] == {"status": "blacklisted", "reason": "串通投标", "until": None}
    assert client.get("/api/suppliers/S1").json()["credit"]["status"] == "blacklisted"
    assert not eligible(redis_url, "S1", "A02010104", now_ms())
    # A warning does not lift a blacklist; only a clear (or its own expiry) does.
    client.post("/api/suppliers/S1/credit", json={"kind": "warning", "reason": "逾期供货"}, headers=admin)
    assert client.get("/api/suppliers/S1").json()["credit"]["status"] == "blacklisted"
    r = client.post("/api/suppliers/S1/credit", json={"kind": "clear", "reason": "处罚期满"}, headers=admin)
    assert r.status_code == 201 and r.json()["credit"]["status"] == "good"
    assert eligible(redis_url, "S1", "A02010104", now_ms())
    supplier = client.get("/api/suppliers/S1").json()
    assert [h["kind"] for h in supplier["credit_history"]] == ["blacklist", "warning", "clear"]
    assert all(h["actor"] == "fin" and from_rfc3339(h["at"]) for h in supplier["credit_history"])


def test_blacklist_until_lapses(client: TestClient, admin: dict[str, str], redis_url: str) -> None:
    add_category(client, admin, "A020101")
    add_supplier(client, admin)
    until = now_ms() + DAY_MS
    r = client.post("/api/suppliers/S1/credit", json={"kind": "blacklist", "reason": "虚假材料",
                                                      "until": to_rfc3339(until)}, headers=admin)
    assert r.json()["credit"] == {"status": "blacklisted", "reason": "虚假材料", "until": to_rfc3339(until)}
    assert not eligible(redis_url, "S1", "A020101", until - 1)
    assert eligible(redis_url, "S1", "A020101", until)
    past = to_rfc3339(now_ms() - 1000)
    client.post("/api/suppliers/S1/credit", json={"kind": "blacklist", "reason": "x", "until": past}, headers=admin)
    assert client.get("/api/suppliers/S1").json()["credit"] == {"status": "good", "reason": None, "until": None}


def test_credit_errors(client: TestClient, admin: dict[str, str], auth: Auth) -> None:
    add_category(client, admin, "A020101")
    add_supplier(client, admin)
    url = "/api/suppliers/S1/credit"
    action = {"kind": "blacklist", "reason": "串通投标"}
    error(client.post(url, json=action), 401, "UNAUTHORIZED")
    error(client.post(url, json=action, headers=auth("dept", "D1")), 403, "FORBIDDEN")
    error(client.post(url, json={**action, "kind": "ban"}, headers=admin), 400, "INVALID", "kind")
    error(client.post(url, json={**action, "until": "tomorrow"}, headers=admin), 400, "INVALID", "until")
    error(client.post(url, json={**action, "until": "2026-12-04T19:05:00"}, headers=admin), 400, "INVALID", "until")
    error(client.post(url, json={"kind": "clear", "reason": "x", "until": "2030-01-01T00:00:00Z"}, headers=admin),
          400, "INVALID", "until")
    error(client.post("/api/suppliers/nope/credit", json=action, headers=admin), 404, "NOT_FOUND")


# --- agencies, experts, laws ---------------------------------------------------------------------

@pytest.mark.parametrize(("path", "entry"), [
    ("/api/agencies", {"id": "G1", "name": "内蒙古招标有限公司", "contact": "0476-1234567"}),
    ("/api/experts", {"id": "E1", "name": "王工", "specialities": ["计算机", "网络设备"]}),
])
def test_simple_libraries(
    client: TestClient, admin: dict[str, str], auth: Auth, path: str, entry: dict[str, Any]
) -> None:
    error(client.post(path, json=entry), 401, "UNAUTHORIZED")
    error(client.post(path, json=entry, headers=auth("buyer", "U1")), 403, "FORBIDDEN")
    error(client.post(path, json={**entry, "name": ""}, headers=admin), 400, "INVALID", "name")
    r = client.post(path, json=entry, headers=admin)
    assert r.status_code == 201 and r.json().items() >= entry.items()
    error(client.post(path, json=entry, headers=admin), 409, "CONFLICT")
    assert [e["id"] for e in client.get(path).json()["items"]] == [entry["id"]]
    assert client.get(f"{path}/{entry['id']}").json()["name"] == entry["name"]
    error(client.get(f"{path}/nope"), 404, "NOT_FOUND")


def test_laws_search(client: TestClient, admin: dict[str, str], auth: Auth) -> None:
    law = {"id": "L1", "title": "政府采购进口产品管理办法", "article": "第四条",
           "text": "政府采购应当采购本国产品，确需采购进口产品的，实行审核管理。", "applies_to": ["imported"]}
    other = {"id": "L2", "title": "Government Procurement Law", "article": "Article 26",
             "text": "Open tendering shall be the main procurement method.", "applies_to": ["always"]}
    error(client.post("/api/laws", json=law, headers=auth("dept", "D1")), 403, "FORBIDDEN")
    bad_trigger = {**law, "applies_to": ["whenever"]}
    error(client.post("/api/laws", json=bad_trigger, headers=admin), 400, "INVALID", "applies_to")
    assert client.post("/api/laws", json=law, headers=admin).status_code == 201
    assert client.post("/api/laws", json=other, headers=admin).status_code == 201
    error(client.post("/api/laws", json=law, headers=admin), 409, "CONFLICT")
    assert [x["id"] for x in client.get("/api/laws").json()["items"]] == ["L1", "L2"]
    assert [x["id"] for x in client.get("/api/laws", params={"q": "进口"}).json()["items"]] == ["L1"]
    assert [x["id"] for x in client.get("/api/laws?q=OPEN%20TENDERING").json()["items"]] == ["L2"]
    assert [x["id"] for x in client.get("/api/laws?q=article").json()["items"]] == ["L2"]
    assert client.get("/api/laws?q=nothing-like-this").json()["items"] == []
    assert client.get("/api/laws/L1").json()["applies_to"] == ["imported"]
    error(client.get("/api/laws/L9"), 404, "NOT_FOUND")


# --- tokens ----------------------------------------------------------------------------------------

def test_tokens(client: TestClient, admin: dict[str, str], auth: Auth) -> None:
    before = now_ms()
    r = client.post("/api/tokens", json={"role": "admin", "id": "clerk", "ttl_s": 3600}, headers=admin)
    assert r.status_code == 201, r.text
    issued = r.json()
    assert before // 1000 * 1000 + 3_600_000 <= from_rfc3339(issued["expires_at"]) <= now_ms() + 3_600_000
    # The token works: its holder can write as admin.
    headers = {"Authorization": f"Bearer {issued['token']}"}
    assert client.post("/api/departments", json={"id": "D1", "name": "局"}, headers=headers).status_code == 201
    r = client.post("/api/tokens", json={"role": "supplier", "id": "S1"}, headers=admin)
    assert r.status_code == 201 and from_rfc3339(r.json()["expires_at"]) > now_ms() + 29 * DAY_MS
    error(client.post("/api/tokens", json={"role": "supplier", "id": "S1"}), 401, "UNAUTHORIZED")
    supplier = auth("supplier", "S1")
    error(client.post("/api/tokens", json={"role": "admin", "id": "me"}, headers=supplier), 403, "FORBIDDEN")
    error(client.post("/api/tokens", json={"role": "root", "id": "x"}, headers=admin), 400, "INVALID", "role")
    short = {"role": "buyer", "id": "U1", "ttl_s": 0}
    error(client.post("/api/tokens", json=short, headers=admin), 400, "INVALID", "ttl_s")
    assert Tokens("another-secret-that-is-long-enough-xx").verify(issued["token"]) is None


# --- search and pagination of every library list ---------------------------------------------------

def test_every_library_list_is_searched_and_paged(client: TestClient, admin: dict[str, str]) -> None:
    def ids(path: str, **params: str) -> list[str]:
        r = client.get(path, params=params)
        assert r.status_code == 200, r.text
        return [entry["id"] for entry in r.json()["items"]]

    for i, name in enumerate(("市教育局", "市卫健委", "市教育考试院")):
        client.post("/api/departments", json={"id": f"D{i}", "name": name}, headers=admin)
    assert ids("/api/departments", q="教育") == ["D0", "D2"]
    assert ids("/api/departments", q="d1") == ["D1"]  # ids too, case-insensitively
    assert ids("/api/departments", q="教育", limit="1") == ["D0"]
    assert ids("/api/departments", q="教育", limit="1", cursor="D0") == ["D2"]
    for i, (name, dept) in enumerate((("赤峰第一中学", "D0"), ("赤峰市医院", "D1"), ("赤峰第二中学", "D0"))):
        client.post("/api/units", json={"id": f"U{i}", "name": name, "department_id": dept}, headers=admin)
    assert ids("/api/units", q="中学") == ["U0", "U2"]
    assert ids("/api/units", q="中学", department_id="D1") == []
    assert ids("/api/units", q="赤峰", department_id="D1") == ["U1"]

    add_category(client, admin, "A020101", "计算机")
    add_category(client, admin, "A020201", "复印机")
    for i, (name, category) in enumerate((("联想", "A020101"), ("华为", "A020101"), ("联想办公", "A020201"))):
        body = {"id": f"S{i}", "name": name, "credit_code": credit_code(i + 1), "categories": [category]}
        assert client.post("/api/suppliers", json=body, headers=admin).status_code == 201
    assert ids("/api/suppliers", q="联想") == ["S0", "S2"]
    assert ids("/api/suppliers", q="联想", category="A02010105") == ["S0"]
    assert ids("/api/suppliers", q=credit_code(2)) == ["S1"]
    page = client.get("/api/suppliers", params={"limit": "2"}).json()
    assert [s["id"] for s in page["items"]] == ["S0", "S1"] and page["next_cursor"] == "S1"

    client.post("/api/agencies", json={"id": "G1", "name": "内蒙古招标有限公司", "contact": "0476-1234567"},
                headers=admin)
    client.post("/api/agencies", json={"id": "G2", "name": "赤峰采购代理", "contact": "0476-7654321"}, headers=admin)
    assert ids("/api/agencies", q="招标") == ["G1"]
    assert ids("/api/agencies", q="7654") == ["G2"]
    wang = {"id": "E1", "name": "王工", "specialities": ["计算机", "网络设备"]}
    client.post("/api/experts", json=wang, headers=admin)
    client.post("/api/experts", json={"id": "E2", "name": "李工", "specialities": ["医疗设备"]}, headers=admin)
    assert ids("/api/experts", q="网络") == ["E1"]
    assert ids("/api/experts", speciality="医疗设备") == ["E2"]
    assert ids("/api/experts", speciality="医疗") == []  # a speciality is matched whole
    assert ids("/api/experts", q="工", limit="1", cursor="E1") == ["E2"]
    error(client.get("/api/experts", params={"limit": "501"}), 400, "INVALID", "limit")
