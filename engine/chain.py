"""The audit chain: every event of a log is linked by SHA-256 to the one before it.

`link(previous, payload)` is the hex SHA-256 of the previous link (32 bytes) followed by the event's
stored bytes; the first event links to `GENESIS`. Editing, dropping or reordering any stored event
breaks every link after it, which `verify` names.
"""

import hashlib
from collections.abc import Iterable

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
