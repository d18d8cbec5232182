"""Small JSON documents (libraries, catalog, plans, auction summaries) in Redis hashes.

One hash per kind holds `id -> JSON`; a lexicographic sorted set per kind gives stable cursor
pagination (the cursor is the last id seen). `update` is optimistic: it retries when another writer
changed the document between the read and the write (compare-and-set on the stored text).
"""

from collections.abc import Callable
from typing import Any

import orjson
from redis.asyncio import Redis

from mall_api.store import keys

Doc = dict[str, Any]

_CAS = """#!lua
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
"""


class Documents:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._cas = redis.register_script(_CAS)

    async def create(self, kind: str, doc_id: str, doc: Doc) -> bool:
        """Store a new document; False (and nothing written) if the id exists."""
        created = await self._redis.hsetnx(keys.documents(kind), doc_id, orjson.dumps(doc))
        if created:
            await self._redis.zadd(keys.document_index(kind), {doc_id: 0})
        return bool(created)

    async def put(self, kind: str, doc_id: str, doc: Doc) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(keys.documents(kind), doc_id, orjson.dumps(doc))
            pipe.zadd(keys.document_index(kind), {doc_id: 0})
            await pipe.execute()

    async def get(self, kind: str, doc_id: str) -> Doc | None:
        raw = await self._redis.hget(keys.documents(kind), doc_id)
        return None if raw is None else orjson.loads(raw)

    async def get_many(self, kind: str, doc_ids: list[str]) -> list[Doc | None]:
        if not doc_ids:
            return []
        raws = await self._redis.hmget(keys.documents(kind), doc_ids)
        return [None if raw is None else orjson.loads(raw) for raw in raws]

    async def count(self, kind: str) -> int:
        return int(await self._redis.hlen(keys.documents(kind)))

    async def update(
        self, kind: str, doc_id: str, change: Callable[[Doc], Doc | None], attempts: int = 20
    ) -> Doc | None:
        """Apply `change` to the stored document atomically; `change` returns the new document, or
        None to leave it as it is. Returns the document as stored afterwards (None if it does not exist)."""
        key = keys.documents(kind)
        for _ in range(attempts):
            raw = await self._redis.hget(key, doc_id)
            if raw is None:
                return None
            new = change(orjson.loads(raw))
            if new is None:
                return orjson.loads(raw)
            encoded = orjson.dumps(new)
            if await self._cas(keys=[key], args=[doc_id, raw, encoded]):
                return new
        raise RuntimeError(f"{kind} {doc_id} kept changing under {attempts} attempts")

    async def page(
        self, kind: str, cursor: str | None, limit: int, keep: Callable[[Doc], bool] | None = None
    ) -> tuple[list[Doc], str | None]:
        """Up to `limit` documents after `cursor` in id order that `keep` accepts, and the next cursor."""
        found: list[Doc] = []
        start = f"({cursor}" if cursor else "-"
        batch = max(limit, 100)
        while len(found) < limit:
            ids = await self._redis.zrangebylex(keys.document_index(kind), start, "+", start=0, num=batch)
            if not ids:
                return found, None
            docs = await self.get_many(kind, [i.decode() for i in ids])
            for doc_id, doc in zip(ids, docs, strict=True):
                start = f"({doc_id.decode()}"
                if doc is not None and (keep is None or keep(doc)):
                    found.append(doc)
                    if len(found) == limit:
                        more = await self._redis.zrangebylex(keys.document_index(kind), start, "+", start=0, num=1)
                        return found, doc_id.decode() if more else None
        return found, None
