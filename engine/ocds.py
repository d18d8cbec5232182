"""An auction as Open Contracting Data Standard 1.1 releases. Pure: names and times come in as data.

One contracting process per auction, `ocid` = the publisher's prefix + the plan's batch number.
Releases: a `tender` release from the launch; at the end an `award` release (awarded), a
`tenderUpdate` with the tender `unsuccessful` (failed, 流标) or a `tenderCancellation` (cancelled).
Values are in CNY with the amount in yuan as a JSON number (the mall's fen / 100).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from engine.events import Awarded, Cancelled, Failed, Launched

VERSION = "1.1"
PROCUREMENT_METHOD_DETAILS = "网上商城电子竞价（反向竞价，最低价成交）"
ITEM_SCHEME = "CN-GPIC"  # 政府采购品目分类目录, the national procurement item classification
SUPPLIER_ID_SCHEME = "CN-USCC"  # 统一社会信用代码, the unified social credit code

Json = dict[str, Any]
Outcome = Awarded | Failed | Cancelled


def iso(ms: int) -> str:
    """RFC 3339 in UTC with milliseconds, like every time of the mall's API."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def value(fen: int) -> Json:
    """A Value in CNY: the amount in yuan, a whole number when it has no fen."""
    return {"amount": fen // 100 if fen % 100 == 0 else fen / 100, "currency": "CNY"}


@dataclass(frozen=True, slots=True)
class Parties:
    """The organisations the shell looked up: the buyer (`{id, name, address?, contact?}`), every
    bidding supplier by id (`{name, credit_code?, address?}`), the goods (`{name, unit}`) and the
    category's name."""

    buyer: Mapping[str, Any]
    suppliers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    goods: Mapping[str, Any] = field(default_factory=dict)
    category_name: str | None = None


def ocid(prefix: str, batch_no: str) -> str:
    return f"{prefix}-{batch_no}"


def _buyer_ref(parties: Parties) -> Json:
    return {"id": f"unit-{parties.buyer['id']}", "name": parties.buyer.get("name") or parties.buyer["id"]}


def _supplier_ref(parties: Parties, supplier_id: str) -> Json:
    return {"id": f"supplier-{supplier_id}", "name": parties.suppliers.get(supplier_id, {}).get("name") or supplier_id}


def _buyer_party(parties: Parties) -> Json:
    party: Json = {**_buyer_ref(parties), "roles": ["buyer", "procuringEntity"]}
    if parties.buyer.get("address"):
        party["address"] = {"streetAddress": parties.buyer["address"], "countryName": "中国"}
    if parties.buyer.get("contact"):
        party["contactPoint"] = {"telephone": parties.buyer["contact"]}
    return party


def _supplier_party(parties: Parties, supplier_id: str, roles: list[str]) -> Json:
    known = parties.suppliers.get(supplier_id, {})
    party: Json = {**_supplier_ref(parties, supplier_id), "roles": roles}
    if known.get("credit_code"):
        party["identifier"] = {"scheme": SUPPLIER_ID_SCHEME, "id": known["credit_code"],
                               "legalName": party["name"]}
    if known.get("address"):
        party["address"] = {"streetAddress": known["address"], "countryName": "中国"}
    return party


def _item(terms: Launched, parties: Parties, unit_price_fen: int) -> Json:
    classification: Json = {"scheme": ITEM_SCHEME, "id": terms.category}
    if parties.category_name:
        classification["description"] = parties.category_name
    return {"id": "1", "description": parties.goods.get("name") or terms.sku, "classification": classification,
            "quantity": terms.quantity,
            "unit": {"name": parties.goods.get("unit") or "件", "value": value(unit_price_fen)}}


def _tender(terms: Launched, parties: Parties, status: str) -> Json:
    return {
        "id": terms.auction_id, "title": terms.title, "status": status, "procuringEntity": _buyer_ref(parties),
        "items": [_item(terms, parties, terms.reference_price_fen)], "value": value(terms.ceiling_fen),
        "procurementMethod": "selective", "procurementMethodDetails": PROCUREMENT_METHOD_DETAILS,
        "mainProcurementCategory": "goods", "awardCriteria": "priceOnly", "submissionMethod": ["electronicAuction"],
        "tenderPeriod": {"startDate": iso(terms.opens_at), "endDate": iso(terms.closes_at)},
    }


def _release(prefix: str, terms: Launched, name: str, at: int, tag: str, parties: list[Json]) -> Json:
    return {"ocid": ocid(prefix, terms.batch_no), "id": f"{terms.auction_id}-{name}", "date": iso(at),
            "tag": [tag], "initiationType": "tender", "language": "zh", "parties": parties}


def tender_release(prefix: str, terms: Launched, parties: Parties) -> Json:
    release = _release(prefix, terms, "tender", terms.at, "tender", [_buyer_party(parties)])
    release["buyer"] = _buyer_ref(parties)
    release["planning"] = {"budget": {"id": terms.plan_id, "description": terms.title,
                                      "amount": value(terms.budget_fen)}}
    release["tender"] = _tender(terms, parties, "active")
    return release


def outcome_release(prefix: str, terms: Launched, outcome: Outcome, parties: Parties) -> Json:
    """The release that ends the process: award, unsuccessful tender, or cancellation."""
    if isinstance(outcome, Cancelled):
        release = _release(prefix, terms, "cancellation", outcome.at, "tenderCancellation", [_buyer_party(parties)])
        release["buyer"] = _buyer_ref(parties)
        release["tender"] = {**_tender(terms, parties, "cancelled"), "description": f"终止原因：{outcome.reason}"}
        return release
    bidders = [q.supplier_id for q in outcome.bids]
    winner = outcome.winner_id if isinstance(outcome, Awarded) else None
    party_list = [_buyer_party(parties)] + [
        _supplier_party(parties, s, ["tenderer", "supplier"] if s == winner else ["tenderer"]) for s in bidders]
    tag, status = ("award", "complete") if winner else ("tenderUpdate", "unsuccessful")
    release = _release(prefix, terms, "award" if winner else "unsuccessful", outcome.at, tag, party_list)
    release["buyer"] = _buyer_ref(parties)
    tender = _tender(terms, parties, status)
    tender["numberOfTenderers"] = outcome.bidders
    tender["tenderers"] = [_supplier_ref(parties, s) for s in bidders]
    tender["awardPeriod"] = {"startDate": iso(outcome.at), "endDate": iso(outcome.at)}
    if isinstance(outcome, Failed):
        tender["description"] = f"流标原因：{outcome.reason}"
    release["tender"] = tender
    if isinstance(outcome, Awarded):
        release["awards"] = [{
            "id": f"{terms.auction_id}-award-1", "title": terms.title, "status": "active", "date": iso(outcome.at),
            "value": value(outcome.price_fen), "suppliers": [_supplier_ref(parties, outcome.winner_id)],
            "items": [_item(terms, parties, outcome.unit_price_fen)],
        }]
    return release


def releases(prefix: str, terms: Launched, outcome: Outcome | None, parties: Parties) -> list[Json]:
    found = [tender_release(prefix, terms, parties)]
    if outcome is not None:
        found.append(outcome_release(prefix, terms, outcome, parties))
    return found


def package(releases: Sequence[Json], uri: str, published_at: int, publisher: str) -> Json:
    """A release package; `published_at` should be the time of the last change to its releases."""
    return {"uri": uri, "version": VERSION, "publishedDate": iso(published_at),
            "publisher": {"name": publisher}, "releases": list(releases)}
