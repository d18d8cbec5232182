"""The audit chain: every event of a log is linked by SHA-256 to the one before it.

`link(previous, payload)` is the hex SHA-256 of the previous link (32 bytes) followed by the event's
stored bytes; the first event links to `GENESIS`. Editing, dropping or reordering any stored event
breaks every link after it, which `verify` names.

A document's history (a plan's steps) is chained the same way, row by row: `append_linked` stores
each row's link in its `h`, computed over the row's canonical JSON; `verify_rows` checks them.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

GENESIS = "0" * 64


def link(previous: str, payload: bytes) -> str:
    return hashlib.sha256(bytes.fromhex(previous) + payload).hexdigest()


def verify(entries: Iterable[tuple[int, bytes, str]]) -> int | None:
    """Check `(seq, payload, stored link)` entries in log order; return the first seq whose link
    (or whose position) is wrong, or None if the whole chain holds."""
    previous = GENESIS
    expected_seq = 1
    for seq, payload, stored in entries:
        if seq != expected_seq or link(previous, payload) != stored:
            return seq
        previous = stored
        expected_seq += 1
    return None


def canonical(row: Mapping[str, Any]) -> bytes:
    """The bytes a history row is linked by: compact JSON with sorted keys of every field but its link `h`."""
    fields = {name: value for name, value in row.items() if name != "h"}
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def append_linked(history: list[dict[str, Any]], row: dict[str, Any]) -> dict[str, Any]:
    """Append `row` to a document's history (a plan's), linked to the row before it by its `h`."""
    previous = history[-1].get("h", GENESIS) if history else GENESIS
    row["h"] = link(previous, canonical(row))
    history.append(row)
    return row


def verify_rows(history: Sequence[Mapping[str, Any]]) -> int | None:
    """The index of the first history row whose link is wrong (edited, dropped or moved), or None."""
    previous = GENESIS
    for index, row in enumerate(history):
        stored = row.get("h")
        if not isinstance(stored, str) or link(previous, canonical(row)) != stored:
            return index
        previous = stored
    return None
