"""Seeding a mall for load through its public HTTP API only (API.md): what Locust and the bench share.

Everything a run creates carries a run prefix (`LT<hex>`), so repeated runs against one mall never
collide, and the catalog entries it needs (a department, a unit, a mall category, an item with a fresh
whole-network reference price) are created if missing (409 = already there). Suppliers are registered
one by one (`POST /api/suppliers`) and get their tokens from `POST /api/tokens`, as the admin console
hands them out. The one credential a load run needs is an admin token: `MALL_ADMIN_TOKEN`, which
`mall token admin ops` prints (it reads the server's `MALL_SECRET` or `MALL_DATA_DIR/secret`).
"""

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

ADMIN_TOKEN_ENV = "MALL_ADMIN_TOKEN"
DEPARTMENT = "LT-D1"
UNIT = "LT-U1"
PARENT = "A02010100"  # 计算机
CATEGORY = "A02010105"  # 台式计算机
SKU = "LT-PC-001"
# Quantity × reference = 200,000,000 fen, so the ceiling is the auction's budget, which stays under the
# default open-tender threshold (2,000,000 yuan): a mall auction, filed by the department alone.
QUANTITY = 100
REFERENCE_FEN = 2_000_000
BUDGET_FEN = 199_000_000
OK = (200, 201)

_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class SeedError(RuntimeError):
    """The mall refused a seeding call."""


def credit_code(n: int) -> str:
    """A unified social credit code (GB 32100) with a correct check digit."""
    body = f"91150400MA{n % 10**7:07d}"
    total = sum(_CHARSET.index(c) * w for c, w in zip(body, _WEIGHTS, strict=True))
    return body + _CHARSET[(31 - total % 31) % 31]


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def run_prefix() -> str:
    """`LOAD_RUN` if set, else a fresh one: ids of this run never collide with an earlier run's."""
    return os.environ.get("LOAD_RUN") or f"LT{secrets.token_hex(3)}"


def admin_token_from_env() -> str:
    token = os.environ.get(ADMIN_TOKEN_ENV)
    if not token:
        raise SeedError(
            f"set {ADMIN_TOKEN_ENV} to an admin token of the mall under test: "
            "`MALL_DATA_DIR=... mall token admin ops` (or with the server's MALL_SECRET) prints one"
        )
    return token


@dataclass(frozen=True, slots=True)
class Identity:
    role: str
    id: str
    token: str


class Seeder:
    """A thin, synchronous client of the public API for setting up load (not for measuring it)."""

    def __init__(self, base_url: str, admin_token: str, prefix: str | None = None, timeout: float = 30) -> None:
        self.prefix = prefix or run_prefix()
        self.http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)
        self._admin = {"Authorization": f"Bearer {admin_token}"}
        self._suppliers = 0

    def close(self) -> None:
        self.http.close()

    # -- plumbing ---------------------------------------------------------------------------

    def _call(self, method: str, path: str, token: str | None, body: Any = None, ok: tuple[int, ...] = OK) -> Any:
        headers = self._admin if token is None else {"Authorization": f"Bearer {token}"}
        r = self.http.request(method, path, json=body, headers=headers)
        if r.status_code not in ok:
            raise SeedError(f"{method} {path} -> {r.status_code}: {r.text[:500]}")
        return r.json() if r.content else None

    def token(self, role: str, subject: str, ttl_s: int = 24 * 3600) -> Identity:
        issued = self._call("POST", "/api/tokens", None, {"role": role, "id": subject, "ttl_s": ttl_s})
        return Identity(role, subject, issued["token"])

    # -- the catalog and the people -----------------------------------------------------------

    def catalog(self) -> None:
        """The department, unit, category and item every load auction uses, and a fresh reference price."""
        exists = (*OK, 409)
        self._call("POST", "/api/departments", None, {"id": DEPARTMENT, "name": "压测主管部门"}, exists)
        self._call("POST", "/api/units", None, {"id": UNIT, "name": "压测采购单位", "department_id": DEPARTMENT},
                   exists)
        for code, name in ((PARENT, "计算机"), (CATEGORY, "台式计算机")):
            self._call("POST", "/api/catalog/categories", None, {"code": code, "name": name, "mall": True}, exists)
        self._call("POST", "/api/catalog/items", None, {"sku": SKU, "category": CATEGORY, "name": "压测台式计算机",
                                                         "unit": "台", "spec": {"cpu": "i5"}}, exists)
        feed = [{"sku": SKU, "price_fen": REFERENCE_FEN, "source": "loadtest", "observed_at": now_rfc3339()}]
        self._call("POST", "/api/catalog/reference-prices", None, feed)

    def buyer(self) -> Identity:
        return self.token("buyer", UNIT)

    def dept(self) -> Identity:
        return self.token("dept", DEPARTMENT)

    def supplier(self, n: int | None = None) -> Identity:
        """Register a new supplier of this run, admitted to the load category, and issue its token."""
        if n is None:
            self._suppliers += 1
            n = self._suppliers
        sid = f"{self.prefix}-S{n}"
        body = {"id": sid, "name": f"压测供应商{n}", "credit_code": credit_code(n), "categories": [PARENT]}
        self._call("POST", "/api/suppliers", None, body, (*OK, 409))
        return self.token("supplier", sid)

    # -- plans and auctions ---------------------------------------------------------------------

    def filed_plan(self, buyer: Identity, dept: Identity, budget_fen: int = BUDGET_FEN) -> dict[str, Any]:
        plan = self._call("POST", "/api/plans", buyer.token, {
            "title": f"压测采购 {self.prefix}", "category": CATEGORY, "quantity": QUANTITY,
            "budget_fen": budget_fen, "method": "mall_auction", "imported": False})
        reviewed = self._call("POST", f"/api/plans/{plan['id']}/review", dept.token,
                              {"approve": True, "comment": "同意(压测)"})
        if reviewed["status"] != "filed":
            raise SeedError(f"plan {plan['id']} is {reviewed['status']} after review, not filed")
        return dict(reviewed)

    def auction(self, buyer: Identity, dept: Identity, duration_s: int, **terms: Any) -> dict[str, Any]:
        """File a plan, have it reviewed, launch an auction on it: the whole buyer path (3 calls)."""
        plan = self.filed_plan(buyer, dept, terms.get("budget_fen", BUDGET_FEN))
        body = {"plan_id": plan["id"], "sku": SKU, "quantity": QUANTITY, "budget_fen": BUDGET_FEN,
                "duration_s": duration_s, "min_decrement_fen": 1, "min_bidders": 2, **terms}
        return dict(self._call("POST", "/api/auctions", buyer.token, body))
