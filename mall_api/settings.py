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
    ws_msg_budget: int = 100  # frames a second per websocket, any kind (0: no budget); past it: close 1008
    max_conn_per_token: int = 100  # simultaneous websockets per principal per process (0: no cap); past it: 4429
    keep_alive_s: int = 5  # an idle HTTP keep-alive connection is closed after this
    max_connections: int = 0  # uvicorn's limit_concurrency: 503 past it (0: no limit)
    abnormal_low_pct: int = 20  # red flag: a final quote this % under the mean of the others (Decree 87 art. 60)
    repeat_wins: int = 3  # red flag: a supplier winning this many auctions of the same unit
    ocid_prefix: str = "ocds-cfmall"  # OCDS: the publisher's registered ocid prefix

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
            ws_msg_budget=int(env.get("MALL_WS_MSG_BUDGET", "100")),
            max_conn_per_token=int(env.get("MALL_MAX_CONN_PER_TOKEN", "100")),
            keep_alive_s=int(env.get("MALL_KEEP_ALIVE_S", "5")),
            max_connections=int(env.get("MALL_MAX_CONNECTIONS", "0")),
            abnormal_low_pct=int(env.get("MALL_ABNORMAL_LOW_PCT", "20")),
            repeat_wins=int(env.get("MALL_REPEAT_WINS", "3")),
            ocid_prefix=env.get("MALL_OCID_PREFIX", "ocds-cfmall"),
        )
