"""Reading the procurement item catalogue CSV (``code,name,note``).

:func:`read_catalogue` returns the rows in file order. Guarantees on the result:

* every code is valid (:mod:`catalog.codes`) and appears once; every name is non-empty;
* ``parent`` is :func:`catalog.codes.parent_of` of the code (same spelling), or
  None for a top-level code; whether that parent is itself a row is not checked
  here (it is true of the shipped 2022 file, see the tests);
* text fields are cleaned of PDF-extraction artefacts: a line break inside a
  quoted field, and any whitespace between two CJK characters, is removed (the
  source wrapped lines mid-word: ``设备用房、 附属用房``); other whitespace runs
  become one space; fields are stripped.

Malformed input raises ``ValueError`` naming the line number.
"""

import csv
import io
import re
from dataclasses import dataclass
from importlib import resources

from catalog.codes import is_valid_code, parent_of

__all__ = ["PACKAGED_CATALOGUE", "CatalogueRow", "packaged_catalogue_text", "read_catalogue"]

PACKAGED_CATALOGUE = "pinmu-2022.csv"

_HEADER = ["code", "name", "note"]

# CJK ideographs, CJK punctuation and full-width forms: no spaces belong between them.
_CJK = r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
_CJK_GAP = re.compile(rf"(?<={_CJK})\s+(?={_CJK})")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class CatalogueRow:
    """One catalogue entry; ``parent`` is None for top-level codes such as ``A02000000``."""

    code: str
    name: str
    note: str
    parent: str | None


def _clean(text: str) -> str:
    return _SPACES.sub(" ", _CJK_GAP.sub("", text)).strip()


def read_catalogue(text: str) -> list[CatalogueRow]:
    """Parse catalogue CSV text (header ``code,name,note``; a UTF-8 BOM is allowed)."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = next(reader, None)
    if header is None or [h.strip() for h in header] != _HEADER:
        raise ValueError(f"line 1: expected header {','.join(_HEADER)}, got {header!r}")
    rows: list[CatalogueRow] = []
    seen: dict[str, int] = {}
    try:
        for record in reader:
            # reader.line_num is the physical line where this record ended.
            lineno = reader.line_num
            if not record or all(not field.strip() for field in record):
                continue
            if len(record) != len(_HEADER):
                raise ValueError(f"line {lineno}: expected 3 fields, got {len(record)}")
            code = "".join(record[0].split())
            if not is_valid_code(code):
                raise ValueError(f"line {lineno}: invalid code {record[0]!r}")
            if code in seen:
                raise ValueError(f"line {lineno}: duplicate code {code} (first on line {seen[code]})")
            seen[code] = lineno
            name = _clean(record[1])
            if not name:
                raise ValueError(f"line {lineno}: empty name for {code}")
            rows.append(CatalogueRow(code, name, _clean(record[2]), parent_of(code)))
    except csv.Error as exc:
        raise ValueError(f"line {reader.line_num}: {exc}") from exc
    return rows


def packaged_catalogue_text() -> str:
    """The 2022 catalogue CSV shipped inside the ``catalog`` package, as text."""
    return resources.files("catalog").joinpath(PACKAGED_CATALOGUE).read_text(encoding="utf-8")
