"""The RFQ comparison's arithmetic, hand-computed."""

from __future__ import annotations

import pytest

from kefu.engagements.quoting.comparison import Candidate, compared_option, score

WEIGHTS = {
    "price": 50,
    "service_level": 30,
    "qualifications": 0,
    "references": 0,
    "security": 20,
    "measured": 10,
}


def test_weighted_scores_and_ranks() -> None:
    a = Candidate(1, monthly_price=100_000, service_level=0.9, security=5)
    b = Candidate(2, monthly_price=125_000, service_level=0.95, security=4)
    by_key = {s.key: s for s in score([a, b], WEIGHTS)}
    # nobody has a measured record or a rating of those two: they drop out, 50 / 30 / 20 of 100 remain
    assert by_key[1].used == {"price": 0.5, "service_level": 0.3, "security": 0.2}
    # a: price 1, SL 0.9 / 0.95, security 1 → 100 × (0.5 + 0.3 × 0.947368… + 0.2) = 98.4
    assert by_key[1].total == 98.4
    # b: price 100 000 / 125 000 = 0.8, SL 1, security 0.8 → 100 × (0.4 + 0.3 + 0.16) = 86.0
    assert by_key[2].total == 86.0
    assert (by_key[1].rank, by_key[2].rank) == (1, 2)


def test_a_provider_without_a_quote_is_listed_unranked() -> None:
    scored = score([Candidate(1, 100.0, 0.8), Candidate(2, None, None)], {"price": 1, "service_level": 1})
    assert scored[1].total is None and scored[1].rank is None and scored[0].rank == 1


def test_a_missing_rating_scores_zero_when_another_has_it() -> None:
    scored = score([Candidate(1, 100.0, 0.8, measured=0.9), Candidate(2, 100.0, 0.8)], {"measured": 1})
    assert [s.total for s in scored] == [100.0, 0.0]


def test_negative_weights_are_refused() -> None:
    with pytest.raises(ValueError):
        score([Candidate(1, 1.0, 1.0)], {"price": -1})


def test_the_compared_option_is_the_cheapest_meeting_the_target() -> None:
    def opt(seats: int, sl: float) -> dict:
        return {
            "seats": seats,
            "expected_service_level": sl,
            "prices": {"seat_month": {"monthly": str(seats * 1000)}},
        }

    assert compared_option([opt(8, 0.7), opt(10, 0.82), opt(12, 0.9)], 0.8)["seats"] == 10
    assert compared_option([opt(8, 0.5), opt(10, 0.6)], 0.8)["seats"] == 10
    assert compared_option([], 0.8) is None
