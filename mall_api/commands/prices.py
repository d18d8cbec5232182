"""`mall prices import FILE`: load whole-network price observations (全网比价) from a file.

FILE is CSV with the header `sku,price_fen,source,observed_at` (any order), or JSON lines, one
`{"sku", "price_fen", "source", "observed_at"}` object a line (chosen by the `.csv` suffix, else by
whether the first non-blank line starts with `{`). Every row is checked on its own by the same rules
as the feed endpoint (`mall_api.references`): bad rows are reported on stderr by line number with
their code, good rows load. Exit status 0 when every row loaded, 1 when some were rejected, 2 when
the file cannot be read at all.
"""

import argparse
import csv
import io
import re
import sys
from pathlib import Path
from typing import Any

import orjson
from redis.asyncio import Redis

from mall_api import references
from mall_api.clock import now_ms
from mall_api.commands.store import CommandError, run
from mall_api.settings import Settings
from mall_api.store.documents import Documents

COLUMNS = frozenset({"sku", "price_fen", "source", "observed_at"})
_INTEGER = re.compile(r"-?\d+")
Row = tuple[int, Any]  # (line number, the row as decoded, or _Unreadable)


class _Unreadable(str):
    """A line that is not JSON: its message."""


def read_rows(text: str, csv_file: bool | None = None) -> list[Row]:
    """The file's rows with their line numbers; CommandError if the file as a whole is unreadable."""
    text = text.removeprefix("\ufeff")
    if csv_file is None:
        first = next((line.strip() for line in text.splitlines() if line.strip()), "")
        csv_file = not first.startswith("{")
    return _csv_rows(text) if csv_file else _json_rows(text)


def _json_rows(text: str) -> list[Row]:
    rows: list[Row] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append((number, orjson.loads(line)))
        except orjson.JSONDecodeError as exc:
            rows.append((number, _Unreadable(f"not JSON: {exc}")))
    return rows


def _csv_rows(text: str) -> list[Row]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = {name.strip() for name in reader.fieldnames or []}
    if header != COLUMNS:
        raise CommandError(f"line 1: expected the columns {','.join(sorted(COLUMNS))}, got {reader.fieldnames}")
    rows: list[Row] = []
    for record in reader:
        if not any((value or "").strip() for value in record.values()):
            continue
        row: dict[str, Any] = {key.strip(): (value or "").strip() for key, value in record.items() if key is not None}
        if _INTEGER.fullmatch(row["price_fen"]):
            row["price_fen"] = int(row["price_fen"])
        rows.append((reader.line_num, row))
    return rows


async def import_prices(redis: Redis, rows: list[Row], at_ms: int, max_age_days: int) -> tuple[int, list[str]]:
    """Load the good rows; return how many loaded and one `line N: CODE message` per bad row."""
    skus = sorted({raw["sku"] for _, raw in rows if isinstance(raw, dict) and isinstance(raw.get("sku"), str)})
    found = await Documents(redis).get_many("item", skus)
    known = {sku for sku, item in zip(skus, found, strict=True) if item is not None}
    readable = [(number, raw) for number, raw in rows if not isinstance(raw, _Unreadable)]
    accepted, rejected = references.parse_feed([raw for _, raw in readable], known, at_ms)
    problems = [(number, f"line {number}: INVALID {raw}") for number, raw in rows if isinstance(raw, _Unreadable)]
    problems += [(readable[bad["index"]][0], f"line {readable[bad['index']][0]}: {bad['code']} {bad['message']}")
                 for bad in rejected]
    if accepted:
        await references.record(redis, accepted, at_ms, max_age_days)
    return len(accepted), [message for _, message in sorted(problems)]


def _import(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    try:
        text = Path(args.file).read_text(encoding="utf-8")
        rows = read_rows(text, True if args.file.endswith(".csv") else None)
    except (OSError, UnicodeDecodeError, CommandError) as exc:
        print(f"mall: {args.file}: {exc}", file=sys.stderr)
        return 2

    async def work(redis: Redis) -> int:
        loaded, problems = await import_prices(redis, rows, now_ms(), settings.reference_max_age_days)
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"prices: {loaded} observations loaded, {len(problems)} rows rejected from {args.file}")
        return 1 if problems else 0

    return run(work, settings)


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    prices = subparsers.add_parser("prices", help="whole-network reference prices")
    actions = prices.add_subparsers(dest="prices_command", required=True)
    load = actions.add_parser("import", help="import price observations from CSV or JSON lines")
    load.add_argument("file", help="CSV (sku,price_fen,source,observed_at) or JSON lines")
    load.set_defaults(handler=_import)
