"""The hash-chained allocation log: an intact log verifies; every kind of tampering shows."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest

from experiments.audit import (
    GENESIS_HASH,
    AllocationRecord,
    ProblemKind,
    append_record,
    head_hash,
    record_hash,
    verify,
)
from experiments.randomization import AllocationSequence

SEED = "audit-test-seed"
WEIGHTS = {"peer": 1, "text": 1, "control": 1}
STRATA = ["track=savings", "track=jobsearch", "track=savings|site=Gouda"]
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
MISSING_OR_EXTRA = {ProblemKind.BROKEN_LINK, ProblemKind.SEQUENCE_GAP, ProblemKind.POSITION_GAP}


def honest_log(length: int = 30) -> list[AllocationRecord]:
    """A log written the way the bot writes it: next position per stratum, arm from the seed."""
    sequences = {stratum: AllocationSequence(SEED, stratum, WEIGHTS) for stratum in STRATA}
    positions = dict.fromkeys(STRATA, 0)
    records: list[AllocationRecord] = []
    for index in range(length):
        stratum = STRATA[index % 3 if index % 5 else 0]
        position = positions[stratum]
        positions[stratum] += 1
        records.append(
            append_record(
                records[-1] if records else None,
                participant_id=100 + index,
                stratum=stratum,
                position=position,
                arm=sequences[stratum].arm_at(position),
                allocated_at=START + timedelta(hours=index),
            )
        )
    return records


def kinds(records: list[AllocationRecord], **options: str) -> set[ProblemKind]:
    return {problem.kind for problem in verify(records, SEED, WEIGHTS, **options)}


def other_arm(arm: str) -> str:
    return next(name for name in WEIGHTS if name != arm)


def test_intact_log_has_no_problems() -> None:
    assert verify(honest_log(), SEED, WEIGHTS) == []


def test_empty_log_has_no_problems() -> None:
    assert verify([], SEED, WEIGHTS) == []


def test_first_record_links_to_the_genesis_hash() -> None:
    assert honest_log(1)[0].prev_hash == GENESIS_HASH


def test_edited_arm_is_reported_as_an_edit_and_a_wrong_arm() -> None:
    log = honest_log()
    log[7] = dataclasses.replace(log[7], arm=other_arm(log[7].arm))
    assert kinds(log) == {ProblemKind.EDITED, ProblemKind.WRONG_ARM}


def test_edit_names_the_record_in_plain_words() -> None:
    log = honest_log()
    log[7] = dataclasses.replace(log[7], participant_id=999)
    (problem,) = verify(log, SEED, WEIGHTS)
    assert str(problem) == (
        "record #8 was changed after it was written: its contents no longer match its hash"
    )


def test_edit_with_a_recomputed_hash_breaks_the_next_link() -> None:
    log = honest_log()
    edited = dataclasses.replace(log[7], allocated_at=log[7].allocated_at + timedelta(days=1))
    log[7] = dataclasses.replace(edited, hash=record_hash(edited))
    assert kinds(log) == {ProblemKind.BROKEN_LINK}


def test_deleted_record_is_reported() -> None:
    log = honest_log()
    del log[10]
    assert kinds(log) >= MISSING_OR_EXTRA


def test_deleted_record_is_named() -> None:
    log = honest_log()
    del log[10]
    messages = [str(problem) for problem in verify(log, SEED, WEIGHTS)]
    assert "record #12 follows record #10: record #11 is missing here" in messages


def test_inserted_record_is_reported() -> None:
    log = honest_log()
    forged = append_record(
        log[4],
        participant_id=500,
        stratum=log[5].stratum,
        position=log[5].position,
        arm=log[5].arm,
        allocated_at=log[4].allocated_at + timedelta(minutes=1),
    )
    log.insert(5, forged)
    assert kinds(log) >= MISSING_OR_EXTRA


def test_reordered_records_are_reported() -> None:
    log = honest_log()
    log[3], log[4] = log[4], log[3]
    assert {ProblemKind.BROKEN_LINK, ProblemKind.SEQUENCE_GAP} <= kinds(log)


def test_arm_off_the_sequence_is_reported_even_with_a_valid_chain() -> None:
    log = honest_log(5)
    rewritten: list[AllocationRecord] = []
    for index, record in enumerate(log):
        arm = other_arm(record.arm) if index == 2 else record.arm
        rewritten.append(
            append_record(
                rewritten[-1] if rewritten else None,
                participant_id=record.participant_id,
                stratum=record.stratum,
                position=record.position,
                arm=arm,
                allocated_at=record.allocated_at,
            )
        )
    (problem,) = verify(rewritten, SEED, WEIGHTS)
    assert problem.kind is ProblemKind.WRONG_ARM
    assert problem.sequence == 3


def test_verifying_with_another_seed_shows_wrong_arms() -> None:
    problems = verify(honest_log(), "another-seed", WEIGHTS)
    assert {problem.kind for problem in problems} == {ProblemKind.WRONG_ARM}


def test_participant_allocated_twice_is_reported() -> None:
    log = honest_log(3)
    again = append_record(
        log[-1],
        participant_id=log[0].participant_id,
        stratum=log[0].stratum,
        position=1,
        arm=AllocationSequence(SEED, log[0].stratum, WEIGHTS).arm_at(1),
        allocated_at=START + timedelta(days=2),
    )
    assert kinds([*log, again]) == {ProblemKind.DUPLICATE_PARTICIPANT}


def test_cut_off_tail_shows_against_the_kept_head() -> None:
    log = honest_log()
    head = head_hash(log)
    assert kinds(log[:-2], expected_head=head) == {ProblemKind.HEAD_MISMATCH}


def test_intact_log_matches_its_kept_head() -> None:
    log = honest_log()
    assert verify(log, SEED, WEIGHTS, expected_head=head_hash(log)) == []


def test_empty_log_has_the_genesis_head() -> None:
    assert head_hash([]) == GENESIS_HASH


def test_hash_is_the_same_for_the_same_instant_in_any_time_zone() -> None:
    amsterdam = timezone(timedelta(hours=1))
    first = append_record(
        None, participant_id=1, stratum="all", position=0, arm="peer", allocated_at=START
    )
    again = append_record(
        None,
        participant_id=1,
        stratum="all",
        position=0,
        arm="peer",
        allocated_at=START.astimezone(amsterdam),
    )
    assert again.hash == first.hash


@pytest.mark.parametrize(
    "change",
    [
        {"sequence": 2},
        {"participant_id": 2},
        {"stratum": "other"},
        {"position": 1},
        {"arm": "text"},
        {"allocated_at": START + timedelta(microseconds=1)},
        {"prev_hash": "1" * 64},
    ],
    ids=lambda change: next(iter(change)),
)
def test_every_field_is_covered_by_the_hash(change: dict[str, object]) -> None:
    record = append_record(
        None, participant_id=1, stratum="all", position=0, arm="peer", allocated_at=START
    )
    assert record_hash(dataclasses.replace(record, **change)) != record.hash


def test_time_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        append_record(
            None,
            participant_id=1,
            stratum="all",
            position=0,
            arm="peer",
            allocated_at=datetime(2026, 1, 5, 9, 0),
        )
