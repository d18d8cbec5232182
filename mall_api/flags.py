"""Red flags as stored for supervisors: raised by the projector at each auction's end, read by
`GET /api/supervision/flags` newest first, filterable by kind, department, unit and auction.

A flag's id is deterministic (`<auction>-<kind>`, or `repeat_winner-<unit>-<supplier>`), so raising
it again (a projection re-run) overwrites it rather than adding another. The repeat-winner flag
grows with the wins it counts; each unit–supplier pair's wins are a set of auction ids.
"""

from dataclasses import dataclass
from typing import Any

import orjson
from redis.asyncio import Redis

from engine import redflags
from engine.events import Awarded, Cancelled, Failed, Launched
from mall_api.clock import to_rfc3339
from mall_api.search_index import SearchIndex, entry_id

_DOCS = "mall:{flags}:doc"


def _wins_key(unit_id: str, supplier_id: str) -> str:
    return f"mall:{{flags}}:wins:{unit_id}:{supplier_id}"


@dataclass(frozen=True, slots=True)
class Supervision:
    """Thresholds of the red flags (MALL_ABNORMAL_LOW_PCT, MALL_REPEAT_WINS)."""

    abnormal_low_pct: int = redflags.DEFAULT_ABNORMAL_LOW_PCT
    repeat_wins: int = redflags.DEFAULT_REPEAT_WINS


class Flags:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self.index = SearchIndex(redis, "flags")

    async def raise_flag(self, flag: dict[str, Any]) -> None:
        """Store `flag` (`{id, kind, raised_at (ms), auction_id?, buyer_id, department_id, ...}`)."""
        await self._redis.hset(_DOCS, flag["id"], orjson.dumps(flag))
        facets = [("kind", flag["kind"]), ("unit", flag["buyer_id"])]
        if flag.get("department_id"):
            facets.append(("dept", flag["department_id"]))
        facets += [("auction", a) for a in flag.get("auction_ids", [])]
        await self.index.add(flag["id"], flag["raised_at"], facets)

    async def count_win(self, unit_id: str, supplier_id: str, auction_id: str) -> list[str]:
        """Record a win; return every auction the supplier won of this unit."""
        key = _wins_key(unit_id, supplier_id)
        await self._redis.sadd(key, auction_id)
        return sorted(m.decode() for m in await self._redis.smembers(key))

    async def get_many(self, sort_keys: list[str]) -> list[dict[str, Any]]:
        if not sort_keys:
            return []
        raws = await self._redis.hmget(_DOCS, [entry_id(k) for k in sort_keys])
        return [orjson.loads(raw) for raw in raws if raw is not None]

    async def record(self, terms: Launched, outcome: Awarded | Failed | Cancelled, department_id: str | None,
                     supervision: Supervision) -> None:
        """Raise every flag a finished auction calls for (idempotent)."""
        base = {"auction_id": terms.auction_id, "auction_ids": [terms.auction_id], "batch_no": terms.batch_no,
                "title": terms.title, "buyer_id": terms.buyer_id, "department_id": department_id,
                "raised_at": outcome.at}
        for found in redflags.auction_flags(terms, outcome, supervision.abnormal_low_pct):
            detail = dict(found["detail"])
            for name in ("announced_at", "deadline"):
                if name in detail:
                    detail[name] = to_rfc3339(detail[name])
            await self.raise_flag({**base, "id": f"{terms.auction_id}-{found['kind']}", "kind": found["kind"],
                                   "detail": detail})
        if isinstance(outcome, Awarded):
            wins = await self.count_win(terms.buyer_id, outcome.winner_id, terms.auction_id)
            if redflags.repeat_winner(len(wins), supervision.repeat_wins):
                await self.raise_flag({
                    **base, "id": f"{redflags.REPEAT_WINNER}-{terms.buyer_id}-{outcome.winner_id}",
                    "kind": redflags.REPEAT_WINNER, "auction_ids": wins, "supplier_id": outcome.winner_id,
                    "detail": {"wins": len(wins), "min_wins": supervision.repeat_wins},
                })
