"""The unified social credit code (统一社会信用代码, GB 32100-2015) every supplier registers with.

Eighteen characters from a 31-character set (the digits and the capital letters without I, O, Z, S
and V): registration authority (1), organisation kind (1), administrative division (6), organisation
code (9) and a check character (1). The check character is (31 − Σ value(cᵢ) × wᵢ mod 31) mod 31 over
the first seventeen, with the standard's weights wᵢ = 3ⁱ⁻¹ mod 31.
"""

__all__ = ["CHARSET", "WEIGHTS", "check_character", "is_valid_credit_code"]

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {c: i for i, c in enumerate(CHARSET)}
LENGTH = 18


def check_character(body: str) -> str:
    """The check character for the first seventeen characters; ValueError if they are not all in CHARSET."""
    if len(body) != LENGTH - 1 or any(c not in _VALUE for c in body):
        raise ValueError(f"not the first 17 characters of a credit code: {body!r}")
    total = sum(_VALUE[c] * w for c, w in zip(body, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def is_valid_credit_code(code: str) -> bool:
    """Whether `code` is 18 characters of CHARSET ending in its correct check character (no cleaning)."""
    if len(code) != LENGTH or any(c not in _VALUE for c in code):
        return False
    return check_character(code[:-1]) == code[-1]
