"""Filing (备案) over HTTP: when approval (核准) is needed and when it is not, rejection at review and
at approval, who may do what (403), bad input, and the tracking lists of units, departments and
the finance bureau."""

from typing import Any

import pytest
from starlette.testclient import TestClient

from mall_api.clock import from_rfc3339
from tests.flow import CATEGORY, Auth, seed_libraries

THRESHOLD = 2_000_000 * 100  # MALL_OPEN_TENDER_THRESHOLD_FEN's default: 2 million yuan
OTHER_CATEGORY = "A02021000"  # not in the mall: only mall auctions need a mall category


@pytest.fixture
def mall(client: TestClient, auth: Auth) -> TestClient:
    """D1 reviews U1's plans, D2 reviews U2's."""
    seed_libraries(client, auth, suppliers=0)
    admin = auth("admin", "fin")
    assert client.post("/api/departments", json={"id": "D2", "name": "市卫健委"}, headers=admin).status_code == 201
    unit = {"id": "U2", "name": "市人民医院", "department_id": "D2"}
    assert client.post("/api/units", json=unit, headers=admin).status_code == 201
    category = {"code": OTHER_CATEGORY, "name": "打印机"}
    assert client.post("/api/catalog/categories", json=category, headers=admin).status_code == 201
    return client


