"""Announcement builders: what the public reads at launch (竞价公告), at award (成交结果公告), on
failure (流标公告) and on cancellation (终止公告). Pure: names, times and ids come in as data.

Each announcement carries what the national format asks of its kind (政府采购公告和公示信息格式规范,
2020 edition): the project number (the plan's `batch_no`) and name, the buyer's name, address and
contact, the main goods (name, spec, quantity, unit price), the reference price and its source, the
budget, and for a deal the winning supplier (name, address), the amount and the savings. Every
announcement is public for one working day (`period_ends_at`, 公告期限), and a supplier may
question it (质疑) within seven working days after that (`complaint_ends_at`), both on the
official calendar.

An announcement's id is derived from its auction (`<auction_id>-<kind>`): each auction publishes
each kind at most once, so the projection that stores them is idempotent.
"""

from dataclasses import dataclass, field
from typing import Any

from engine.calendar import DEFAULT_CALENDAR, WorkingCalendar
from engine.events import Awarded, Cancelled, Failed, Launched

KINDS = ("bidding", "deal", "failed", "cancelled")
HEADINGS = {"bidding": "竞价公告", "deal": "成交结果公告", "failed": "流标公告", "cancelled": "终止公告"}
FORMAT = "政府采购公告和公示信息格式规范（2020年版）"
PERIOD_WORKING_DAYS = 1
COMPLAINT_WORKING_DAYS = 7


def announcement_id(auction_id: str, kind: str) -> str:
    return f"{auction_id}-{kind}"


@dataclass(frozen=True, slots=True)
class Particulars:
    """What the shell looks up for an announcement: the buyer `{id, name, address, contact,
    department_id}` from the unit library, the goods `{name, spec, unit}` from the item library."""

    buyer: dict[str, Any]
    goods: dict[str, Any] = field(default_factory=dict)
    calendar: WorkingCalendar = DEFAULT_CALENDAR


def _common(terms: Launched, kind: str, parts: Particulars, published_at: int) -> dict[str, Any]:
    period_ends_at = parts.calendar.add_working_days(published_at, PERIOD_WORKING_DAYS)
    return {
        "id": announcement_id(terms.auction_id, kind),
        "kind": kind,
        "heading": HEADINGS[kind],
        "format": FORMAT,
        "auction_id": terms.auction_id,
        "plan_id": terms.plan_id,
        "batch_no": terms.batch_no,
        "project_no": terms.batch_no,
        "title": terms.title,
        "project_name": terms.title,
        "buyer": parts.buyer,
        "category": terms.category,
        "sku": terms.sku,
        "quantity": terms.quantity,
        "goods": [{"sku": terms.sku, "name": parts.goods.get("name") or terms.sku, "spec": parts.goods.get("spec"),
                   "unit": parts.goods.get("unit"), "quantity": terms.quantity, "unit_price_fen": None}],
        "published_at": published_at,
        "budget_fen": terms.budget_fen,
        "reference_price_fen": terms.reference_price_fen,
        "reference_source": terms.reference_source,
        "reference_observed_at": terms.reference_observed_at or None,
        "ceiling_fen": terms.ceiling_fen,
        "period_working_days": PERIOD_WORKING_DAYS,
        "period_ends_at": period_ends_at,
        "complaint_working_days": COMPLAINT_WORKING_DAYS,
        "complaint_ends_at": parts.calendar.add_working_days(period_ends_at, COMPLAINT_WORKING_DAYS),
    }


def bidding(terms: Launched, parts: Particulars) -> dict[str, Any]:
    body = _common(terms, "bidding", parts, terms.at)
    body.update(mode=terms.mode, opens_at=terms.opens_at, closes_at=terms.closes_at,
                min_decrement_fen=terms.min_decrement_fen, min_bidders=terms.min_bidders)
    return body


def deal(terms: Launched, outcome: Awarded, parts: Particulars, supplier: dict[str, Any],
         abnormally_low: dict[str, Any] | None = None) -> dict[str, Any]:
    """`supplier` is `{id, name, address}`; `abnormally_low` the red flag on the winning quote, if any."""
    body = _common(terms, "deal", parts, outcome.at)
    body["goods"][0]["unit_price_fen"] = outcome.unit_price_fen
    body.update(
        supplier=supplier, price_fen=outcome.price_fen, amount_fen=outcome.price_fen,
        unit_price_fen=outcome.unit_price_fen, savings_fen=outcome.savings_fen, bidders=outcome.bidders,
        closed_at=outcome.at, abnormally_low=abnormally_low,
    )
    return body


def failed(terms: Launched, outcome: Failed, parts: Particulars) -> dict[str, Any]:
    body = _common(terms, "failed", parts, outcome.at)
    body.update(reason=outcome.reason, bidders=outcome.bidders, min_bidders=terms.min_bidders, closed_at=outcome.at)
    return body


def cancelled(terms: Launched, outcome: Cancelled, parts: Particulars) -> dict[str, Any]:
    body = _common(terms, "cancelled", parts, outcome.at)
    body.update(reason=outcome.reason, cancelled_by=outcome.by)
    return body
