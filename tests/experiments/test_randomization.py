"""Permuted blocks within strata: balanced, reproducible from the seed, unpredictable without it.

The balance bound tested below: let arm a have weight w, W be the sum of the weights, p = w / W,
and B the size of the largest possible block (largest multiple × W). Every completed block holds
exactly p × its size of arm a, so after n allocations the count of a differs from p·n only by
what the unfinished block has dealt so far, which is at most B·p·(1 − p) ≤ B/4 — within half the
largest block, as promised, and in fact within a quarter.
"""

from __future__ import annotations

import time
from collections import Counter
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from experiments.allocation import AllocationSequence, generate_seed
from experiments.protocol import stratum_key

SEEDS = st.binary(min_size=1, max_size=64)
STRATA = st.text(min_size=1, max_size=40)
WEIGHTS = st.dictionaries(
    st.sampled_from(["peer", "text", "control", "peer+text"]),
    st.integers(min_value=1, max_value=3),
    min_size=2,
    max_size=4,
)
MULTIPLES = st.lists(st.integers(1, 4), min_size=1, max_size=3, unique=True)
THREE_ARMS = {"peer": 1, "text": 1, "control": 1}
KNOWN_PREFIX = [
    "text",
    "peer",
    "text",
    "text",
    "control",
    "peer",
    "peer",
    "control",
    "control",
    "control",
    "text",
    "peer",
]


@given(SEEDS, STRATA, WEIGHTS, MULTIPLES, st.integers(1, 300))
def test_every_prefix_stays_within_the_block_bound(
    seed: bytes, stratum: str, weights: dict[str, int], multiples: list[int], length: int
) -> None:
    sequence = AllocationSequence(seed, stratum, weights, multiples)
    total, largest = sum(weights.values()), sequence.largest_block
    counts: Counter[str] = Counter()
    for n, arm in enumerate(sequence.prefix(length), start=1):
        counts[arm] += 1
        for name, weight in weights.items():
            # |count − n·w/W| ≤ B·(w/W)·(1 − w/W), multiplied through by W² to stay in integers.
            assert abs(total * (counts[name] * total - n * weight)) <= largest * weight * (
                total - weight
            )


@given(SEEDS, WEIGHTS, st.integers(1, 300))
def test_every_prefix_stays_within_half_the_largest_block(
    seed: bytes, weights: dict[str, int], length: int
) -> None:
    sequence = AllocationSequence(seed, "all", weights)
    total, half_block = sum(weights.values()), Fraction(sequence.largest_block, 2)
    counts: Counter[str] = Counter()
    for n, arm in enumerate(sequence.prefix(length), start=1):
        counts[arm] += 1
        for name, weight in weights.items():
            assert abs(counts[name] - Fraction(n * weight, total)) <= half_block


@given(SEEDS, STRATA, WEIGHTS, MULTIPLES, st.integers(1, 40))
def test_every_block_holds_each_arm_weight_times_its_multiple(
    seed: bytes, stratum: str, weights: dict[str, int], multiples: list[int], count: int
) -> None:
    total = sum(weights.values())
    for block in AllocationSequence(seed, stratum, weights, multiples).blocks(count):
        multiple, remainder = divmod(len(block), total)
        assert remainder == 0
        assert multiple in multiples
        assert Counter(block) == {name: weight * multiple for name, weight in weights.items()}


@given(SEEDS, STRATA, WEIGHTS, st.integers(1, 200))
def test_same_seed_gives_the_same_sequence(
    seed: bytes, stratum: str, weights: dict[str, int], length: int
) -> None:
    first = AllocationSequence(seed, stratum, weights).prefix(length)
    assert AllocationSequence(seed, stratum, weights).prefix(length) == first


@given(SEEDS, SEEDS, STRATA)
def test_different_seeds_give_different_sequences(seed: bytes, other: bytes, stratum: str) -> None:
    assume(seed != other)
    # 200 allocations in blocks of at most 9 leave about 3^-60 chance of a coincidence.
    ours = AllocationSequence(seed, stratum, THREE_ARMS).prefix(200)
    assert AllocationSequence(other, stratum, THREE_ARMS).prefix(200) != ours


def test_different_strata_get_different_sequences() -> None:
    savings = AllocationSequence("seed", "track=savings", THREE_ARMS).prefix(200)
    assert AllocationSequence("seed", "track=jobsearch", THREE_ARMS).prefix(200) != savings


def test_two_to_one_weights_allocate_two_to_one_per_block() -> None:
    sequence = AllocationSequence(generate_seed(), "all", {"peer": 2, "control": 1})
    counts = Counter(arm for block in sequence.blocks(50) for arm in block)
    assert counts["peer"] == 2 * counts["control"]


def test_every_block_multiple_occurs() -> None:
    sequence = AllocationSequence("seed", "all", THREE_ARMS, (1, 2, 3))
    sizes = {len(block) for block in sequence.blocks(100)}
    assert sizes == {3, 6, 9}


@given(SEEDS, st.lists(st.integers(0, 500), min_size=1, max_size=20))
def test_random_access_agrees_with_the_prefix(seed: bytes, positions: list[int]) -> None:
    prefix = AllocationSequence(seed, "all", THREE_ARMS).prefix(501)
    fresh = AllocationSequence(seed, "all", THREE_ARMS)
    assert [fresh.arm_at(position) for position in positions] == [prefix[p] for p in positions]


def test_text_seed_is_its_utf8_bytes() -> None:
    text = AllocationSequence("zeer geheim ✓", "all", THREE_ARMS).prefix(30)
    assert AllocationSequence("zeer geheim ✓".encode(), "all", THREE_ARMS).prefix(30) == text


def test_known_sequence_never_changes() -> None:
    # Pinned so a change to the algorithm cannot silently re-randomize a running study; a
    # statistician's own implementation can check itself against these values.
    sequence = AllocationSequence("lotgenoot-test-seed", "track=savings|age_band=16-20", THREE_ARMS)
    assert sequence.prefix(12) == KNOWN_PREFIX


def test_a_hundred_thousand_positions_are_quick() -> None:
    started = time.perf_counter()
    AllocationSequence("seed", "all", THREE_ARMS).arm_at(99_999)
    assert time.perf_counter() - started < 5


def test_empty_seed_is_refused() -> None:
    with pytest.raises(ValueError, match="seed"):
        AllocationSequence(b"", "all", THREE_ARMS)


def test_negative_position_is_refused() -> None:
    with pytest.raises(ValueError, match="positions start at 0"):
        AllocationSequence("seed", "all", THREE_ARMS).arm_at(-1)


def test_generated_seeds_are_long_and_fresh() -> None:
    assert len(generate_seed()) == 64
    assert generate_seed() != generate_seed()


def test_stratum_key_lists_factors_in_a_fixed_order() -> None:
    key = stratum_key("savings", "16-20", "Utrecht", by=["site", "track", "age_band"])
    assert key == "track=savings|age_band=16-20|site=Utrecht"


def test_stratum_key_escapes_separators_in_site_names() -> None:
    assert stratum_key("savings", "16-20", "A|B=C", by=["site"]) == "site=A%7CB%3DC"


def test_stratum_key_without_factors_is_one_stratum() -> None:
    assert stratum_key("savings", "16-20", "Utrecht", by=[]) == "all"


def test_stratum_key_refuses_unknown_factors() -> None:
    with pytest.raises(ValueError, match="gender"):
        stratum_key("savings", "16-20", "Utrecht", by=["gender"])
