"""Reference price resolution from observed market prices.

Prices are integer fen (分); times are integer milliseconds since the Unix epoch.
:func:`reference_price` is pure: the caller passes "now".
"""

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["DAY_MS", "Observation", "reference_price"]

DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class Observation:
    """A price seen for ``sku`` at ``observed_at`` from ``source`` (e.g. a retailer's name).

    ``price_fen`` must be positive (``ValueError`` otherwise).
    """

    sku: str
    price_fen: int
    source: str
    observed_at: int

    def __post_init__(self) -> None:
        if self.price_fen <= 0:
            raise ValueError(f"price_fen must be positive, got {self.price_fen}")


def reference_price(observations: Iterable[Observation], now_ms: int, max_age_days: int = 30) -> Observation | None:
    """The lowest-priced fresh observation, or None if there is none.

    Fresh means ``now_ms - max_age_days * 86_400_000 <= observed_at <= now_ms``
    (calendar days, both ends inclusive); observations from the future are ignored.
    Among equal lowest prices the most recent wins; among those, the first given.
    All observations must be for one SKU (``ValueError`` otherwise), so that one
    item is never priced from another's data. ``max_age_days < 0`` raises ``ValueError``.
    """
    if max_age_days < 0:
        raise ValueError(f"max_age_days must be >= 0, got {max_age_days}")
    oldest = now_ms - max_age_days * DAY_MS
    best: Observation | None = None
    sku: str | None = None
    for obs in observations:
        if sku is None:
            sku = obs.sku
        elif obs.sku != sku:
            raise ValueError(f"observations for different SKUs: {sku!r} and {obs.sku!r}")
        if not oldest <= obs.observed_at <= now_ms:
            continue
        if best is None or (obs.price_fen, -obs.observed_at) < (best.price_fen, -best.observed_at):
            best = obs
    return best
