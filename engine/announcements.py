"""Announcement builders: what the public reads at launch (竞价公告), at award (成交公告), on
failure (流标公告) and on cancellation (终止公告). Pure: names, times and ids come in as data.

An announcement's id is derived from its auction (`<auction_id>-<kind>`): each auction publishes
each kind at most once, so the projection that stores them is idempotent.
"""

from typing import Any

from engine.events import Awarded, Cancelled, Failed, Launched

KINDS = ("bidding", "deal", "failed", "cancelled")


def announcement_id(auction_id: str, kind: str) -> str:
    return f"{auction_id}-{kind}"


def _common(terms: Launched, kind: str, buyer: dict[str, Any], published_at: int) -> dict[str, Any]:
    return {
        "id": announcement_id(terms.auction_id, kind),
        "kind": kind,
        "auction_id": terms.auction_id,
        "plan_id": terms.plan_id,
        "batch_no": terms.batch_no,
        "title": terms.title,
        "buyer": buyer,
        "category": terms.category,
        "sku": terms.sku,
        "quantity": terms.quantity,
        "published_at": published_at,
        "budget_fen": terms.budget_fen,
        "reference_price_fen": terms.reference_price_fen,
        "reference_source": terms.reference_source,
        "ceiling_fen": terms.ceiling_fen,
    }


def bidding(terms: Launched, buyer: dict[str, Any]) -> dict[str, Any]:
    body = _common(terms, "bidding", buyer, terms.at)
    body.update(mode=terms.mode, opens_at=terms.opens_at, closes_at=terms.closes_at,
                min_decrement_fen=terms.min_decrement_fen, min_bidders=terms.min_bidders)
    return body


def deal(terms: Launched, outcome: Awarded, buyer: dict[str, Any], supplier: dict[str, Any]) -> dict[str, Any]:
    body = _common(terms, "deal", buyer, outcome.at)
    body.update(
        supplier=supplier, price_fen=outcome.price_fen, unit_price_fen=outcome.unit_price_fen,
        savings_fen=outcome.savings_fen, bidders=outcome.bidders, closed_at=outcome.at,
    )
    return body


def failed(terms: Launched, outcome: Failed, buyer: dict[str, Any]) -> dict[str, Any]:
    body = _common(terms, "failed", buyer, outcome.at)
    body.update(reason=outcome.reason, bidders=outcome.bidders, closed_at=outcome.at)
    return body


def cancelled(terms: Launched, outcome: Cancelled, buyer: dict[str, Any]) -> dict[str, Any]:
    body = _common(terms, "cancelled", buyer, outcome.at)
    body.update(reason=outcome.reason, cancelled_by=outcome.by)
    return body
