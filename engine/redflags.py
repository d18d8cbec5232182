"""Red flags for supervisors (监管): patterns in a closed auction that deserve a second look.

Pure: each check reads the auction's terms and outcome and returns plain data.

- `abnormally_low`: a final quote more than `pct` percent under the mean of the other final quotes
  (MoF Decree 87 art. 60: a price clearly below the others' may endanger performance; the supplier
  must be able to justify it). Needs at least two quotes.
- `single_bidder`: an outcome with exactly one bidder (a competition that was not one).
- `identical_quotes`: two or more suppliers whose final quotes are the same (a sign of collusion).
- `missed_deadline`: the result was announced after the plan's 4-working-day deadline.
- `repeat_winner`: the same supplier won `min_wins` or more auctions of the same unit.
"""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from engine.events import Awarded, Cancelled, Failed, FinalQuote, Launched

ABNORMALLY_LOW = "abnormally_low"
SINGLE_BIDDER = "single_bidder"
IDENTICAL_QUOTES = "identical_quotes"
MISSED_DEADLINE = "missed_deadline"
REPEAT_WINNER = "repeat_winner"
FLAG_KINDS = (ABNORMALLY_LOW, SINGLE_BIDDER, IDENTICAL_QUOTES, MISSED_DEADLINE, REPEAT_WINNER)
DEFAULT_ABNORMAL_LOW_PCT = 20
DEFAULT_REPEAT_WINS = 3

Flag = dict[str, Any]


def abnormally_low(bids: Sequence[FinalQuote], pct: int) -> list[Flag]:
    """Every final quote more than `pct`% under the mean of the others, lowest first."""
    if len(bids) < 2:
        return []
    total = sum(b.price_fen for b in bids)
    found = []
    for bid in bids:
        others = len(bids) - 1
        others_total = total - bid.price_fen
        # price < mean(others) × (100 − pct) / 100, in integers.
        if bid.price_fen * 100 * others < others_total * (100 - pct):
            found.append({"supplier_id": bid.supplier_id, "price_fen": bid.price_fen,
                          "others_mean_fen": others_total // others, "threshold_pct": pct,
                          "below_pct": round(100 - 100 * bid.price_fen * others / others_total, 2)})
    return found


def identical_quotes(bids: Sequence[FinalQuote]) -> list[Flag]:
    by_price: dict[int, list[str]] = defaultdict(list)
    for bid in bids:
        by_price[bid.price_fen].append(bid.supplier_id)
    return [{"price_fen": price, "supplier_ids": sorted(suppliers)}
            for price, suppliers in sorted(by_price.items()) if len(suppliers) > 1]


def auction_flags(terms: Launched, outcome: Awarded | Failed | Cancelled, abnormal_low_pct: int) -> list[Flag]:
    """The flags of one finished auction: `{kind, detail}` each."""
    flags: list[Flag] = []
    if outcome.at > terms.plan_deadline:
        flags.append({"kind": MISSED_DEADLINE, "detail": {"announced_at": outcome.at,
                                                          "deadline": terms.plan_deadline}})
    if isinstance(outcome, Cancelled):
        return flags
    low = abnormally_low(outcome.bids, abnormal_low_pct)
    if low:
        flags.append({"kind": ABNORMALLY_LOW, "detail": {"quotes": low}})
    if outcome.bidders == 1:
        flags.append({"kind": SINGLE_BIDDER, "detail": {"supplier_id": outcome.bids[0].supplier_id}})
    same = identical_quotes(outcome.bids)
    if same:
        flags.append({"kind": IDENTICAL_QUOTES, "detail": {"groups": same}})
    return flags


def winner_abnormally_low(outcome: Awarded, pct: int) -> Flag | None:
    """The abnormal-low finding about the winning quote, shown on the deal announcement."""
    return next((f for f in abnormally_low(outcome.bids, pct) if f["supplier_id"] == outcome.winner_id), None)


def repeat_winner(wins: int, min_wins: int) -> bool:
    return wins >= min_wins
