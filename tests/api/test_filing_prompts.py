"""Law prompts: `mall laws load` puts the shipped provisions in the laws library (idempotently), and a
plan lists, on create, every law whose triggers it matches and why — and keeps that list."""

import json
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mall_api.cli import main
from mall_api.commands.laws import packaged_laws_text, read_laws
from tests.flow import CATEGORY, Auth, seed_libraries

THRESHOLD = 2_000_000 * 100
SHIPPED = {law.id for law in read_laws(packaged_laws_text())}


@pytest.fixture
def laws(client: TestClient, redis_url: str, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("REDIS_URL", redis_url)
    assert main(["laws", "load"]) == 0
    return client


def prompts_of(client: TestClient, auth: Auth, **terms: Any) -> dict[str, str]:
    body = {"title": "采购", "category": CATEGORY, "quantity": 1, "budget_fen": 100_000, "method": "mall_auction",
            **terms}
    r = client.post("/api/plans", json=body, headers=auth("buyer", "U1"))
    assert r.status_code == 201, r.text
    plan = r.json()
    assert client.get(f"/api/plans/{plan['id']}", headers=auth("buyer", "U1")).json()["prompts"] == plan["prompts"]
    return {p["law_id"]: p["reason"] for p in plan["prompts"]}


def test_the_starter_set_loads_once_however_often_it_is_loaded(
    laws: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["laws", "load"]) == 0
    assert f"0 added, 0 replaced, {len(SHIPPED)} unchanged" in capsys.readouterr().out
    listed = laws.get("/api/laws?limit=500").json()["items"]
    assert {law["id"] for law in listed} == SHIPPED and len(listed) == len(SHIPPED)
    assert {"GPL-26", "GPL-27", "GPL-31", "IMP-3", "MOF87-60"} <= SHIPPED
    art60 = laws.get("/api/laws/MOF87-60").json()
    assert art60["title"] == "政府采购货物和服务招标投标管理办法（财政部令第87号）" and art60["article"] == "第六十条"
    assert "明显低于其他通过符合性审查投标人的报价" in art60["text"]
    imported = {law["id"] for law in laws.get("/api/laws", params={"q": "进口产品"}).json()["items"]}
    assert imported == {"IMP-3", "IMP-4", "IMP-7"}


def test_a_changed_record_is_replaced_and_a_bad_file_writes_nothing(
    laws: TestClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = laws.get("/api/laws/GPL-3").json()
    records = json.loads(packaged_laws_text())
    records[0]["text"] += "（修订）"
    changed = tmp_path / "laws.json"
    changed.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    assert main(["laws", "load", str(changed)]) == 0
    assert "0 added, 1 replaced" in capsys.readouterr().out
    after = laws.get("/api/laws/GPL-3").json()
    assert after["text"].endswith("（修订）") and after["created_at"] == before["created_at"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{**records[1], "text": "新"}, {**records[2], "applies_to": ["sometimes"]}]),
                   encoding="utf-8")
    assert main(["laws", "load", str(bad)]) == 2
    assert "applies_to" in capsys.readouterr().err
    assert laws.get(f"/api/laws/{records[1]['id']}").json()["text"] == records[1]["text"]


def test_plans_list_every_matching_law_with_its_reasons(laws: TestClient, auth: Auth) -> None:
    seed_libraries(laws, auth, suppliers=0)
    mall = prompts_of(laws, auth)
    assert set(mall) == {"GPL-3", "GPL-28", "GPL-32", "MOF87-60"}
    assert mall["GPL-3"] == "applies to every purchase"
    assert mall["MOF87-60"] == "the plan buys through the online mall"

    everything = prompts_of(laws, auth, method="inquiry", original_method="open_tender", imported=True,
                            budget_fen=THRESHOLD)
    assert set(everything) == {"GPL-3", "GPL-10", "GPL-26", "GPL-27", "GPL-28", "GPLIR-23", "MOF74-4",
                               "IMP-3", "IMP-4", "IMP-7"}
    assert everything["GPL-26"] == ("an open tender is changed to another method; "
                                    "the budget reaches the open-tender threshold")
    assert everything["IMP-7"] == "the plan buys imported products"

    single = prompts_of(laws, auth, method="single_source")
    assert set(single) == {"GPL-3", "GPL-31", "GPLIR-38"}
    assert single["GPL-31"] == "single-source procurement"


def test_a_plan_keeps_the_prompts_it_was_filed_with(laws: TestClient, auth: Auth) -> None:
    seed_libraries(laws, auth, suppliers=0)
    r = laws.post("/api/plans", json={"title": "采购", "category": CATEGORY, "quantity": 1, "budget_fen": 100_000,
                                      "method": "mall_auction"}, headers=auth("buyer", "U1"))
    plan = r.json()
    later = {"id": "LOCAL-1", "title": "某市政府采购实施细则", "article": "第一条", "text": "适用于本市。",
             "applies_to": ["always"]}
    assert laws.post("/api/laws", json=later, headers=auth("admin", "fin")).status_code == 201
    kept = laws.get(f"/api/plans/{plan['id']}", headers=auth("buyer", "U1")).json()["prompts"]
    assert kept == plan["prompts"] and "LOCAL-1" not in {p["law_id"] for p in kept}
