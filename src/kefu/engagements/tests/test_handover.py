"""The pure split of a queue when a handover phase starts."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.engagements.onboarding import handover


def test_the_new_provider_takes_its_share_from_the_incumbent() -> None:
    assert handover.split({1: 100}, provider_id=2, share=20) == {1: 80, 2: 20}
    assert handover.split({1: 80, 2: 20}, provider_id=2, share=50) == {1: 50, 2: 50}


def test_the_rest_keeps_the_others_proportions_by_largest_remainder() -> None:
    # 70 left over 2:1 → 46.67 / 23.33 → 47 / 23
    assert handover.split({1: 60, 3: 30, 2: 10}, provider_id=2, share=30) == {1: 47, 3: 23, 2: 30}


def test_full_share_drops_the_others_and_alone_gets_everything() -> None:
    assert handover.split({1: 50, 2: 50}, provider_id=2, share=100) == {2: 100}
    assert handover.split({}, provider_id=2, share=20) == {2: 100}


@settings(max_examples=50)
@given(
    current=st.dictionaries(st.integers(1, 6), st.integers(0, 100), min_size=1, max_size=5),
    provider=st.integers(1, 7),
    share=st.integers(1, 100),
)
def test_a_split_always_adds_up_to_100_and_gives_the_share(
    current: dict[int, int], provider: int, share: int
) -> None:
    result = handover.split(current, provider_id=provider, share=share)
    assert sum(result.values()) == 100
    if set(current) - {provider}:
        assert result[provider] == share
    assert all(v >= 0 for v in result.values())
