"""A peer factorial: group ingredients drawn per group from the seed, balanced and verifiable."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from experiments.allocation import (
    GroupDraw,
    cell_components,
    cells,
    draw_cell,
    group_stratum,
    verify_draws,
)
from experiments.protocol import (
    Component,
    GroupFactorial,
    ProtocolError,
    load_protocol,
    validate_protocol,
)

from .shipped import CONFIG_DIR

SEED = "group-factorial-seed"
TWO_BY_TWO = GroupFactorial(factors=(Component.BUDDY, Component.PROGRESS_SHARING))


def test_a_two_by_two_has_four_cells_named_by_what_is_on() -> None:
    assert cells(TWO_BY_TWO) == ("none", "buddy", "progress_sharing", "progress_sharing+buddy")
    assert cell_components("progress_sharing+buddy") == ("progress_sharing", "buddy")
    assert cell_components("none") == ()


def test_every_cell_comes_equally_often_in_each_block_of_groups() -> None:
    stratum = group_stratum("peer", "jobsearch")
    drawn = [draw_cell(SEED, TWO_BY_TWO, stratum, k) for k in range(24)]
    # blocks hold 4 or 8 groups, so after any whole number of blocks the cells are level;
    # over 24 draws no cell may lead another by more than one largest block (2 each)
    counts = Counter(drawn)
    assert set(counts) == set(cells(TWO_BY_TWO))
    assert max(counts.values()) - min(counts.values()) <= 2


def test_the_same_seed_gives_the_same_draws_and_another_seed_other_draws() -> None:
    stratum = group_stratum("peer", "savings")
    first = [draw_cell(SEED, TWO_BY_TWO, stratum, k) for k in range(16)]
    again = [draw_cell(SEED, TWO_BY_TWO, stratum, k) for k in range(16)]
    other = [draw_cell("another-seed", TWO_BY_TWO, stratum, k) for k in range(16)]
    assert first == again
    assert first != other


def test_the_group_draws_are_not_the_person_allocation_stream() -> None:
    # A label of its own: knowing one stream tells nothing about the other.
    from experiments.allocation import AllocationSequence

    stratum = group_stratum("peer", "savings")
    weights = dict.fromkeys(cells(TWO_BY_TWO), 1)
    person_stream = AllocationSequence(SEED, stratum, weights, TWO_BY_TWO.block_multiples)
    groups = [draw_cell(SEED, TWO_BY_TWO, stratum, k) for k in range(16)]
    assert groups != person_stream.prefix(16)


def _recorded(count: int, stratum: str = "arm=peer|track=savings") -> list[GroupDraw]:
    return [
        GroupDraw(f"G{k}", stratum, k, draw_cell(SEED, TWO_BY_TWO, stratum, k))
        for k in range(count)
    ]


def test_verify_passes_draws_as_the_seed_gives_them() -> None:
    assert verify_draws(SEED, TWO_BY_TWO, _recorded(9)) == []


def test_verify_names_a_group_whose_cell_was_changed() -> None:
    draws = _recorded(5)
    wrong = next(c for c in cells(TWO_BY_TWO) if c != draws[3].cell)
    draws[3] = GroupDraw("G3", draws[3].stratum, 3, wrong)
    [problem] = verify_draws(SEED, TWO_BY_TWO, draws)
    assert "group G3" in problem
    assert "position 3" in problem


def test_verify_notices_a_group_taken_out_of_the_log() -> None:
    draws = _recorded(5)
    del draws[1]
    [problem] = verify_draws(SEED, TWO_BY_TWO, draws)
    assert "positions [0, 2, 3, 4]" in problem


def _with_factorial(study_data: dict[str, Any], **section: Any) -> dict[str, Any]:
    return {**study_data, "group_factorial": section}


def test_a_factor_that_acts_outside_a_group_cannot_be_drawn_by_group(
    study_data: dict[str, Any],
) -> None:
    with pytest.raises(ProtocolError) as raised:
        validate_protocol(_with_factorial(study_data, factors=["reminder"]))
    assert "reminder cannot be drawn by group" in str(raised.value)


def test_a_factor_an_arm_already_gives_every_group_is_refused(
    study_data: dict[str, Any],
) -> None:
    with pytest.raises(ProtocolError) as raised:
        validate_protocol(_with_factorial(study_data, factors=["curriculum"]))
    assert "arm 'peer' gets curriculum for every group" in str(raised.value)


def test_the_shipped_peer_factorial_draws_buddies_and_sharing_by_group() -> None:
    protocol = load_protocol(CONFIG_DIR / "peer-factorial.toml")
    assert protocol.group_factorial is not None
    assert set(protocol.group_factorial.factors) == {Component.BUDDY, Component.PROGRESS_SHARING}
    assert Component.BUDDY in protocol.group_components("peer", ("buddy",))
    assert Component.BUDDY not in protocol.group_components("peer", ())
