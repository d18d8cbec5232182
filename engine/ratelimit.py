"""Per-supplier bid rate limit (MALL_BID_RATE bids per second per supplier per auction).

A fixed one-second window per supplier: cheap, and exact enough for flood protection. Time comes
in as integer milliseconds; the limiter never reads a clock.
"""


class BidRate:
    __slots__ = ("_per_second", "_windows")

    def __init__(self, per_second: int) -> None:
        self._per_second = per_second
        self._windows: dict[str, tuple[int, int]] = {}

    def allow(self, supplier_id: str, now_ms: int) -> bool:
        second = now_ms // 1000
        window, count = self._windows.get(supplier_id, (second, 0))
        if window != second:
            window, count = second, 0
        if count >= self._per_second:
            return False
        self._windows[supplier_id] = (window, count + 1)
        return True
