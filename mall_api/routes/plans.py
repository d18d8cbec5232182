"""Filing (备案) endpoints: a unit files a plan, its department reviews it, the finance bureau
approves (核准) only where the law requires; a filed plan gets its batch number and deadline."""

from typing import Annotated, Any, Literal

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engine.calendar import DEFAULT_CALENDAR, local_date
from engine.chain import append_linked
from engine.filing import (
    IllegalPlanTransition,
    law_triggers,
    mall_eligible,
    needs_approval,
    plan_next,
    review_action,
)
from mall_api.auth import Principal, require
from mall_api.clock import now_ms, to_rfc3339
from mall_api.context import body, json, mall, page, page_params, principal
from mall_api.errors import conflict, forbidden, invalid, not_found, rule
from mall_api.store.filing import BatchNumbersExhausted, PlanSteps

Fen = Annotated[int, msgspec.Meta(ge=1, le=10**15)]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Method = Literal["mall_auction", "open_tender", "competitive_negotiation", "inquiry", "single_source"]
WORKING_DAYS_TO_DEAL = 4
STATUSES = ("pending_review", "pending_approval", "filed", "rejected")


class PlanCreate(msgspec.Struct, forbid_unknown_fields=True):
    title: Text
    category: Text
    quantity: Annotated[int, msgspec.Meta(ge=1, le=10**9)]
    budget_fen: Fen
    method: Method
    imported: bool = False
    original_method: Method | None = None


class Decision(msgspec.Struct, forbid_unknown_fields=True):
    approve: bool
    comment: Annotated[str, msgspec.Meta(max_length=2000)] = ""


def _can_read(who: Principal, plan: dict[str, Any]) -> bool:
    return (who.role == "admin" or (who.role == "buyer" and who.id == plan["buyer_id"])
            or (who.role == "dept" and who.id == plan["department_id"]))


async def create_plan(request: Request) -> Response:
    who = require(principal(request), "buyer")
    spec = await body(request, PlanCreate)
    m = mall(request)
    unit = await m.docs.get("unit", who.id)
    if unit is None:
        raise forbidden("your token names no purchasing unit in the library")
    category = await m.docs.get("category", spec.category)
    if category is None:
        raise invalid("unknown catalog category", "category")
    threshold = m.settings.open_tender_threshold_fen
    if spec.method == "mall_auction" and not mall_eligible(
            category_in_mall=bool(category.get("mall")), budget_fen=spec.budget_fen, threshold_fen=threshold):
        raise rule("NOT_MALL_ELIGIBLE", "a mall auction needs a mall category and a budget under the threshold")
    now = now_ms()
    plan: dict[str, Any] = {
        "id": f"P{await m.redis.incr('mall:seq:plan'):08d}", **msgspec.to_builtins(spec),
        "buyer_id": who.id, "department_id": unit["department_id"],
        "needs_approval": needs_approval(method=spec.method, imported=spec.imported,
                                         original_method=spec.original_method, budget_fen=spec.budget_fen,
                                         threshold_fen=threshold),
        "status": plan_next("(none)", "submit"), "batch_no": None, "filed_at": None, "filed_at_ms": None,
        "deadline": None, "deadline_ms": None, "auction_id": None, "created_at": to_rfc3339(now),
    }
    plan["prompts"] = await _prompts(request, plan)
    plan["history"] = []
    append_linked(plan["history"], {"at": to_rfc3339(now), "actor": who.id, "action": "submit",
                                    "status": plan["status"]})
    await m.docs.create("plan", plan["id"], plan)
    return json(plan, 201)


async def _prompts(request: Request, plan: dict[str, Any]) -> list[dict[str, str]]:
    """Every law in the library whose triggers the plan matches, with the reasons it matches."""
    reasons = law_triggers(
        method=plan["method"], imported=plan["imported"], original_method=plan["original_method"],
        budget_fen=plan["budget_fen"], threshold_fen=mall(request).settings.open_tender_threshold_fen,
    )
    prompts = []
    cursor: str | None = None
    while True:
        laws, cursor = await mall(request).docs.page("law", cursor, 500)
        for law in laws:
            matched = [trigger for trigger in law.get("applies_to", []) if trigger in reasons]
            if matched:
                prompts.append({"law_id": law["id"], "title": f"{law['title']} {law.get('article', '')}".strip(),
                                "reason": "; ".join(reasons[trigger] for trigger in matched)})
        if cursor is None:
            return prompts


async def _decide(request: Request, who: Principal, expected: str) -> Response:
    decision = await body(request, Decision)
    m = mall(request)
    plan_id = request.path_params["plan_id"]
    plan = await m.docs.get("plan", plan_id)
    if plan is None:
        raise not_found("plan")
    if who.role == "dept" and who.id != plan["department_id"]:
        raise forbidden("the plan belongs to another department's unit")
    if plan["status"] != expected:
        raise conflict(f"the plan is {plan['status']}, not {expected}")
    now = now_ms()
    action = review_action(decision.approve, plan["needs_approval"] and expected == "pending_review")

    def step(current: dict[str, Any]) -> dict[str, Any]:
        if current["status"] != expected:
            raise conflict(f"the plan is {current['status']}, not {expected}")
        try:
            current["status"] = plan_next(current["status"], action)
        except IllegalPlanTransition as exc:
            raise conflict(str(exc)) from None
        append_linked(current["history"], {"at": to_rfc3339(now), "actor": who.id, "action": action,
                                           "status": current["status"], "comment": decision.comment})
        if current["status"] == "filed":
            deadline = DEFAULT_CALENDAR.add_working_days(now, WORKING_DAYS_TO_DEAL)
            current.update(filed_at=to_rfc3339(now), filed_at_ms=now, deadline=to_rfc3339(deadline),
                           deadline_ms=deadline)
        return current

    try:
        plan = await PlanSteps(m.redis).advance(plan_id, step, local_date(now).year)
    except BatchNumbersExhausted as exc:
        raise conflict(str(exc), "BATCH_EXHAUSTED") from None
    assert plan is not None
    return json(plan)


async def review(request: Request) -> Response:
    return await _decide(request, require(principal(request), "dept"), "pending_review")


async def approval(request: Request) -> Response:
    return await _decide(request, require(principal(request), "admin"), "pending_approval")


async def get_plan(request: Request) -> Response:
    who = require(principal(request), "buyer", "dept", "admin")
    plan = await mall(request).docs.get("plan", request.path_params["plan_id"])
    if plan is None:
        raise not_found("plan")
    if not _can_read(who, plan):
        raise forbidden("the plan is not yours")
    return json(plan)


async def list_plans(request: Request) -> Response:
    who = require(principal(request), "buyer", "dept", "admin")
    cursor, limit = page_params(request)
    status = request.query_params.get("status") or None
    if status is not None and status not in STATUSES:
        raise invalid(f"status must be one of {', '.join(STATUSES)}", "status")

    def keep(plan: dict[str, Any]) -> bool:
        return _can_read(who, plan) and (status is None or plan["status"] == status)

    items, next_cursor = await mall(request).docs.page("plan", cursor, limit, keep)
    return page(items, next_cursor)


routes = [
    Route("/api/plans", create_plan, methods=["POST"]),
    Route("/api/plans", list_plans, methods=["GET"]),
    Route("/api/plans/{plan_id}", get_plan, methods=["GET"]),
    Route("/api/plans/{plan_id}/review", review, methods=["POST"]),
    Route("/api/plans/{plan_id}/approval", approval, methods=["POST"]),
]
