"""Builders for tests that need a mall with a department, a unit, suppliers, a mall category, an
item with a fresh reference price and a filed plan: through the public API only."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

Auth = Callable[[str, str], dict[str, str]]
CATEGORY = "A02010105"  # 台式计算机
PARENT = "A02010100"  # 计算机
SKU = "PC-001"
REFERENCE_FEN = 500_000  # 5,000 yuan a unit
UNIT_ADDRESS = "内蒙古自治区赤峰市松山区全宁街1号"
UNIT_CONTACT = "王老师 0476-8888888"


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def seed_libraries(client: httpx.Client, auth: Auth, suppliers: int = 4) -> list[str]:
    admin = auth("admin", "fin")
    ok = (200, 201)
    assert client.post("/api/departments", json={"id": "D1", "name": "市教育局"}, headers=admin).status_code in ok
    assert client.post("/api/units", json={"id": "U1", "name": "赤峰第一中学", "department_id": "D1",
                                           "address": UNIT_ADDRESS, "contact": UNIT_CONTACT},
                       headers=admin).status_code in ok
    for code, name in ((PARENT, "计算机"), (CATEGORY, "台式计算机")):
        r = client.post("/api/catalog/categories", json={"code": code, "name": name, "mall": True}, headers=admin)
        assert r.status_code in ok, r.text
    r = client.post("/api/catalog/items", json={"sku": SKU, "category": CATEGORY, "name": "台式计算机 i5/16G/512G",
                                                "unit": "台", "spec": {"cpu": "i5"}}, headers=admin)
    assert r.status_code in ok, r.text
    r = client.post("/api/catalog/reference-prices", json=[
        {"sku": SKU, "price_fen": REFERENCE_FEN, "source": "jd.com", "observed_at": now_rfc3339()},
        {"sku": SKU, "price_fen": REFERENCE_FEN + 10_000, "source": "suning.com", "observed_at": now_rfc3339()},
    ], headers=admin)
    assert r.status_code == 200 and r.json()["accepted"] == 2, r.text
    ids = []
    for i in range(1, suppliers + 1):
        sid = f"S{i}"
        r = client.post("/api/suppliers", json={"id": sid, "name": f"供应商{i}", "credit_code": CREDIT_CODES[i - 1],
                                                "categories": [PARENT], "address": f"赤峰市红山区昭乌达路{i}号"},
                        headers=admin)
        assert r.status_code in ok, r.text
        ids.append(sid)
    return ids


CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code(n: int) -> str:
    """A unified social credit code (GB 32100) with a correct check digit."""
    body = f"91150400MA{n:07d}"
    total = sum(CHARSET.index(c) * w for c, w in zip(body, WEIGHTS, strict=True))
    return body + CHARSET[(31 - total % 31) % 31]


CREDIT_CODES = [credit_code(n) for n in range(1, 9)]


def filed_plan(client: httpx.Client, auth: Auth, budget_fen: int = 5_000_000, quantity: int = 10) -> dict[str, Any]:
    r = client.post("/api/plans", json={"title": "教学用台式计算机采购", "category": CATEGORY, "quantity": quantity,
                                        "budget_fen": budget_fen, "method": "mall_auction", "imported": False},
                    headers=auth("buyer", "U1"))
    assert r.status_code == 201, r.text
    plan = r.json()
    r = client.post(f"/api/plans/{plan['id']}/review", json={"approve": True, "comment": "同意"},
                    headers=auth("dept", "D1"))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "filed"
    return r.json()


def launch(client: httpx.Client, auth: Auth, plan_id: str, **terms: Any) -> dict[str, Any]:
    body = {"plan_id": plan_id, "sku": SKU, "quantity": 10, "budget_fen": 4_900_000, "duration_s": 60,
            "min_decrement_fen": 100, "min_bidders": 2, **terms}
    r = client.post("/api/auctions", json=body, headers=auth("buyer", "U1"))
    assert r.status_code == 201, r.text
    return r.json()
