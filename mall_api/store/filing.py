"""A plan's filing steps, each one compare-and-set of the plan document; the step that files a plan
also takes the year's next batch number in the same script.

Numbering inside the script is what makes batch numbers unique and without gaps per year however
many servers file at once: the counter moves only when the plan document is written, and both
happen atomically or not at all. The plan documents, the counters and the batch index share the
hash tag `{plan}` (see `keys`), so the script touches one slot.
"""

from collections.abc import Callable

import orjson
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from mall_api.store import keys
from mall_api.store.documents import Doc

_STEP = """#!lua
-- KEYS[1] plan documents, KEYS[2] the year's batch counter, KEYS[3] batch_no -> plan id
-- ARGV[1] plan id, ARGV[2] the document as read, ARGV[3] the new document, ARGV[4] year or ''
-- With a year, ARGV[3] is the new document's JSON without batch_no and without its closing brace.
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return false end
if ARGV[4] == '' then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  return ''
end
local sequence = tonumber(redis.call('GET', KEYS[2]) or '0') + 1
if sequence > 999999 then return redis.error_reply('BATCH_EXHAUSTED no batch number left for ' .. ARGV[4]) end
local number = string.format('CF%s%06d', ARGV[4], sequence)
redis.call('SET', KEYS[2], sequence)
redis.call('HSET', KEYS[3], number, ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3] .. ',"batch_no":"' .. number .. '"}')
return number
"""


class BatchNumbersExhausted(Exception):
    """The year has used all 999,999 batch numbers; the plan was left as it was."""


class PlanSteps:
    """Apply one filing step to a stored plan, numbering it when the step files it."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._step = redis.register_script(_STEP)

    async def advance(self, plan_id: str, change: Callable[[Doc], Doc], year: int, attempts: int = 20) -> Doc | None:
        """Apply `change` to the plan atomically (retrying when another writer got there first); if the
        result is `filed` with no `batch_no`, it gets `CF<year><6 digits>`, the year's next number.
        Returns the plan as stored, or None if there is no such plan. `change` may raise to refuse."""
        key = keys.documents("plan")
        for _ in range(attempts):
            raw = await self._redis.hget(key, plan_id)
            if raw is None:
                return None
            new = change(orjson.loads(raw))
            numbering = new["status"] == "filed" and new.get("batch_no") is None
            if numbering:
                new = {field: value for field, value in new.items() if field != "batch_no"}
                encoded = orjson.dumps(new)[:-1]
            else:
                encoded = orjson.dumps(new)
            try:
                number = await self._step(
                    keys=[key, keys.batch_counter(year), keys.BATCH_INDEX],
                    args=[plan_id, raw, encoded, str(year) if numbering else ""],
                )
            except ResponseError as exc:
                if "BATCH_EXHAUSTED" in str(exc):
                    raise BatchNumbersExhausted(str(exc)) from None
                raise
            if number is None:
                continue
            return {**new, "batch_no": number.decode()} if numbering else new
        raise RuntimeError(f"plan {plan_id} kept changing under {attempts} attempts")

    async def plan_of_batch(self, batch_no: str) -> str | None:
        """The id of the plan filed under `batch_no`, if any."""
        found = await self._redis.hget(keys.BATCH_INDEX, batch_no)
        return None if found is None else found.decode()
