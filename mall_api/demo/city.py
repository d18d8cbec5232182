"""The demo city, seeded through the public API: departments, units, suppliers, the mall categories
(names from the national catalogue shipped in `catalog`), items priced by two sources, the laws."""

import json
import random
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from catalog.directory import packaged_catalogue_text, read_catalogue
from engine.credit_code import check_character
from mall_api.demo.client import Api

ADMIN = "admin:DEMO-fin"
DEPARTMENTS = [("DEMO-D1", "市教育局（演示）"), ("DEMO-D2", "市卫生健康委员会（演示）")]
UNITS = [("DEMO-U1", "赤峰市第一中学（演示）", "DEMO-D1"), ("DEMO-U2", "赤峰市松山区实验小学（演示）", "DEMO-D1"),
         ("DEMO-U3", "赤峰市医院（演示）", "DEMO-D2")]
GROUPS = ["A02010100", "A02020100", "A02061800"]  # 计算机, 复印机, 生活用电器: suppliers are admitted to these
LEAVES = ["A02010105", "A02010108", "A02061804"]
ITEMS = [  # sku, category, name, spec, unit price in fen at the cheapest source
    ("DEMO-PC-01", "A02010105", "台式计算机 i5/16G/512G", {"处理器": "i5", "内存": "16G", "硬盘": "512G SSD"}, 499_900),
    ("DEMO-NB-01", "A02010108", "便携式计算机 14英寸", {"屏幕": "14英寸", "内存": "16G"}, 569_900),
    ("DEMO-CP-01", "A02020100", "A3黑白数码复印机", {"幅面": "A3", "速度": "35页/分"}, 1_280_000),
    ("DEMO-AC-01", "A02061804", "壁挂式空调 1.5匹 一级能效", {"制冷量": "3500W", "能效": "一级"}, 329_900),
]
SUPPLIERS = ["赤峰恒信科技有限公司", "内蒙古北疆办公设备有限公司", "赤峰华瑞电器有限公司", "红山区鑫源商贸有限公司",
             "松山区博远信息技术有限公司"]


def supplier_ids() -> list[str]:
    return [f"DEMO-S{i}" for i in range(1, len(SUPPLIERS) + 1)]


def credit_code(n: int) -> str:
    body = f"91150400MA{n:07d}"
    return body + check_character(body)


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def seed(api: Api) -> None:
    """Idempotent: a restarted demo finds its records and carries on."""
    for dept_id, name in DEPARTMENTS:
        api.ensure("/api/departments", {"id": dept_id, "name": name}, ADMIN)
    for unit_id, name, dept_id in UNITS:
        api.ensure("/api/units", {"id": unit_id, "name": name, "department_id": dept_id,
                                  "address": "内蒙古自治区赤峰市（演示地址）", "contact": "演示联系人"}, ADMIN)
    names = {row.code: row.name for row in read_catalogue(packaged_catalogue_text())}
    for code in [*GROUPS, *LEAVES]:
        api.ensure("/api/catalog/categories", {"code": code, "name": names.get(code, code), "mall": True}, ADMIN)
    for sku, category, name, spec, _ in ITEMS:
        api.ensure("/api/catalog/items", {"sku": sku, "category": category, "name": f"{name}（演示）", "unit": "台",
                                          "spec": spec}, ADMIN)
    refresh_prices(api)
    for n, (sid, name) in enumerate(zip(supplier_ids(), SUPPLIERS, strict=True), start=1):
        api.ensure("/api/suppliers", {"id": sid, "name": f"{name}（演示）", "credit_code": credit_code(900 + n),
                                      "categories": GROUPS}, ADMIN)
    for law in json.loads(resources.files("mall_api").joinpath("data/laws.json").read_text(encoding="utf-8")):
        api.ensure("/api/laws", law, ADMIN)


def refresh_prices(api: Api) -> None:
    """Two sources per item (the whole-network comparison); the reference is the lowest fresh one."""
    rows: list[dict[str, Any]] = []
    for sku, _, _, _, price in ITEMS:
        rows.append({"sku": sku, "price_fen": price, "source": "jd.com", "observed_at": now_rfc3339()})
        rows.append({"sku": sku, "price_fen": price * 103 // 100, "source": "suning.com",
                     "observed_at": now_rfc3339()})
    api.call("POST", "/api/catalog/reference-prices", rows, ADMIN)


def launch_one(api: Api, rng: random.Random, duration_s: int) -> dict[str, Any]:
    """A unit files a plan, its department approves it, the unit launches the auction."""
    unit_id, unit_name, dept_id = rng.choice(UNITS)
    sku, category, name, _, price = rng.choice(ITEMS)
    quantity = rng.randint(5, 30)
    budget = price * quantity * rng.randint(100, 110) // 100 // 100 * 100  # whole yuan
    buyer = f"buyer:{unit_id}"
    plan = api.call("POST", "/api/plans", {
        "title": f"{unit_name.removesuffix('（演示）')}{name.split(' ')[0]}采购（演示）", "category": category,
        "quantity": quantity, "budget_fen": budget, "method": "mall_auction", "imported": False}, buyer)
    api.call("POST", f"/api/plans/{plan['id']}/review", {"approve": True, "comment": "同意（演示）"}, f"dept:{dept_id}")
    return dict(api.call("POST", "/api/auctions", {
        "plan_id": plan["id"], "sku": sku, "quantity": quantity, "budget_fen": budget, "duration_s": duration_s,
        "min_decrement_fen": max(100, price // 10_000 * 100), "extension_s": 30, "max_extensions": 5,
        "min_bidders": 3}, buyer))
