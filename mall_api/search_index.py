"""An index maintained from events, for lists that filter, search text and page newest first.

RediSearch is not in every Redis, so the mall keeps its own index in sorted sets. Every entry has a
sort key `<13-digit ms>:<id>`; every sorted set holds sort keys with score 0, so Redis orders each
set by sort key (ZRANGE BYLEX) and a page is a range below the cursor. A set per facet value
(`kind:deal`, `cat:A0201`, `buyer:U1`...) and, for full text, a set per character unigram and
bigram of the searchable text (so 计算机 is found in 台式计算机 by intersecting 计算 and 算机,
with no word segmentation). A query intersects the sets it needs inside one Lua call and returns
one page; the caller checks each hit against the text, since two bigrams may match apart.

The cursor is the last sort key returned. Entries are ordered by their own time, not by when they
were indexed, and never move, so paging never repeats or skips an entry, however many are
published meanwhile (newer ones sort before the cursor and are simply not on later pages).
All keys of one index share a hash tag, so the intersection runs on one Redis Cluster slot.
"""

import re
import unicodedata
from collections.abc import Iterable

import orjson
from redis.asyncio import Redis

_PAGE = """#!lua
-- KEYS[1] scratch, KEYS[2..] sets to intersect; ARGV[1] max, ARGV[2] min (BYLEX bounds), ARGV[3] count
local source = KEYS[2]
if #KEYS > 2 then
  local sets = {}
  for i = 2, #KEYS do sets[#sets + 1] = KEYS[i] end
  redis.call('ZINTERSTORE', KEYS[1], #sets, unpack(sets))
  source = KEYS[1]
end
local rows = redis.call('ZRANGE', source, ARGV[1], ARGV[2], 'BYLEX', 'REV', 'LIMIT', 0, tonumber(ARGV[3]))
if #KEYS > 2 then redis.call('DEL', KEYS[1]) end
return rows
"""

SORT_KEY = re.compile(r"\d{13}:\S{1,200}")
_SEPARATORS = re.compile(r"[\W_]+")


def sort_key(at_ms: int, entry_id: str) -> str:
    return f"{at_ms:013d}:{entry_id}"


def entry_id(key: str) -> str:
    return key.split(":", 1)[1]


def normalise(text: str) -> str:
    """Full-width to half-width (ＣＦ → CF), case folded: what is indexed and what is searched."""
    return unicodedata.normalize("NFKC", text).casefold()


def segments(text: str) -> list[str]:
    return [s for s in _SEPARATORS.split(normalise(text)) if s]


def grams(text: str) -> set[str]:
    """Every character and every pair of adjacent characters within a segment: what is indexed."""
    found: set[str] = set()
    for segment in segments(text):
        found.update(segment)
        found.update(segment[i:i + 2] for i in range(len(segment) - 1))
    return found


def query_grams(q: str) -> set[str]:
    """The grams an entry must hold to contain every segment of `q`."""
    found: set[str] = set()
    for segment in segments(q):
        found.update([segment] if len(segment) == 1 else (segment[i:i + 2] for i in range(len(segment) - 1)))
    return found


def contains(haystack: str, q: str) -> bool:
    """Whether every segment of `q` occurs in `haystack` (the check after the index narrowed down)."""
    text = normalise(haystack)
    return all(segment in text for segment in segments(q))


class SearchIndex:
    """One index (announcements, red flags...) under the hash tag `{tag}`."""

    def __init__(self, redis: Redis, tag: str) -> None:
        self._redis = redis
        self._prefix = f"mall:{{{tag}}}"
        self._page = redis.register_script(_PAGE)

    def _set(self, facet: str, value: str) -> str:
        return f"{self._prefix}:{facet}:{value}"

    @property
    def _all(self) -> str:
        return f"{self._prefix}:all"

    @property
    def _entries(self) -> str:
        return f"{self._prefix}:entries"

    async def add(self, entry: str, at_ms: int, facets: Iterable[tuple[str, str]], text: str = "") -> str:
        """Index `entry` at `at_ms` under `facets` and the grams of `text`; re-adding replaces it."""
        key = sort_key(at_ms, entry)
        sets = [self._all, *(self._set(f, v) for f, v in facets), *(self._set("g", g) for g in grams(text))]
        old = await self._redis.hget(self._entries, entry)
        async with self._redis.pipeline(transaction=True) as pipe:
            if old is not None:
                previous = orjson.loads(old)
                for name in set(previous["sets"]) - ({*sets} if previous["key"] == key else set()):
                    pipe.zrem(name, previous["key"])
            for name in sets:
                pipe.zadd(name, {key: 0})
            pipe.hset(self._entries, entry, orjson.dumps({"key": key, "sets": sets}))
            await pipe.execute()
        return key

    async def page(
        self, facets: Iterable[tuple[str, str]], q: str | None, below: str | None, since_ms: int | None,
        until_ms: int | None, count: int,
    ) -> list[str]:
        """Up to `count` sort keys, newest first, strictly below the cursor `below`, published within
        [since, until], in every facet set and holding every gram of `q`."""
        sets = [self._set(f, v) for f, v in facets] + [self._set("g", g) for g in sorted(query_grams(q or ""))]
        ceilings = [b for b in (below, None if until_ms is None else f"{until_ms + 1:013d}") if b is not None]
        high = f"({min(ceilings)}" if ceilings else "+"
        low = f"[{since_ms:013d}" if since_ms is not None else "-"
        rows = await self._page(keys=[f"{self._prefix}:scratch", *(sets or [self._all])], args=[high, low, count])
        return [r.decode() for r in rows]
