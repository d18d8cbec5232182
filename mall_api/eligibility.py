"""Who may bid in a category: a supplier admitted (入围) for it or for a category above it, and not
blacklisted at that moment.

A supplier document keeps `categories` (the codes it was admitted for) and `credit`
(`{status, reason, until_ms}`). A blacklist or warning with an `until_ms` lapses by itself at that
time, so the stored status is read through :func:`credit_status` rather than trusted as is.
"""

from typing import Any, Literal

from catalog.codes import is_valid_code, is_within
from mall_api.store.documents import Documents

CreditStatus = Literal["good", "warning", "blacklisted"]


def credit_status(credit: dict[str, Any] | None, now_ms: int) -> CreditStatus:
    """The supplier's credit status at `now_ms`: a sanction whose `until_ms` has passed reads as good."""
    if not credit or credit.get("status") not in ("warning", "blacklisted"):
        return "good"
    until_ms = credit.get("until_ms")
    if until_ms is not None and now_ms >= until_ms:
        return "good"
    return credit["status"]


def admits(categories: list[str], category: str) -> bool:
    """Whether an admission for `categories` covers `category` (itself or a sub-category of one)."""
    if not is_valid_code(category):
        return False
    return any(is_valid_code(c) and is_within(category, c) for c in categories)


async def supplier_eligible(docs: Documents, supplier_id: str, category: str, now_ms: int) -> bool:
    """True iff the supplier exists, is admitted for `category` and is not blacklisted at `now_ms`."""
    supplier = await docs.get("supplier", supplier_id)
    if supplier is None:
        return False
    return admits(supplier.get("categories", []), category) and (
        credit_status(supplier.get("credit"), now_ms) != "blacklisted"
    )
