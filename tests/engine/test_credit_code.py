"""The unified social credit code's check character (GB 32100-2015)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.credit_code import CHARSET, WEIGHTS, check_character, is_valid_credit_code

bodies = st.text(alphabet=CHARSET, min_size=17, max_size=17)


def test_weights_are_powers_of_three_mod_31() -> None:
    assert list(WEIGHTS) == [pow(3, i, 31) for i in range(17)]
    assert len(CHARSET) == 31 and not set("IOZSV") & set(CHARSET)


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000802100433B"])
def test_published_codes_are_valid(code: str) -> None:
    assert is_valid_credit_code(code)


@given(bodies)
def test_a_body_with_its_check_character_is_valid(body: str) -> None:
    assert is_valid_credit_code(body + check_character(body))


@given(bodies, st.integers(0, 17), st.sampled_from(CHARSET))
def test_any_single_substitution_is_caught(body: str, position: int, replacement: str) -> None:
    code = body + check_character(body)
    changed = code[:position] + replacement + code[position + 1:]
    assert is_valid_credit_code(changed) == (changed == code)


@pytest.mark.parametrize("code", ["", "91350100M000100Y4", "91350100M000100Y433", "91350100m000100Y43",
                                  "91350100M000100I43", " 91350100M000100Y43"])
def test_malformed_codes_are_invalid(code: str) -> None:
    assert not is_valid_credit_code(code)


def test_check_character_refuses_a_bad_body() -> None:
    with pytest.raises(ValueError, match="17 characters"):
        check_character("9135")
