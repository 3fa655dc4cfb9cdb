"""The append-only allocation log: hash-chained records and a verifier that reports tampering.

Each record's hash is HMAC-SHA256 over the compact, key-sorted UTF-8 JSON of its fields
(sequence, participant_id, stratum, position, arm, allocated_at as ISO-8601 UTC with
microseconds, prev_hash), under the chain key HMAC-SHA256(seed, "lotgenoot/allocation-chain/v1")
(`chain_key`). Keyed, nobody without the allocation seed can recompute the chain after an edit.
The chain shows edits, deletions, insertions and reordering inside the log; cutting off its end
shows only against a head hash kept elsewhere (`expected_head`), and any arm that differs from
the seed's sequence shows in every case.

Legacy: logs written before the chain was keyed carry plain SHA-256 hashes of the same JSON.
They keep verifying, as a prefix of the log: once a keyed record appears, every later record
must be keyed, so an edit cannot be hidden by recomputing unkeyed hashes after that point.
`check_log` reports how many legacy records a log starts with.

`verify_participants` checks the copies the bot reads (participants.arm and .stratum) against
the log, so an edit there shows too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from experiments.allocation.randomization import AllocationSequence

__all__ = [
    "CHAIN_LABEL",
    "FIRST_SEQUENCE",
    "GENESIS_HASH",
    "AllocationRecord",
    "LogCheck",
    "Problem",
    "ProblemKind",
    "append_record",
    "chain_key",
    "check_log",
    "head_hash",
    "record_hash",
    "verify",
    "verify_participants",
]

GENESIS_HASH = "0" * 64
FIRST_SEQUENCE = 1
CHAIN_LABEL = b"lotgenoot/allocation-chain/v1"


def derive_key(seed: bytes | str, label: bytes) -> bytes:
    """A key derived from the allocation seed under `label`, one label per keyed log."""
    raw = seed.encode("utf-8") if isinstance(seed, str) else bytes(seed)
    if not raw:
        raise ValueError("the allocation seed must not be empty")
    return hmac.digest(raw, label, "sha256")


def chain_key(seed: bytes | str) -> bytes:
    """The key of the allocation log's hashes, derived from the allocation seed."""
    return derive_key(seed, CHAIN_LABEL)


@dataclass(frozen=True, slots=True)
class AllocationRecord:
    """One allocation as stored: who (internal id), where in which stratum, which arm, when."""

    sequence: int
    participant_id: int
    stratum: str
    position: int
    arm: str
    allocated_at: datetime
    prev_hash: str
    hash: str


