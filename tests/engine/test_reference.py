"""Reference price: lowest fresh observation, most recent on ties."""

import pytest

from catalog.reference import DAY_MS, Observation, reference_price

NOW = 1_800_000_000_000


def obs(price: int, at: int, source: str = "jd") -> Observation:
    return Observation(sku="SKU-1", price_fen=price, source=source, observed_at=at)


def test_lowest_fresh_price_wins() -> None:
    cheap = obs(4_999_00, NOW - 2 * DAY_MS, "suning")
    observations = [obs(5_299_00, NOW - DAY_MS), cheap, obs(5_099_00, NOW)]
    assert reference_price(observations, NOW) == cheap


def test_ties_go_to_the_most_recent() -> None:
    older = obs(100, NOW - 5 * DAY_MS, "a")
    newer = obs(100, NOW - DAY_MS, "b")
    assert reference_price([newer, older], NOW) is newer
    assert reference_price([older, newer], NOW) is newer


def test_exact_ties_go_to_the_first_given() -> None:
    first = obs(100, NOW, "a")
    second = obs(100, NOW, "b")
    assert reference_price([first, second], NOW) is first


def test_age_window_is_inclusive_and_future_is_ignored() -> None:
    edge = obs(300, NOW - 30 * DAY_MS)
    too_old = obs(100, NOW - 30 * DAY_MS - 1)
    future = obs(50, NOW + 1)
    assert reference_price([edge, too_old, future], NOW) == edge
    assert reference_price([edge, too_old, future], NOW, max_age_days=29) is None
    assert reference_price([too_old], NOW, max_age_days=31) == too_old
    at_now = obs(400, NOW)
    assert reference_price([at_now, future], NOW, max_age_days=0) == at_now


def test_nothing_fresh_gives_none() -> None:
    assert reference_price([], NOW) is None
    assert reference_price(iter([obs(1, NOW - 90 * DAY_MS)]), NOW) is None


def test_mixed_skus_are_rejected() -> None:
    other = Observation(sku="SKU-2", price_fen=1, source="jd", observed_at=NOW)
    with pytest.raises(ValueError, match="SKU-2"):
        reference_price([obs(100, NOW), other], NOW)


def test_invalid_inputs() -> None:
    with pytest.raises(ValueError):
        obs(0, NOW)
    with pytest.raises(ValueError):
        reference_price([obs(1, NOW)], NOW, max_age_days=-1)
