"""`mall catalog import [FILE]`: load the national procurement item classification into the directory.

FILE is a catalogue CSV (`code,name,note`, see `catalog.directory`); without it, the 2022 catalogue
shipped in the `catalog` package. Idempotent: a category already in the directory keeps its mall
flag and its change log; only a new name (or a parent that is now known) is applied, and recorded
as a change by "catalog-import". New categories enter the directory outside the mall (`mall: false`)
until the admin flags them. Each category's parent is derived from its code. Writes are pipelined.
"""

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from redis.asyncio import Redis

from catalog.directory import PACKAGED_CATALOGUE, CatalogueRow, packaged_catalogue_text, read_catalogue
from mall_api.clock import now_ms, to_rfc3339
from mall_api.commands.store import CommandError, run
from mall_api.store import keys
from mall_api.store.documents import Doc, Documents

ACTOR = "catalog-import"
CHUNK = 1000


@dataclass(slots=True)
class ImportCounts:
    added: int = 0
    changed: int = 0
    unchanged: int = 0


async def import_catalogue(redis: Redis, rows: list[CatalogueRow], at_ms: int) -> ImportCounts:
    """Merge `rows` into the directory (see the module doc) and say what happened."""
    docs_key, index_key = keys.documents("category"), keys.document_index("category")
    stored: dict[str, Doc] = {}
    for start in range(0, len(rows), CHUNK):
        chunk = [row.code for row in rows[start:start + CHUNK]]
        for code, raw in zip(chunk, await redis.hmget(docs_key, chunk), strict=True):
            if raw is not None:
                stored[code] = orjson.loads(raw)
    known = {row.code for row in rows} | set(stored)
    counts = ImportCounts()
    at = to_rfc3339(at_ms)
    async with redis.pipeline(transaction=False) as pipe:
        for row in rows:
            if row.code in stored:
                continue
            parent = row.parent if row.parent in known else None
            doc = {"code": row.code, "name": row.name, "parent": parent, "mall": False, "created_at": at, "changes": []}
            # HSETNX: a category the admin adds meanwhile is kept as the admin made it.
            pipe.hsetnx(docs_key, row.code, orjson.dumps(doc))
            pipe.zadd(index_key, {row.code: 0})
            counts.added += 1
        await pipe.execute()
    wanted = {row.code: {"name": row.name, "parent": row.parent if row.parent in known else None} for row in rows}
    outdated = [code for code, doc in stored.items() if _reconcile(doc, wanted[code], at) is not None]
    docs = Documents(redis)
    for code in outdated:
        await docs.update("category", code, lambda doc, code=code: _reconcile(doc, wanted[code], at))
    counts.changed, counts.unchanged = len(outdated), len(stored) - len(outdated)
    return counts


def _reconcile(doc: Doc, wanted: dict[str, Any], at: str) -> Doc | None:
    """The stored category with the catalogue's name and (where it had none) parent; None if nothing changes."""
    changes = []
    if doc["name"] != wanted["name"]:
        changes.append({"at": at, "actor": ACTOR, "field": "name", "from": doc["name"], "to": wanted["name"]})
    if doc.get("parent") is None and wanted["parent"] is not None:
        changes.append({"at": at, "actor": ACTOR, "field": "parent", "from": None, "to": wanted["parent"]})
    if not changes:
        return None
    updated = {**doc, **{change["field"]: change["to"] for change in changes}}
    return {**updated, "changes": [*doc.get("changes", []), *changes]}


def _read(path: str | None) -> tuple[str, list[CatalogueRow]]:
    try:
        text = packaged_catalogue_text() if path is None else Path(path).read_text(encoding="utf-8")
        return (path or PACKAGED_CATALOGUE), read_catalogue(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read {path}: {exc}") from None
    except ValueError as exc:
        raise CommandError(f"{path or PACKAGED_CATALOGUE}: {exc}") from None


def _import(args: argparse.Namespace) -> int:
    try:
        source, rows = _read(args.file)
    except CommandError as exc:
        print(f"mall: {exc}", file=sys.stderr)
        return 2

    async def work(redis: Redis) -> int:
        started = time.perf_counter()
        counts = await import_catalogue(redis, rows, now_ms())
        print(f"catalog: {len(rows)} categories from {source}: {counts.added} added, {counts.changed} changed, "
              f"{counts.unchanged} unchanged in {time.perf_counter() - started:.2f} s")
        return 0

    return run(work)


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    catalog = subparsers.add_parser("catalog", help="the catalog directory")
    actions = catalog.add_subparsers(dest="catalog_command", required=True)
    load = actions.add_parser("import", help="import the national item classification (idempotent)")
    load.add_argument("file", nargs="?", help=f"catalogue CSV (code,name,note); default: {PACKAGED_CATALOGUE}")
    load.set_defaults(handler=_import)
