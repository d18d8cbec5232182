"""The server's clock: the only place the mall reads the time. Engine time is integer ms (UTC)."""

import time
from datetime import UTC, datetime


def now_ms() -> int:
    return time.time_ns() // 1_000_000


_last_second: tuple[int, str] = (-1, "")


def to_rfc3339(ms: int) -> str:
    """`2026-12-04T19:05:00.123Z`. Every acknowledgement carries one: the formatted second is reused."""
    global _last_second
    second, millis = divmod(ms, 1000)
    if _last_second[0] != second:
        _last_second = (second, datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S."))
    return f"{_last_second[1]}{millis:03d}Z"


def from_rfc3339(text: str) -> int:
    """Parse an RFC 3339 time; raise ValueError unless it names its offset (Z or ±hh:mm)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("time must carry an offset, e.g. 2026-12-04T19:05:00Z")
    return int(moment.timestamp() * 1000)
