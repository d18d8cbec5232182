"""The rules for launching an auction from a filed plan (API.md, POST /api/auctions).

`check_launch` returns the precise 422 code of the first rule that says no, or None. The shell
looks the plan, the item and the reference price up and passes them in as data.
"""

from enum import StrEnum
from typing import NamedTuple

from catalog.codes import is_within


class LaunchCode(StrEnum):
    NOT_MALL_ELIGIBLE = "NOT_MALL_ELIGIBLE"
    SKU_NOT_IN_CATEGORY = "SKU_NOT_IN_CATEGORY"
    NO_REFERENCE_PRICE = "NO_REFERENCE_PRICE"
    OVER_PLAN_BUDGET = "OVER_PLAN_BUDGET"
    PAST_CYCLE_DEADLINE = "PAST_CYCLE_DEADLINE"


LAUNCH_MESSAGES: dict[LaunchCode, str] = {
    LaunchCode.NOT_MALL_ELIGIBLE: "the plan is not a mall auction, or its category is not in the mall directory",
    LaunchCode.SKU_NOT_IN_CATEGORY: "the item does not belong to the plan's category",
    LaunchCode.NO_REFERENCE_PRICE: "the item has no fresh whole-network reference price",
    LaunchCode.OVER_PLAN_BUDGET: "the auction's budget is over the plan's budget",
    LaunchCode.PAST_CYCLE_DEADLINE: "the auction would close after the plan's 4-working-day deadline",
}


class LaunchFacts(NamedTuple):
    plan_method: str
    plan_category: str
    plan_budget_fen: int
    plan_deadline: int
    category_in_mall: bool
    item_category: str
    reference_price_fen: int | None
    budget_fen: int
    opens_at: int
    duration_s: int


def check_launch(facts: LaunchFacts) -> LaunchCode | None:
    if facts.plan_method != "mall_auction" or not facts.category_in_mall:
        return LaunchCode.NOT_MALL_ELIGIBLE
    if not is_within(facts.item_category, facts.plan_category):
        return LaunchCode.SKU_NOT_IN_CATEGORY
    if facts.reference_price_fen is None:
        return LaunchCode.NO_REFERENCE_PRICE
    if facts.budget_fen > facts.plan_budget_fen:
        return LaunchCode.OVER_PLAN_BUDGET
    if facts.opens_at + facts.duration_s * 1000 > facts.plan_deadline:
        return LaunchCode.PAST_CYCLE_DEADLINE
    return None
