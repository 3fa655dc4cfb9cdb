"""The hash-chained allocation log: an intact log verifies; every kind of tampering shows."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from experiments.allocation import (
    GENESIS_HASH,
    AllocationRecord,
    AllocationSequence,
    ProblemKind,
    append_record,
    chain_key,
    check_log,
    head_hash,
    record_hash,
    verify,
    verify_participants,
)

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


def kinds(records: list[AllocationRecord], *, expected_head: str | None = None) -> set[ProblemKind]:
    problems = verify(records, SEED, WEIGHTS, expected_head=expected_head)
    return {problem.kind for problem in problems}


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
def test_every_field_is_covered_by_the_hash(change: dict[str, Any]) -> None:
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


def keyed_log(
    length: int = 12, *, after: list[AllocationRecord] | None = None
) -> list[AllocationRecord]:
    """A log as the bot writes it now: hashes keyed with the seed's chain key (after a legacy
    prefix `after`, if given)."""
    records = list(after or [])
    for record in honest_log(len(records) + length)[len(records) :]:
        records.append(
            append_record(
                records[-1] if records else None,
                participant_id=record.participant_id,
                stratum=record.stratum,
                position=record.position,
                arm=record.arm,
                allocated_at=record.allocated_at,
                key=chain_key(SEED),
            )
        )
    return records


def test_keyed_log_is_intact_and_not_legacy() -> None:
    checked = check_log(keyed_log(), SEED, WEIGHTS)
    assert checked.problems == []
    assert checked.legacy_records == 0


def test_keyed_hash_differs_from_the_plain_hash_and_from_another_seeds() -> None:
    record = keyed_log(1)[0]
    assert record.hash != record_hash(record)
    assert record.hash != record_hash(record, chain_key("another-seed"))
    assert record.hash == record_hash(record, chain_key(SEED))


def test_edit_of_a_keyed_log_with_a_recomputed_plain_hash_is_reported() -> None:
    """Without the seed a forger can only recompute plain SHA-256 hashes: that shows."""
    log = keyed_log()
    edited = dataclasses.replace(log[-1], allocated_at=log[-1].allocated_at + timedelta(days=1))
    log[-1] = dataclasses.replace(edited, hash=record_hash(edited))
    (problem,) = verify(log, SEED, WEIGHTS)
    assert problem.kind is ProblemKind.EDITED
    assert "unkeyed hash after keyed records" in str(problem)


def test_edit_of_a_keyed_log_rehashed_under_a_guessed_seed_is_reported() -> None:
    log = keyed_log()
    edited = dataclasses.replace(log[-1], participant_id=999)
    log[-1] = dataclasses.replace(edited, hash=record_hash(edited, chain_key("guess")))
    assert kinds(log) == {ProblemKind.EDITED}


def test_legacy_unkeyed_log_still_verifies_and_is_counted_as_legacy() -> None:
    checked = check_log(honest_log(), SEED, WEIGHTS)
    assert checked.problems == []
    assert checked.legacy_records == 30


def test_keyed_records_may_follow_a_legacy_prefix() -> None:
    log = keyed_log(8, after=honest_log(5))
    checked = check_log(log, SEED, WEIGHTS)
    assert checked.problems == []
    assert checked.legacy_records == 5


def test_participant_copies_that_differ_from_the_log_are_reported() -> None:
    log = keyed_log(6)
    copies = [(r.participant_id, r.arm, r.stratum) for r in log]
    assert verify_participants(log, copies) == []
    pid, arm, stratum = copies[2]
    copies[2] = (pid, other_arm(arm or ""), stratum)
    copies[4] = (copies[4][0], copies[4][1], "track=elsewhere")
    copies.append((900, "peer", "track=savings"))
    problems = verify_participants(log, copies)
    assert [p.kind for p in problems] == [ProblemKind.PARTICIPANT_MISMATCH] * 3
    assert [p.sequence for p in problems] == [3, 5, None]
    assert "participant 900 has arm 'peer'" in str(problems[2])


def test_participant_copy_is_not_compared_with_a_record_already_reported() -> None:
    log = keyed_log(3)
    copies = [(r.participant_id, other_arm(r.arm), r.stratum) for r in log]
    assert len(verify_participants(log, copies, already_reported={2})) == 2


def test_empty_seed_cannot_key_the_chain() -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        chain_key("")
