"""Codes of the national procurement item classification (政府采购品目分类目录).

A code is ``A`` (goods), ``B`` (works) or ``C`` (services) followed by one to four
two-digit levels, e.g. ``A02`` 设备 > ``A0201`` > ``A020101`` > ``A02010105``.
The letter alone is the root of its tree and is not itself a code.

Two spellings are in use:

* 2022 catalogue: always 9 characters, unused trailing levels are ``00``
  (``A02010000`` is the same category level as 2013-style ``A0201``);
* 2013 catalogue: only the levels that exist (``A0201``, ``A020101``).

Every 9-character code is read as padded. A level is never ``00`` except as 2022
padding, so the first level must be non-zero and, in a 9-character code, once a
level is ``00`` all later levels must be ``00``. :func:`normalise_code` strips the
padding; hierarchy tests compare normalised codes, so mixed spellings compare by
digit prefix (``A0201`` ⊇ ``A02010105``). That is a structural comparison only:
the two editions number some items differently (desktop computers are
``A02010104`` in 2013 and ``A02010105`` in 2022), so it is not a mapping between
editions.

Inputs are not cleaned: lower-case letters or whitespace make a code invalid.
Functions other than :func:`is_valid_code` raise ``ValueError`` on invalid codes.
"""

import re

__all__ = ["ancestors", "is_valid_code", "is_within", "level_of", "normalise_code", "parent_of"]

_SHAPE = re.compile(r"[ABC](?:\d{2}){1,4}")
_PADDED_LEN = 9


def _levels(code: str) -> list[str]:
    return [code[i : i + 2] for i in range(1, len(code), 2)]


def is_valid_code(code: str) -> bool:
    """Whether ``code`` is a well-formed 2013 or 2022 item code (see the module doc)."""
    if not isinstance(code, str) or not _SHAPE.fullmatch(code):
        return False
    levels = _levels(code)
    if levels[0] == "00":
        return False
    if len(code) == _PADDED_LEN:
        used = len(levels)
        while levels[used - 1] == "00":
            used -= 1
        return all(level != "00" for level in levels[:used])
    return "00" not in levels


def _check(code: str) -> None:
    if not is_valid_code(code):
        raise ValueError(f"invalid procurement item code: {code!r}")


def normalise_code(code: str) -> str:
    """The unpadded spelling: ``A02010000`` -> ``A0201``; short codes are returned as is."""
    _check(code)
    if len(code) != _PADDED_LEN:
        return code
    digits = code[1:]
    while digits.endswith("00"):
        digits = digits[:-2]
    return code[0] + digits


def level_of(code: str) -> int:
    """Depth of the category: 1 for ``A02``/``A02000000`` up to 4 for ``A02010105``."""
    return (len(normalise_code(code)) - 1) // 2


def parent_of(code: str) -> str | None:
    """The enclosing category in the same spelling, or None for a top-level code.

    ``A02010105`` -> ``A02010100``; ``A02010000`` -> ``A02000000`` -> None;
    ``A020101`` -> ``A0201`` -> ``A02`` -> None.
    """
    short = normalise_code(code)
    if len(short) == 3:
        return None
    parent = short[:-2]
    return parent.ljust(_PADDED_LEN, "0") if len(code) == _PADDED_LEN else parent


def ancestors(code: str) -> list[str]:
    """All enclosing categories, nearest first, in the same spelling; [] for a top-level code."""
    result: list[str] = []
    parent = parent_of(code)
    while parent is not None:
        result.append(parent)
        parent = parent_of(parent)
    return result


def is_within(code: str, ancestor: str) -> bool:
    """Whether category ``code`` is ``ancestor`` itself or lies below it.

    Used for admission: a supplier admitted for ``ancestor`` may bid in ``code``.
    Either argument may be in either spelling (compared after normalisation).
    """
    code_n = normalise_code(code)
    ancestor_n = normalise_code(ancestor)
    # Both are a letter plus whole two-digit levels, so a string prefix is a level prefix.
    return code_n.startswith(ancestor_n)
