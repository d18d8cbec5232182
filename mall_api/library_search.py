"""Search of the base-library lists (API.md conventions): `q` is a case-insensitive substring of any of a
library's searched fields; other query parameters narrow the list further. A list with neither
returns everything, in id order, paged."""

from collections.abc import Callable
from typing import Any

from starlette.requests import Request

Keep = Callable[[dict[str, Any]], bool]


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return " ".join(_text(v) for v in value)
    return "" if value is None else str(value)


def query(request: Request, *fields: str) -> Keep | None:
    """A filter for `q` over `fields` (list fields match on any element), or None without `q`."""
    q = request.query_params.get("q", "").strip().casefold()
    if not q:
        return None
    return lambda doc: any(q in _text(doc.get(field)).casefold() for field in fields)


def all_of(*filters: Keep | None) -> Keep | None:
    """The filter that keeps what every given filter keeps; None (keep everything) when none is given."""
    given = [f for f in filters if f is not None]
    if not given:
        return None
    return lambda doc: all(f(doc) for f in given)
