"""The figures the mall reports to the public, as the reference city reports them: totals and the
same figures per category, per purchasing unit and per month (Asia/Shanghai).

Counted from events by an idempotent Lua script: each contribution (`<auction>:bidding`,
`<auction>:deal`...) is counted once, into the totals and into its group of every dimension, so a
projection re-run after a crash never counts twice. Cycle times (working days from filing to the
deal announcement) sit in sorted sets keyed by auction, for medians; the suppliers who quoted in a
group in a set. Every key shares the `{stats}` hash tag.
"""

from collections.abc import Mapping
from typing import Any

from redis.asyncio import Redis

from engine.calendar import local_date
from mall_api.store import keys

DIMENSIONS = ("category", "unit", "month")
FIELDS = ("bidding_announcements", "deal_announcements", "failed", "budget_fen", "deal_fen", "savings_fen")

_COUNT = """#!lua
-- KEYS[1] seen contributions, KEYS[2] totals, KEYS[3..] one hash per dimension (fields `group|figure`);
-- ARGV[1] contribution id, ARGV[2..#KEYS-1] the group in each dimension, then figure/amount pairs.
if redis.call('HSETNX', KEYS[1], ARGV[1], 1) == 0 then return 0 end
local dims = #KEYS - 2
for i = 2 + dims, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[2], ARGV[i], ARGV[i + 1])
  for d = 1, dims do redis.call('HINCRBY', KEYS[2 + d], ARGV[1 + d] .. '|' .. ARGV[i], ARGV[i + 1]) end
end
return 1
"""


def by_key(dimension: str) -> str:
    return f"mall:{{stats}}:by:{dimension}"


def cycles_key(dimension: str | None = None, group: str | None = None) -> str:
    return keys.STATS_CYCLES if dimension is None else f"mall:{{stats}}:cycles:{dimension}:{group}"


def bidders_key(dimension: str, group: str) -> str:
    return f"mall:{{stats}}:bidders:{dimension}:{group}"


def month_of(at_ms: int) -> str:
    return local_date(at_ms).strftime("%Y-%m")


def saving_rate(budget_fen: int, savings_fen: int) -> float:
    """(budget − deal) / budget over awarded auctions, to four places (0.0556 is 5.56%)."""
    return round(savings_fen / budget_fen, 4) if budget_fen else 0.0


class Statistics:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._count = redis.register_script(_COUNT)

    async def count(self, contribution: str, groups: Mapping[str, str], **amounts: int) -> None:
        """Add `amounts` to the totals and to `groups` (dimension → group), once per contribution."""
        args: list[str | int] = [contribution, *(groups[d] for d in DIMENSIONS)]
        for figure, amount in amounts.items():
            args += [figure, amount]
        await self._count(keys=[keys.STATS_SEEN, keys.STATS_TOTALS, *(by_key(d) for d in DIMENSIONS)], args=args)

    async def cycle(self, auction_id: str, groups: Mapping[str, str], working_days: int) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zadd(cycles_key(), {auction_id: working_days})
            for dimension in DIMENSIONS:
                pipe.zadd(cycles_key(dimension, groups[dimension]), {auction_id: working_days})
            await pipe.execute()

    async def bidders(self, groups: Mapping[str, str], supplier_ids: list[str]) -> None:
        if not supplier_ids:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            for dimension in DIMENSIONS:
                pipe.sadd(bidders_key(dimension, groups[dimension]), *supplier_ids)
            await pipe.execute()

    async def median_cycle(self, key: str) -> float | None:
        size = await self._redis.zcard(key)
        if not size:
            return None
        middle = await self._redis.zrange(key, (size - 1) // 2, size // 2, withscores=True)
        return sum(score for _, score in middle) / len(middle)

    async def cycle_distribution(self) -> list[dict[str, int]]:
        """How many awarded auctions took each whole number of working days from filing to the deal."""
        counts: dict[int, int] = {}
        for _, score in await self._redis.zrange(cycles_key(), 0, -1, withscores=True):
            counts[int(score)] = counts.get(int(score), 0) + 1
        return [{"working_days": days, "auctions": n} for days, n in sorted(counts.items())]

    async def totals(self) -> dict[str, Any]:
        raw = {k.decode(): int(v) for k, v in (await self._redis.hgetall(keys.STATS_TOTALS)).items()}
        return self._figures(raw, await self.median_cycle(cycles_key()))

    async def groups(self, dimension: str) -> list[dict[str, Any]]:
        """Every group of `dimension` with its figures, in key order."""
        found: dict[str, dict[str, int]] = {}
        for field, amount in (await self._redis.hgetall(by_key(dimension))).items():
            group, _, figure = field.decode().rpartition("|")
            found.setdefault(group, {})[figure] = int(amount)
        items = []
        for group in sorted(found):
            figures = self._figures(found[group], await self.median_cycle(cycles_key(dimension, group)))
            figures["bidding_suppliers"] = int(await self._redis.scard(bidders_key(dimension, group)))
            items.append({"key": group, **figures})
        return items

    @staticmethod
    def _figures(raw: Mapping[str, int], median: float | None) -> dict[str, Any]:
        figures: dict[str, Any] = {name: raw.get(name, 0) for name in FIELDS}
        figures["saving_rate"] = saving_rate(figures["budget_fen"], figures["savings_fen"])
        figures["median_cycle_working_days"] = median
        return figures
