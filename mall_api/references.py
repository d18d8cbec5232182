"""Whole-network price observations (全网比价) in Redis, and the reference price read from them.

Each SKU's observations sit in a sorted set `mall:refobs:SKU` scored by `observed_at` (ms), one JSON
member `{price_fen, source, observed_at}` per observation, so the feed sending the same row twice
stores it once. Observations that have left the freshness window can never be a reference again
and are pruned on write. :func:`current_reference` is what an auction's launch prices against.
"""

from typing import Any

import msgspec
import orjson
from redis.asyncio import Redis

from catalog.reference import DAY_MS, Observation, reference_price
from mall_api.clock import from_rfc3339
from mall_api.errors import from_validation
from mall_api.schemas import ReferencePriceRow

# The feed's clock may run a little ahead of ours; anything further ahead is a bad row.
FUTURE_SKEW_MS = 5 * 60 * 1000
_CODE_OF_FIELD = {"price_fen": "BAD_PRICE", "observed_at": "BAD_TIME"}


def observations_key(sku: str) -> str:
    return f"mall:refobs:{sku}"


def parse_feed(rows: list[Any], known_skus: set[str], now_ms: int) -> tuple[list[Observation], list[dict[str, Any]]]:
    """Check every row on its own: the good ones as observations, the bad as `{index, sku, code, message}`."""
    accepted: list[Observation] = []
    rejected: list[dict[str, Any]] = []
    for index, raw in enumerate(rows):
        sku = raw.get("sku") if isinstance(raw, dict) and isinstance(raw.get("sku"), str) else None
        try:
            accepted.append(_observation(raw, known_skus, now_ms))
        except _BadRow as bad:
            rejected.append({"index": index, "sku": sku, "code": bad.code, "message": bad.message})
    return accepted, rejected


class _BadRow(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _observation(raw: Any, known_skus: set[str], now_ms: int) -> Observation:
    try:
        row = msgspec.convert(raw, ReferencePriceRow)
    except msgspec.ValidationError as exc:
        error = from_validation(exc)
        raise _BadRow(_CODE_OF_FIELD.get(error.field or "", "INVALID"), error.message) from None
    try:
        observed_at = from_rfc3339(row.observed_at)
    except ValueError:
        raise _BadRow("BAD_TIME", "observed_at must be an RFC 3339 time such as 2026-12-04T19:05:00Z") from None
    if observed_at > now_ms + FUTURE_SKEW_MS:
        raise _BadRow("BAD_TIME", "observed_at is in the future")
    if row.sku not in known_skus:
        raise _BadRow("UNKNOWN_SKU", f"no catalog item has the sku {row.sku}")
    return Observation(row.sku, row.price_fen, row.source, observed_at)


async def record(redis: Redis, observations: list[Observation], now_ms: int, max_age_days: int) -> None:
    oldest = now_ms - max_age_days * DAY_MS
    async with redis.pipeline(transaction=False) as pipe:
        for obs in observations:
            member = orjson.dumps({"price_fen": obs.price_fen, "source": obs.source, "observed_at": obs.observed_at})
            pipe.zadd(observations_key(obs.sku), {member: obs.observed_at})
        for sku in {obs.sku for obs in observations}:
            pipe.zremrangebyscore(observations_key(sku), "-inf", f"({oldest}")
        await pipe.execute()


def _decode(sku: str, raws: list[bytes]) -> list[Observation]:
    return [Observation(sku, d["price_fen"], d["source"], d["observed_at"]) for d in map(orjson.loads, raws)]


async def current_reference(redis: Redis, sku: str, now_ms: int, max_age_days: int) -> Observation | None:
    """The lowest observation of `sku` within the freshness window at `now_ms`, or None."""
    raws = await redis.zrangebyscore(observations_key(sku), now_ms - max_age_days * DAY_MS, now_ms)
    return reference_price(_decode(sku, raws), now_ms, max_age_days)


async def current_references(
    redis: Redis, skus: list[str], now_ms: int, max_age_days: int
) -> dict[str, Observation | None]:
    """:func:`current_reference` for many SKUs in one round trip."""
    async with redis.pipeline(transaction=False) as pipe:
        for sku in skus:
            pipe.zrangebyscore(observations_key(sku), now_ms - max_age_days * DAY_MS, now_ms)
        found = await pipe.execute()
    pairs = zip(skus, found, strict=True)
    return {sku: reference_price(_decode(sku, raws), now_ms, max_age_days) for sku, raws in pairs}