class ProblemKind(StrEnum):
    """What kind of tampering or damage a problem shows."""

    EDITED = "edited"
    BROKEN_LINK = "broken_link"
    SEQUENCE_GAP = "sequence_gap"
    POSITION_GAP = "position_gap"
    WRONG_ARM = "wrong_arm"
    DUPLICATE_PARTICIPANT = "duplicate_participant"
    HEAD_MISMATCH = "head_mismatch"
    PARTICIPANT_MISMATCH = "participant_mismatch"


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of `verify`, in plain words."""

    kind: ProblemKind
    sequence: int | None
    message: str

    def __str__(self) -> str:
        return self.message


def hashed_time(moment: datetime, what: str = "allocated_at") -> str:
    """`moment` as it enters a hash; `what` names it when it is not timezone-aware."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")
    # Fixed precision: isoformat() drops zero microseconds, which would change the hash.
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def fields_hash(fields: Mapping[str, object], key: bytes | None) -> str:
    """HMAC-SHA256 of `fields` as canonical JSON under `key`; plain SHA-256 when key is None."""
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if key is None:
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return hmac.new(key, canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def record_hash(record: AllocationRecord, key: bytes | None = None) -> str:
    """The hash a record should carry, from its fields and prev_hash: HMAC-SHA256 under `key`
    (see `chain_key`), or plain SHA-256 for a legacy, unkeyed log (key None)."""
    fields = {
        "sequence": record.sequence,
        "participant_id": record.participant_id,
        "stratum": record.stratum,
        "position": record.position,
        "arm": record.arm,
        "allocated_at": hashed_time(record.allocated_at),
        "prev_hash": record.prev_hash,
    }
    return fields_hash(fields, key)


def append_record(
    previous: AllocationRecord | None,
    *,
    participant_id: int,
    stratum: str,
    position: int,
    arm: str,
    allocated_at: datetime,
    key: bytes | None = None,
) -> AllocationRecord:
    """The next record of the log, chained to `previous` (None for the first record).

    The bot passes `key=chain_key(seed)`; without a key the record is hashed the legacy way."""
    hashed_time(allocated_at)
    unsigned = AllocationRecord(
        sequence=FIRST_SEQUENCE if previous is None else previous.sequence + 1,
        participant_id=participant_id,
        stratum=stratum,
        position=position,
        arm=arm,
        allocated_at=allocated_at.astimezone(UTC),
        prev_hash=GENESIS_HASH if previous is None else previous.hash,
        hash="",
    )
    return _with_hash(unsigned, key)


def _with_hash(record: AllocationRecord, key: bytes | None) -> AllocationRecord:
    return AllocationRecord(
        record.sequence,
        record.participant_id,
        record.stratum,
        record.position,
        record.arm,
        record.allocated_at,
        record.prev_hash,
        record_hash(record, key),
    )


def head_hash(records: Sequence[AllocationRecord]) -> str:
    """The last record's hash (genesis hash if empty); keep it elsewhere to pin the log."""
    return records[-1].hash if records else GENESIS_HASH


def verify(
    records: Iterable[AllocationRecord],
    seed: bytes | str,
    weights: Mapping[str, int],
    *,
    block_multiples: Sequence[int] = (1, 2, 3),
    expected_head: str | None = None,
) -> list[Problem]:
    """Recompute the chain and the allocation sequence; an intact log gives no problems."""
    return check_log(
        records, seed, weights, block_multiples=block_multiples, expected_head=expected_head
    ).problems


@dataclass(frozen=True, slots=True)
class LogCheck:
    """What `check_log` found: the problems, and how many records are hashed the legacy way."""

    problems: list[Problem]
    legacy_records: int

    @property
    def legacy(self) -> bool:
        return self.legacy_records > 0


def check_log(
    records: Iterable[AllocationRecord],
    seed: bytes | str,
    weights: Mapping[str, int],
    *,
    block_multiples: Sequence[int] = (1, 2, 3),
    expected_head: str | None = None,
) -> LogCheck:
    """`verify`, also telling whether the log starts with legacy (unkeyed) records."""
    checker = _Checker(seed, weights, block_multiples)
    for record in records:
        checker.check(record)
    if expected_head is not None and checker.head != expected_head:
        checker.report(
            ProblemKind.HEAD_MISMATCH,
            None,
            f"the log ends in hash {checker.head[:12]}…, not the expected {expected_head[:12]}…: "
            "records were cut off the end, or the log was rewritten",
        )
    return LogCheck(checker.problems, checker.legacy_records)


def verify_participants(
    records: Iterable[AllocationRecord],
    participants: Iterable[tuple[int, str | None, str | None]],
    *,
    already_reported: Collection[int] = (),
) -> list[Problem]:
    """Compare each participant's (id, arm, stratum), as the bot and the export read them, with
    the allocation log: a copy that differs, or an arm without a record, is a problem.

    Participants whose record is among `already_reported` (sequences `verify` found a problem
    in) are skipped: their record cannot be trusted to compare with, and the problem shows."""
    logged = {record.participant_id: record for record in records}
    problems = []
    for participant_id, arm, stratum in participants:
        record = logged.get(participant_id)
        if record is not None and record.sequence in already_reported:
            continue
        if record is None:
            if arm is not None or stratum is not None:
                problems.append(
                    Problem(
                        ProblemKind.PARTICIPANT_MISMATCH,
                        None,
                        f"participant {participant_id} has arm {arm!r} and stratum {stratum!r}, "
                        "but the allocation log has no record of them",
                    )
                )
            continue
        if (arm, stratum) != (record.arm, record.stratum):
            problems.append(
                Problem(
                    ProblemKind.PARTICIPANT_MISMATCH,
                    record.sequence,
                    f"participant {participant_id} has arm {arm!r} and stratum {stratum!r}, "
                    f"but record #{record.sequence} gives arm {record.arm!r} in stratum "
                    f"{record.stratum!r}: the participant's copy was changed",
                )
            )
    return problems


class _Checker:
    """Walks the log once, remembering what the next record should look like."""

    def __init__(self, seed: bytes | str, weights: Mapping[str, int], multiples: Sequence[int]):
        self._seed, self._weights, self._multiples = seed, weights, multiples
        self._key = chain_key(seed)
        self._keyed_seen = False
        self.legacy_records = 0
        self._sequences: dict[str, AllocationSequence] = {}
        self._next_position: dict[str, int] = {}
        self._first_record_of: dict[int, int] = {}
        self._previous: AllocationRecord | None = None
        self._highest = FIRST_SEQUENCE - 1
        self.head = GENESIS_HASH
        self.problems: list[Problem] = []

    def report(self, kind: ProblemKind, sequence: int | None, message: str) -> None:
        self.problems.append(Problem(kind, sequence, message))

    def check(self, record: AllocationRecord) -> None:
        self._check_hash(record)
        self._check_link(record)
        self._check_position(record)
        self._check_arm(record)
        self._check_participant(record)
        self._previous, self.head = record, record.hash
        self._highest = max(self._highest, record.sequence)

    def _check_hash(self, record: AllocationRecord) -> None:
        try:
            keyed = record_hash(record, self._key)
            legacy = record_hash(record)
        except ValueError:
            keyed = legacy = ""
        if keyed and record.hash == keyed:
            self._keyed_seen = True
            return
        if legacy and record.hash == legacy:
            if not self._keyed_seen:
                self.legacy_records += 1
                return
            self.report(
                ProblemKind.EDITED,
                record.sequence,
                f"record #{record.sequence} carries an unkeyed hash after keyed records: "
                "it was rewritten by someone without the allocation seed",
            )
            return
        self.report(
            ProblemKind.EDITED,
            record.sequence,
            f"record #{record.sequence} was changed after it was written: "
            "its contents no longer match its hash",
        )

    def _check_link(self, record: AllocationRecord) -> None:
        previous = self._previous
        after = "the start of the log" if previous is None else f"record #{previous.sequence}"
        if record.prev_hash != (GENESIS_HASH if previous is None else previous.hash):
            self.report(
                ProblemKind.BROKEN_LINK,
                record.sequence,
                f"record #{record.sequence} does not link to {after}: "
                "a record was deleted, inserted or moved here",
            )
        # Against the highest number so far, so a moved record is reported once, not twice.
        expected = self._highest + 1
        if record.sequence > expected:
            self.report(
                ProblemKind.SEQUENCE_GAP,
                record.sequence,
                f"record #{record.sequence} follows {after}: "
                f"{_numbers(expected, record.sequence - 1)} missing here",
            )
        elif record.sequence < expected:
            self.report(
                ProblemKind.SEQUENCE_GAP,
                record.sequence,
                f"record #{record.sequence} comes after record #{self._highest}: "
                "records are out of order or repeated",
            )

    def _check_position(self, record: AllocationRecord) -> None:
        expected = self._next_position.get(record.stratum, 0)
        if record.position != expected:
            cause = "is missing" if record.position > expected else "appears twice or out of order"
            self.report(
                ProblemKind.POSITION_GAP,
                record.sequence,
                f"record #{record.sequence} has position {record.position} in stratum "
                f"{record.stratum!r} where {expected} was due: an allocation in this stratum "
                f"{cause}",
            )
        # Resynchronise on the record, so one gap is reported once, not for every later record.
        self._next_position[record.stratum] = max(expected, record.position + 1)

    def _check_arm(self, record: AllocationRecord) -> None:
        sequence = self._sequences.get(record.stratum)
        if sequence is None:
            sequence = AllocationSequence(
                self._seed, record.stratum, self._weights, self._multiples
            )
            self._sequences[record.stratum] = sequence
        if record.position < 0:
            return
        due = sequence.arm_at(record.position)
        if record.arm != due:
            self.report(
                ProblemKind.WRONG_ARM,
                record.sequence,
                f"record #{record.sequence} gives arm {record.arm!r}, but the allocation "
                f"sequence assigns {due!r} to position {record.position} in stratum "
                f"{record.stratum!r}",
            )

    def _check_participant(self, record: AllocationRecord) -> None:
        first = self._first_record_of.setdefault(record.participant_id, record.sequence)
        if first != record.sequence:
            self.report(
                ProblemKind.DUPLICATE_PARTICIPANT,
                record.sequence,
                f"participant {record.participant_id} is allocated twice "
                f"(records #{first} and #{record.sequence})",
            )


def _numbers(first: int, last: int) -> str:
    if first == last:
        return f"record #{first} is"
    return f"records #{first}–#{last} are"