def error(response: Any, status: int, code: str, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code, response.text
    if field is not None:
        assert response.json()["error"].get("field") == field, response.text


def submit(client: TestClient, auth: Auth, unit: str = "U1", **terms: Any) -> dict[str, Any]:
    body = {"title": "办公设备采购", "category": CATEGORY, "quantity": 10, "budget_fen": 5_000_000,
            "method": "mall_auction", "imported": False, **terms}
    r = client.post("/api/plans", json=body, headers=auth("buyer", unit))
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "pending_review"
    return r.json()


def decide(client: TestClient, auth: Auth, plan: dict[str, Any], step: str, approve: bool = True) -> Any:
    who = auth("dept", plan["department_id"]) if step == "review" else auth("admin", "fin")
    return client.post(f"/api/plans/{plan['id']}/{step}", json={"approve": approve, "comment": "意见"}, headers=who)


TRIGGERS = {
    "imported": {"imported": True},
    "method_change": {"method": "inquiry", "original_method": "open_tender", "category": OTHER_CATEGORY},
    "above_threshold": {"method": "competitive_negotiation", "budget_fen": THRESHOLD, "category": OTHER_CATEGORY},
    "above_threshold_single_source": {"method": "single_source", "budget_fen": THRESHOLD + 1,
                                      "category": OTHER_CATEGORY},
    "imported_open_tender": {"method": "open_tender", "imported": True, "category": OTHER_CATEGORY},
}
NO_TRIGGER = {
    "mall_auction": {},
    "open_tender_above_threshold": {"method": "open_tender", "budget_fen": THRESHOLD * 3, "category": OTHER_CATEGORY},
    "open_tender_kept": {"method": "open_tender", "original_method": "open_tender", "category": OTHER_CATEGORY},
    "other_method_change": {"method": "single_source", "original_method": "inquiry", "category": OTHER_CATEGORY},
    "just_under_threshold": {"method": "inquiry", "budget_fen": THRESHOLD - 1, "category": OTHER_CATEGORY},
}


@pytest.mark.parametrize("terms", TRIGGERS.values(), ids=TRIGGERS.keys())
def test_each_trigger_needs_approval_after_review(mall: TestClient, auth: Auth, terms: dict[str, Any]) -> None:
    plan = submit(mall, auth, **terms)
    assert plan["needs_approval"] is True
    reviewed = decide(mall, auth, plan, "review")
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["status"] == "pending_approval" and reviewed.json()["batch_no"] is None
    approved = decide(mall, auth, plan, "approval")
    assert approved.status_code == 200, approved.text
    filed = approved.json()
    assert filed["status"] == "filed" and filed["batch_no"].startswith("CF") and filed["deadline"]
    assert [(h["action"], h["status"], h["actor"]) for h in filed["history"]] == [
        ("submit", "pending_review", "U1"), ("approve_for_approval", "pending_approval", "D1"),
        ("approve", "filed", "fin")]
    assert mall.get(f"/api/plans/{plan['id']}", headers=auth("buyer", "U1")).json() == filed


@pytest.mark.parametrize("terms", NO_TRIGGER.values(), ids=NO_TRIGGER.keys())
def test_without_a_trigger_the_review_files_the_plan(mall: TestClient, auth: Auth, terms: dict[str, Any]) -> None:
    plan = submit(mall, auth, **terms)
    assert plan["needs_approval"] is False
    filed = decide(mall, auth, plan, "review").json()
    assert filed["status"] == "filed" and filed["batch_no"] and from_rfc3339(filed["filed_at"])
    assert from_rfc3339(filed["deadline"]) > from_rfc3339(filed["filed_at"])
    assert [h["action"] for h in filed["history"]] == ["submit", "approve"]
    error(decide(mall, auth, plan, "approval"), 409, "CONFLICT")  # nothing to approve


def test_mall_auction_needs_a_mall_category_and_a_budget_under_the_threshold(mall: TestClient, auth: Auth) -> None:
    buyer = auth("buyer", "U1")
    body = {"title": "t", "category": CATEGORY, "quantity": 1, "budget_fen": THRESHOLD, "method": "mall_auction"}
    error(mall.post("/api/plans", json=body, headers=buyer), 422, "NOT_MALL_ELIGIBLE")
    error(mall.post("/api/plans", json={**body, "budget_fen": 1, "category": OTHER_CATEGORY}, headers=buyer),
          422, "NOT_MALL_ELIGIBLE")
    assert mall.get("/api/plans", headers=buyer).json()["items"] == []  # a refusal stores nothing
    assert submit(mall, auth, budget_fen=THRESHOLD - 1)["method"] == "mall_auction"


def test_rejected_at_review(mall: TestClient, auth: Auth) -> None:
    plan = submit(mall, auth, imported=True)
    rejected = decide(mall, auth, plan, "review", approve=False).json()
    assert rejected["status"] == "rejected" and rejected["batch_no"] is None and rejected["deadline"] is None
    assert rejected["history"][-1]["action"] == "reject" and rejected["history"][-1]["comment"] == "意见"
    error(decide(mall, auth, plan, "approval"), 409, "CONFLICT")
    error(decide(mall, auth, plan, "review"), 409, "CONFLICT")


def test_rejected_at_approval_uses_no_batch_number(mall: TestClient, auth: Auth) -> None:
    plan = submit(mall, auth, imported=True)
    assert decide(mall, auth, plan, "review").json()["status"] == "pending_approval"
    rejected = decide(mall, auth, plan, "approval", approve=False).json()
    assert rejected["status"] == "rejected" and rejected["batch_no"] is None
    assert [h["action"] for h in rejected["history"]] == ["submit", "approve_for_approval", "reject"]
    error(decide(mall, auth, plan, "approval"), 409, "CONFLICT")
    next_plan = decide(mall, auth, submit(mall, auth), "review").json()
    assert next_plan["batch_no"].endswith("000001")  # the rejection left no gap


def test_wrong_roles_are_forbidden_and_change_nothing(mall: TestClient, auth: Auth) -> None:
    plan = submit(mall, auth, imported=True)
    url = f"/api/plans/{plan['id']}"
    decision = {"approve": True, "comment": ""}
    error(mall.post(f"{url}/review", json=decision), 401, "UNAUTHORIZED")
    for who in (auth("dept", "D2"), auth("buyer", "U1"), auth("admin", "fin"), auth("supplier", "S1")):
        error(mall.post(f"{url}/review", json=decision, headers=who), 403, "FORBIDDEN")
    assert decide(mall, auth, plan, "review").json()["status"] == "pending_approval"
    for who in (auth("dept", "D1"), auth("buyer", "U1"), auth("supplier", "S1")):
        error(mall.post(f"{url}/approval", json=decision, headers=who), 403, "FORBIDDEN")
    for who in (auth("buyer", "U2"), auth("dept", "D2"), auth("supplier", "S1")):
        error(mall.get(url, headers=who), 403, "FORBIDDEN")
    stored = mall.get(url, headers=auth("admin", "fin")).json()
    assert stored["status"] == "pending_approval" and len(stored["history"]) == 2
    body = {"title": "t", "category": CATEGORY, "quantity": 1, "budget_fen": 1, "method": "inquiry"}
    error(mall.post("/api/plans", json=body, headers=auth("dept", "D1")), 403, "FORBIDDEN")
    error(mall.post("/api/plans", json=body, headers=auth("buyer", "nobody")), 403, "FORBIDDEN")


def test_bad_input_is_refused_and_changes_nothing(mall: TestClient, auth: Auth) -> None:
    buyer = auth("buyer", "U1")
    body = {"title": "t", "category": CATEGORY, "quantity": 1, "budget_fen": 100, "method": "inquiry"}
    error(mall.post("/api/plans", json={**body, "budget_fen": 0}, headers=buyer), 400, "INVALID", "budget_fen")
    error(mall.post("/api/plans", json={**body, "budget_fen": 1.5}, headers=buyer), 400, "INVALID", "budget_fen")
    error(mall.post("/api/plans", json={**body, "method": "auction"}, headers=buyer), 400, "INVALID", "method")
    error(mall.post("/api/plans", json={**body, "category": "A09999999"}, headers=buyer), 400, "INVALID", "category")
    error(mall.post("/api/plans", json={**body, "urgent": True}, headers=buyer), 400, "INVALID")
    assert mall.get("/api/plans", headers=buyer).json()["items"] == []
    plan = submit(mall, auth)
    url = f"/api/plans/{plan['id']}/review"
    error(mall.post(url, json={"comment": "x"}, headers=auth("dept", "D1")), 400, "INVALID", "approve")
    error(mall.post(url, json={"approve": "yes"}, headers=auth("dept", "D1")), 400, "INVALID", "approve")
    error(mall.post("/api/plans/P404/review", json={"approve": True}, headers=auth("dept", "D1")), 404, "NOT_FOUND")
    assert mall.get(f"/api/plans/{plan['id']}", headers=buyer).json()["status"] == "pending_review"


def test_tracking_lists(mall: TestClient, auth: Auth) -> None:
    """A unit lists its plans, a department what waits for its review, the admin what waits for approval."""
    a = submit(mall, auth, "U1")
    b = submit(mall, auth, "U1", imported=True)
    c = submit(mall, auth, "U2", category=OTHER_CATEGORY, method="inquiry")
    d = submit(mall, auth, "U2", category=OTHER_CATEGORY, method="inquiry", imported=True)
    decide(mall, auth, b, "review")
    decide(mall, auth, d, "review")
    decide(mall, auth, a, "review", approve=False)

    def ids(who: dict[str, str], query: str = "") -> list[str]:
        r = mall.get(f"/api/plans{query}", headers=who)
        assert r.status_code == 200, r.text
        return [p["id"] for p in r.json()["items"]]

    assert ids(auth("buyer", "U1")) == [a["id"], b["id"]]
    assert ids(auth("buyer", "U2")) == [c["id"], d["id"]]
    assert ids(auth("buyer", "U1"), "?status=rejected") == [a["id"]]
    assert ids(auth("dept", "D2"), "?status=pending_review") == [c["id"]]
    assert ids(auth("dept", "D1"), "?status=pending_review") == []
    assert ids(auth("admin", "fin"), "?status=pending_approval") == [b["id"], d["id"]]
    assert ids(auth("admin", "fin")) == [a["id"], b["id"], c["id"], d["id"]]
    first = mall.get("/api/plans?limit=3", headers=auth("admin", "fin")).json()
    assert len(first["items"]) == 3 and first["next_cursor"]
    rest = mall.get(f"/api/plans?limit=3&cursor={first['next_cursor']}", headers=auth("admin", "fin")).json()
    assert [p["id"] for p in rest["items"]] == [d["id"]] and rest["next_cursor"] is None
    error(mall.get("/api/plans?status=approved", headers=auth("admin", "fin")), 400, "INVALID", "status")
    error(mall.get("/api/plans", headers=auth("supplier", "S1")), 403, "FORBIDDEN")
    error(mall.get("/api/plans"), 401, "UNAUTHORIZED")
