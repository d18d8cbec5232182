"""The public notice board (公告栏): announcements as stored, indexed and searched.

`publish` stores an announcement (idempotent: its id is derived from its auction) and indexes it by
kind, category and every category above it, buyer, winning supplier, publication time and the text
a reader searches: title, batch number, buyer, supplier and goods. `search` pages through the index
(mall_api.search_index), newest first, and checks each hit's text.
"""

from typing import Any

import orjson
from redis.asyncio import Redis

from catalog.codes import ancestors, is_valid_code, normalise_code
from mall_api.search_index import SearchIndex, contains, entry_id
from mall_api.store import keys


def searchable_text(ann: dict[str, Any]) -> str:
    supplier = ann.get("supplier") or {}
    goods = " ".join(str(g.get("name") or "") for g in ann.get("goods", []))
    parts = (ann["title"], ann["batch_no"], ann["buyer"].get("id"), ann["buyer"].get("name"),
             supplier.get("id"), supplier.get("name"), goods, ann.get("sku"))
    return "\n".join(str(p) for p in parts if p)


def facets(ann: dict[str, Any]) -> list[tuple[str, str]]:
    found = [("kind", ann["kind"]), ("buyer", ann["buyer"]["id"])]
    if is_valid_code(ann["category"]):
        found += [("cat", normalise_code(c)) for c in [ann["category"], *ancestors(ann["category"])]]
    if ann.get("supplier"):
        found.append(("supplier", ann["supplier"]["id"]))
    return found


class AnnouncementBoard:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self.index = SearchIndex(redis, "ann")

    async def publish(self, ann: dict[str, Any]) -> None:
        await self._redis.hset(keys.ANNOUNCEMENTS, ann["id"], orjson.dumps(ann))
        await self.index.add(ann["id"], ann["published_at"], facets(ann), searchable_text(ann))

    async def get(self, announcement_id: str) -> dict[str, Any] | None:
        raw = await self._redis.hget(keys.ANNOUNCEMENTS, announcement_id)
        return None if raw is None else orjson.loads(raw)

    async def search(
        self, filters: list[tuple[str, str]], q: str | None, cursor: str | None, since_ms: int | None,
        until_ms: int | None, limit: int,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Up to `limit` announcements after `cursor` and the next cursor (None at the end)."""
        found: list[dict[str, Any]] = []
        below = cursor
        batch = limit + 1
        while len(found) <= limit:
            rows = await self.index.page(filters, q, below, since_ms, until_ms, batch)
            if not rows:
                break
            raws = await self._redis.hmget(keys.ANNOUNCEMENTS, [entry_id(r) for r in rows])
            for row, raw in zip(rows, raws, strict=True):
                if raw is None:
                    continue
                ann = orjson.loads(raw)
                if not q or contains(searchable_text(ann), q):
                    found.append({**ann, "_key": row})
            below = rows[-1]
            if len(rows) < batch:
                break
        next_cursor = found[limit - 1]["_key"] if len(found) > limit else None
        return [{k: v for k, v in a.items() if k != "_key"} for a in found[:limit]], next_cursor
