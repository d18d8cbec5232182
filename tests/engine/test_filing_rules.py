"""Filing (备案) rules of API.md: when approval (核准) is needed, mall eligibility, review, batch numbers,
and the number of steps a mall plan takes to its deal announcement."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.filing import (
    METHODS,
    NONE,
    PLAN_TRANSITIONS,
    batch_number,
    law_triggers,
    mall_eligible,
    needs_approval,
    plan_next,
    review_action,
)

THRESHOLD = 4_000_000_00  # 4 million CNY in fen


def approval(method: str, *, imported: bool = False, original: str | None = None, budget: int = 100_000) -> bool:
    return needs_approval(method=method, imported=imported, original_method=original, budget_fen=budget,
                          threshold_fen=THRESHOLD)


def test_methods_are_the_api_methods() -> None:
    assert set(METHODS) == {"mall_auction", "open_tender", "competitive_negotiation", "inquiry", "single_source"}


@pytest.mark.parametrize("method", METHODS)
def test_imported_products_always_need_approval(method: str) -> None:
    assert approval(method, imported=True)
    assert approval(method, imported=True, budget=THRESHOLD * 2)


@pytest.mark.parametrize("method", [m for m in METHODS if m != "open_tender"])
def test_changing_an_open_tender_to_another_method_needs_approval(method: str) -> None:
    assert approval(method, original="open_tender")
    assert not approval(method, original=None)
    for original in METHODS:
        if original != "open_tender":
            assert not approval(method, original=original), "only a change away from open tender counts"


def test_keeping_open_tender_is_not_a_method_change() -> None:
    assert not approval("open_tender", original="open_tender")
    assert not approval("open_tender", original="open_tender", budget=THRESHOLD * 10)


@pytest.mark.parametrize("method", [m for m in METHODS if m != "open_tender"])
def test_reaching_the_threshold_without_open_tender_needs_approval(method: str) -> None:
    assert approval(method, budget=THRESHOLD)
    assert approval(method, budget=THRESHOLD + 1)
    assert not approval(method, budget=THRESHOLD - 1)


def test_open_tender_above_the_threshold_is_filed_alone() -> None:
    assert not approval("open_tender", budget=THRESHOLD)
    assert not approval("open_tender", budget=THRESHOLD * 100)


@settings(max_examples=200, deadline=None)
@given(
    method=st.sampled_from(METHODS),
    imported=st.booleans(),
    original=st.none() | st.sampled_from(METHODS),
    budget=st.integers(1, 2 * THRESHOLD) | st.sampled_from([THRESHOLD - 1, THRESHOLD, THRESHOLD + 1]),
)
def test_needs_approval_in_exactly_the_three_api_cases(
    method: str, imported: bool, original: str | None, budget: int
) -> None:
    cases = []
    if imported:
        cases.append("imported")
    if original == "open_tender" and method != "open_tender":
        cases.append("method_change")
    if budget >= THRESHOLD and method != "open_tender":
        cases.append("above_threshold")
    assert approval(method, imported=imported, original=original, budget=budget) == bool(cases)


def test_mall_eligible() -> None:
    assert mall_eligible(category_in_mall=True, budget_fen=1, threshold_fen=THRESHOLD)
    assert mall_eligible(category_in_mall=True, budget_fen=THRESHOLD - 1, threshold_fen=THRESHOLD)
    assert not mall_eligible(category_in_mall=True, budget_fen=THRESHOLD, threshold_fen=THRESHOLD)
    assert not mall_eligible(category_in_mall=True, budget_fen=THRESHOLD + 1, threshold_fen=THRESHOLD)
    assert not mall_eligible(category_in_mall=False, budget_fen=1, threshold_fen=THRESHOLD)


@settings(max_examples=100, deadline=None)
@given(budget=st.integers(1, 2 * THRESHOLD), imported=st.booleans(), original=st.none() | st.sampled_from(METHODS))
def test_a_mall_eligible_plan_never_needs_approval_for_its_budget(
    budget: int, imported: bool, original: str | None
) -> None:
    if mall_eligible(category_in_mall=True, budget_fen=budget, threshold_fen=THRESHOLD):
        assert approval("mall_auction", imported=imported, original=original, budget=budget) == (
            imported or original == "open_tender"
        )


@pytest.mark.parametrize(
    ("approve", "needs", "action", "status"),
    [
        (True, False, "approve", "filed"),
        (True, True, "approve_for_approval", "pending_approval"),
        (False, False, "reject", "rejected"),
        (False, True, "reject", "rejected"),
    ],
)
def test_review_action(approve: bool, needs: bool, action: str, status: str) -> None:
    assert review_action(approve, needs) == action
    assert plan_next("pending_review", action) == status


@pytest.mark.parametrize(
    ("year", "sequence", "expected"),
    [(2026, 123, "CF2026000123"), (2026, 1, "CF2026000001"), (2027, 999_999, "CF2027999999"),
     (2026, 100_000, "CF2026100000")],
)
def test_batch_number_format(year: int, sequence: int, expected: str) -> None:
    assert batch_number(year, sequence) == expected


@pytest.mark.parametrize("sequence", [0, -1, 1_000_000, 10**9])
def test_batch_number_out_of_range(sequence: int) -> None:
    with pytest.raises(ValueError, match="out of range"):
        batch_number(2026, sequence)


@settings(max_examples=100, deadline=None)
@given(year=st.integers(2000, 2099), a=st.integers(1, 999_999), b=st.integers(1, 999_999))
def test_batch_numbers_are_well_formed_and_unique_within_a_year(year: int, a: int, b: int) -> None:
    number = batch_number(year, a)
    assert re.fullmatch(r"CF\d{4}\d{6}", number)
    assert number.startswith(f"CF{year}")
    assert int(number[6:]) == a
    assert (batch_number(year, b) == number) == (a == b)


def walk(actions: list[str]) -> str:
    status = NONE
    for action in actions:
        status = plan_next(status, action)
    return status


def mall_plan_path(*, imported: bool, original: str | None, budget: int) -> list[str]:
    """The steps of a mall plan from submission to its deal announcement, all approvals granted."""
    assert mall_eligible(category_in_mall=True, budget_fen=budget, threshold_fen=THRESHOLD)
    needs = approval("mall_auction", imported=imported, original=original, budget=budget)
    path = ["submit", review_action(True, needs)]
    if needs:
        path.append("approve")
    return [*path, "launch_auction", "announce_result"]


def test_the_longest_mall_path_is_five_steps() -> None:
    longest = mall_plan_path(imported=True, original="open_tender", budget=THRESHOLD - 1)
    assert longest == ["submit", "approve_for_approval", "approve", "launch_auction", "announce_result"]
    assert walk(longest) == "filed"
    assert len(longest) == 5 <= 7


@pytest.mark.parametrize("imported", [False, True])
@pytest.mark.parametrize("original", [None, "open_tender", "inquiry"])
@pytest.mark.parametrize("budget", [1, THRESHOLD - 1])
def test_every_mall_plan_reaches_its_announcement_within_seven_steps(
    imported: bool, original: str | None, budget: int
) -> None:
    path = mall_plan_path(imported=imported, original=original, budget=budget)
    assert walk(path) == "filed"
    assert len(path) <= 5
    assert len(path) == (5 if imported or original == "open_tender" else 4)


def test_no_path_to_filed_is_longer_than_review_plus_approval() -> None:
    """Every acyclic route from submission to `filed` has at most 3 steps, so with launch and result a
    mall plan takes at most 5 (self-loops on `filed` are the launch and the announcement themselves)."""
    routes: list[list[str]] = []

    def explore(status: str, path: list[str], seen: set[str]) -> None:
        if status == "filed":
            routes.append(path)
            return
        for (state, action), new in PLAN_TRANSITIONS.items():
            if state == status and new not in seen:
                explore(new, [*path, action], seen | {new})

    explore(NONE, [], {NONE})
    assert max(len(route) for route in routes) == 3
    assert ["submit", "approve_for_approval", "approve"] in routes
    assert ["submit", "approve"] in routes


@pytest.mark.parametrize(("method", "imported", "original", "budget", "expected"), [
    ("mall_auction", False, None, 100, {"always", "mall_auction"}),
    ("single_source", False, None, 100, {"always", "single_source"}),
    ("inquiry", True, None, 100, {"always", "imported"}),
    ("inquiry", False, "open_tender", 100, {"always", "method_change"}),
    ("open_tender", False, "open_tender", THRESHOLD, {"always", "above_threshold"}),
    ("single_source", True, "open_tender", THRESHOLD - 1, {"always", "single_source", "method_change", "imported"}),
])
def test_law_triggers_name_every_matching_trigger_with_a_reason(
    method: str, imported: bool, original: str | None, budget: int, expected: set[str]
) -> None:
    found = law_triggers(method=method, imported=imported, original_method=original, budget_fen=budget,
                         threshold_fen=THRESHOLD)
    assert set(found) == expected
    assert all(reason for reason in found.values())
