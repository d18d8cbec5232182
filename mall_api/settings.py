"""Configuration from the environment (MALL_*, REDIS_URL); read once by `create_app`'s caller."""

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Settings:
    redis_url: str | None = None
    data_dir: Path = Path("./var")
    secret: str | None = None
    bid_rate: int = 10
    book_interval_ms: int = 50
    reference_max_age_days: int = 30
    open_tender_threshold_fen: int = 2_000_000 * 100
    send_queue: int = 256
    ws_ping_s: float = 20.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        return cls(
            redis_url=env.get("REDIS_URL") or None,
            data_dir=Path(env.get("MALL_DATA_DIR", "./var")),
            secret=env.get("MALL_SECRET") or None,
            bid_rate=int(env.get("MALL_BID_RATE", "10")),
            book_interval_ms=int(env.get("MALL_BOOK_INTERVAL_MS", "50")),
            reference_max_age_days=int(env.get("MALL_REFERENCE_MAX_AGE_DAYS", "30")),
            open_tender_threshold_fen=int(env.get("MALL_OPEN_TENDER_THRESHOLD_FEN", str(2_000_000 * 100))),
            send_queue=int(env.get("MALL_SEND_QUEUE", "256")),
            ws_ping_s=float(env.get("MALL_WS_PING_S", "20")),
        )
