"""Filing (备案) of purchase plans: one table, the only place a plan's status changes.

    state             action                 new state
    ----------------  ---------------------  ----------------
    (none)            submit                 pending_review
    pending_review    approve                filed
    pending_review    approve_for_approval   pending_approval
    pending_review    reject                 rejected
    pending_approval  approve                filed
    pending_approval  reject                 rejected
    filed             launch_auction         filed
    filed             announce_result        filed

Approval (核准) by the finance bureau instead of filing alone is needed exactly when the plan buys
imported products, changes an open tender to another method, or reaches the open-tender threshold
with a method other than open tender (`needs_approval`). A mall plan's longest path to its deal
announcement is submit, review, approval, launch, result: five steps, within the reform's seven.
"""

from enum import StrEnum
from typing import Literal

PlanStatus = Literal["pending_review", "pending_approval", "filed", "rejected"]
METHODS = ("mall_auction", "open_tender", "competitive_negotiation", "inquiry", "single_source")
NONE = "(none)"

PLAN_TRANSITIONS: dict[tuple[str, str], PlanStatus] = {
    (NONE, "submit"): "pending_review",
    ("pending_review", "approve"): "filed",
    ("pending_review", "approve_for_approval"): "pending_approval",
    ("pending_review", "reject"): "rejected",
    ("pending_approval", "approve"): "filed",
    ("pending_approval", "reject"): "rejected",
    ("filed", "launch_auction"): "filed",
    ("filed", "announce_result"): "filed",
}


class FilingCode(StrEnum):
    NOT_MALL_ELIGIBLE = "NOT_MALL_ELIGIBLE"


class IllegalPlanTransition(Exception):
    """The action cannot happen in the plan's current status."""


def plan_next(status: str, action: str) -> PlanStatus:
    try:
        return PLAN_TRANSITIONS[(status, action)]
    except KeyError:
        raise IllegalPlanTransition(f"{action!r} cannot happen to a plan that is {status!r}") from None


def needs_approval(
    *, method: str, imported: bool, original_method: str | None, budget_fen: int, threshold_fen: int
) -> bool:
    method_change = original_method == "open_tender" and method != "open_tender"
    above_threshold = budget_fen >= threshold_fen and method != "open_tender"
    return imported or method_change or above_threshold


def law_triggers(
    *, method: str, imported: bool, original_method: str | None, budget_fen: int, threshold_fen: int
) -> dict[str, str]:
    """The law-library triggers (API.md, Filing) a plan matches, each with the reason shown while it files."""
    found = {"always": "applies to every purchase"}
    if imported:
        found["imported"] = "the plan buys imported products"
    if original_method == "open_tender" and method != "open_tender":
        found["method_change"] = "an open tender is changed to another method"
    if budget_fen >= threshold_fen:
        found["above_threshold"] = "the budget reaches the open-tender threshold"
    if method == "mall_auction":
        found["mall_auction"] = "the plan buys through the online mall"
    if method == "single_source":
        found["single_source"] = "single-source procurement"
    return found


def mall_eligible(*, category_in_mall: bool, budget_fen: int, threshold_fen: int) -> bool:
    return category_in_mall and budget_fen < threshold_fen


def review_action(approve: bool, needs_approval: bool) -> str:
    if not approve:
        return "reject"
    return "approve_for_approval" if needs_approval else "approve"


def batch_number(year: int, sequence: int) -> str:
    """`CF` + year + 6-digit sequence, e.g. CF2026000123."""
    if not 1 <= sequence <= 999_999:
        raise ValueError(f"batch sequence {sequence} out of range for one year")
    return f"CF{year}{sequence:06d}"
