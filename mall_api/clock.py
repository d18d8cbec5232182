"""The server's clock: the only place the mall reads the time. Engine time is integer ms (UTC)."""

import time
from datetime import UTC, datetime


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def to_rfc3339(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def from_rfc3339(text: str) -> int:
    """Parse an RFC 3339 time; raise ValueError unless it names its offset (Z or ±hh:mm)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("time must carry an offset, e.g. 2026-12-04T19:05:00Z")
    return int(moment.timestamp() * 1000)
