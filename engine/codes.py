"""Stable rejection codes of the bid path and their human messages.

The code is the contract (API.md); the message is for people and may change.
"""

from enum import StrEnum


class BidCode(StrEnum):
    AUCTION_NOT_OPEN = "AUCTION_NOT_OPEN"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
    ABOVE_CEILING = "ABOVE_CEILING"
    NOT_LOWER = "NOT_LOWER"
    ALREADY_QUOTED = "ALREADY_QUOTED"
    RATE_LIMITED = "RATE_LIMITED"
    UNAVAILABLE = "UNAVAILABLE"


MESSAGES: dict[BidCode, str] = {
    BidCode.AUCTION_NOT_OPEN: "the auction is not open for bids",
    BidCode.NOT_ELIGIBLE: "you are not admitted to this category, or you are blacklisted",
    BidCode.ABOVE_CEILING: "the quote is above the ceiling (budget or whole-network reference price)",
    BidCode.NOT_LOWER: "the quote must be lower than your previous one by at least the minimum decrement",
    BidCode.ALREADY_QUOTED: "a sealed auction takes one final quote per supplier",
    BidCode.RATE_LIMITED: "too many bids per second; slow down and send again",
    BidCode.UNAVAILABLE: "the store is unavailable; the bid was not placed, send it again with the same ref",
}


def message(code: BidCode) -> str:
    return MESSAGES[code]
