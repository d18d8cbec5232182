"""`mall laws load [FILE]`: put the laws and regulations library's starter set (or FILE) into the store.

FILE is a JSON array of law records `{id, title, article, text, applies_to}` as `POST /api/laws`
takes them; without it, the provisions shipped in `mall_api/data/laws.json` (the Government
Procurement Law and its implementing regulations on methods, thresholds and single source, the
imported-products measures, MoF Decrees 74 and 87). The whole file is checked before anything is
written. Idempotent: a record already stored as given is left alone (keeping its `created_at`), a
changed one is replaced, so loading twice leaves the library as loading once.
"""

import argparse
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import msgspec
from redis.asyncio import Redis

from mall_api.clock import now_ms, to_rfc3339
from mall_api.commands.store import CommandError, run
from mall_api.schemas import Law
from mall_api.store.documents import Documents

PACKAGED_LAWS = "laws.json"


@dataclass(slots=True)
class LoadCounts:
    added: int = 0
    replaced: int = 0
    unchanged: int = 0


def packaged_laws_text() -> str:
    return resources.files("mall_api").joinpath("data", PACKAGED_LAWS).read_text(encoding="utf-8")


def read_laws(text: str) -> list[Law]:
    """The records of a laws file; CommandError naming the problem if any record is bad."""
    try:
        laws = msgspec.json.decode(text, type=list[Law])
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise CommandError(f"not a list of law records: {exc}") from None
    ids = [law.id for law in laws]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CommandError(f"law ids given twice: {', '.join(duplicates)}")
    return laws


async def load_laws(redis: Redis, laws: list[Law], at_ms: int) -> LoadCounts:
    docs = Documents(redis)
    counts = LoadCounts()
    stored = await docs.get_many("law", [law.id for law in laws])
    for law, current in zip(laws, stored, strict=True):
        record = msgspec.to_builtins(law)
        if current is None:
            if await docs.create("law", law.id, {**record, "created_at": to_rfc3339(at_ms)}):
                counts.added += 1
                continue
            current = await docs.get("law", law.id) or {}
        if {k: v for k, v in current.items() if k != "created_at"} == record:
            counts.unchanged += 1
            continue
        await docs.put("law", law.id, {**record, "created_at": current.get("created_at", to_rfc3339(at_ms))})
        counts.replaced += 1
    return counts


def _load(args: argparse.Namespace) -> int:
    source = args.file or f"mall_api/data/{PACKAGED_LAWS}"
    try:
        laws = read_laws(packaged_laws_text() if args.file is None else Path(args.file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, CommandError) as exc:
        print(f"mall: {source}: {exc}", file=sys.stderr)
        return 2

    async def work(redis: Redis) -> int:
        counts = await load_laws(redis, laws, now_ms())
        print(f"laws: {len(laws)} records from {source}: {counts.added} added, {counts.replaced} replaced, "
              f"{counts.unchanged} unchanged")
        return 0

    return run(work)


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    laws = subparsers.add_parser("laws", help="the laws and regulations library")
    actions = laws.add_subparsers(dest="laws_command", required=True)
    load = actions.add_parser("load", help="load the starter set of provisions (idempotent)")
    load.add_argument("file", nargs="?", help=f"JSON array of law records; default: the shipped {PACKAGED_LAWS}")
    load.set_defaults(handler=_load)
