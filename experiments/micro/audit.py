"""The micro-randomized decision log as a whole: a keyed hash chain, erasure tombstones, weeks.

`check_decisions` (experiments.micro.randomization) checks each decision on its own: its draw,
probability and sent. It cannot see a decision that is gone, one that was added, or a week that
was changed. This chain can: every decision gets a sequence number and a hash, HMAC-SHA256 over
the compact, key-sorted JSON of its fields and the previous decision's hash, under a key derived
from the allocation seed with a label of its own (`CHAIN_LABEL`). Nobody without the seed can
recompute the chain after deleting, adding or editing a decision.

Lawful erasure (/delete when the consent does not keep research data) removes the person's
decisions; each leaves a tombstone in their place (sequence, its hash and link, when), keyed
under the same key, so the chain still links and `check_chain` names the erasure rather than a
deletion. A tombstone keeps no research data: only that decision #n existed and was erased.

Each decision's week is also checked against the allocation log: week 1 is the first seven days
after the participant's allocation (`week_of`).

Legacy: decisions written before the chain (no sequence) verify as a leading part of the log;
one written after chained decisions is reported as added. Cutting off the end of the chain shows
only against a head hash kept elsewhere (`expected_head`), as for the allocation log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from experiments.allocation.audit import derive_key, fields_hash, hashed_time
from experiments.micro.randomization import LoggedDecision, week_of

__all__ = [
    "CHAIN_LABEL",
    "GENESIS_HASH",
    "ChainCheck",
    "ChainLink",
    "MicroProblem",
    "MicroProblemKind",
    "Tombstone",
    "check_chain",
    "erased_summary",
    "link_decision",
    "micro_chain_key",
    "tombstone",
    "tombstone_mac",
]

CHAIN_LABEL = b"lotgenoot/micro-chain/v1"
GENESIS_HASH = "0" * 64


def micro_chain_key(seed: bytes | str) -> bytes:
    """The key of the decision chain, derived from the allocation seed under its own label."""
    return derive_key(seed, CHAIN_LABEL)


@dataclass(frozen=True, slots=True)
class ChainLink:
    """Where a decision stands in the chain: its number, the hash before it, its own hash."""

    sequence: int
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class Tombstone:
    """What lawful erasure leaves of a decision: that #sequence existed, linked, and went."""

    sequence: int
    participant_id: int
    prev_hash: str
    hash: str
    erased_at: datetime
    mac: str


class MicroProblemKind(StrEnum):
    DELETED = "deleted"
    ADDED = "added"
    EDITED = "edited"
    BROKEN_LINK = "broken_link"
    WRONG_WEEK = "wrong_week"
    FORGED_TOMBSTONE = "forged_tombstone"
    HEAD_MISMATCH = "head_mismatch"


@dataclass(frozen=True, slots=True)
class MicroProblem:
    """One finding of `check_chain`, in plain words."""

    kind: MicroProblemKind
    sequence: int | None
    message: str

    def __str__(self) -> str:
        return self.message


def _moment(value: datetime) -> str:
    return hashed_time(value, "times in the decision chain")


def _mac(key: bytes, fields: Mapping[str, object]) -> str:
    return fields_hash(fields, key)


def decision_hash(key: bytes, decision: LoggedDecision, sequence: int, prev_hash: str) -> str:
    """The hash decision #`sequence` should carry, chained to `prev_hash`."""
    return _mac(
        key,
        {
            "sequence": sequence,
            "participant_id": decision.participant_id,
            "component": decision.component,
            "decision_at": _moment(decision.decision_at),
            "week": decision.week,
            "available": decision.available,
            "unavailable_reason": decision.unavailable_reason,
            "probability": decision.probability,
            "draw": decision.draw,
            "sent": decision.sent,
            "prev_hash": prev_hash,
        },
    )


def link_decision(key: bytes, decision: LoggedDecision, previous: ChainLink | None) -> ChainLink:
    """The next link of the chain, for `decision` after `previous` (None: the first)."""
    sequence = 1 if previous is None else previous.sequence + 1
    prev_hash = GENESIS_HASH if previous is None else previous.hash
    return ChainLink(sequence, prev_hash, decision_hash(key, decision, sequence, prev_hash))


def tombstone_mac(
    key: bytes, sequence: int, participant_id: int, link: tuple[str, str], erased_at: datetime
) -> str:
    prev_hash, own = link
    return _mac(
        key,
        {
            "erased": sequence,
            "participant_id": participant_id,
            "prev_hash": prev_hash,
            "hash": own,
            "erased_at": _moment(erased_at),
        },
    )


def tombstone(key: bytes, participant_id: int, link: ChainLink, erased_at: datetime) -> Tombstone:
    """The keyed tombstone lawful erasure leaves in place of decision #`link.sequence`."""
    mac = tombstone_mac(key, link.sequence, participant_id, (link.prev_hash, link.hash), erased_at)
    return Tombstone(link.sequence, participant_id, link.prev_hash, link.hash, erased_at, mac)


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """What `check_chain` found, and how many decisions are legacy or lawfully erased."""

    problems: list[MicroProblem]
    chained: int
    legacy: int
    erased: int
    erased_people: int
    head: str


def check_chain(
    decisions: Iterable[LoggedDecision],
    tombstones: Iterable[Tombstone],
    seed: bytes | str,
    allocated_at: Mapping[int, datetime],
    *,
    expected_head: str | None = None,
) -> ChainCheck:
    """Walk decisions and tombstones in sequence order: every hash, link and number, every
    tombstone's key and every week against the allocation (`allocated_at` per participant)."""
    walker = _Walker(micro_chain_key(seed), allocated_at)
    rows = list(decisions)
    chained_ids = [d.row_id for d in rows if d.sequence is not None and d.row_id is not None]
    first_chained = min(chained_ids, default=None)
    entries: list[LoggedDecision | Tombstone] = []
    for decision in rows:
        if decision.sequence is None:
            after = first_chained is not None and (decision.row_id or 0) > first_chained
            walker.unchained(decision, after)
        else:
            entries.append(decision)
        walker.week(decision)
    entries.extend(tombstones)
    entries.sort(key=lambda entry: (_sequence(entry), isinstance(entry, Tombstone)))
    for entry in entries:
        walker.step(entry)
    if expected_head is not None and walker.head != expected_head:
        walker.report(
            MicroProblemKind.HEAD_MISMATCH,
            None,
            f"the decision chain ends in hash {walker.head[:12]}…, not the expected "
            f"{expected_head[:12]}…: decisions were cut off the end, or the chain was rewritten",
        )
    return ChainCheck(
        walker.problems,
        walker.chained,
        walker.legacy,
        walker.erased,
        len(walker.erased_people),
        walker.head,
    )


def _sequence(entry: LoggedDecision | Tombstone) -> int:
    sequence = entry.sequence
    assert sequence is not None
    return sequence


def describe(decision: LoggedDecision) -> str:
    """A decision in words: whose, which component, when."""
    moment = decision.decision_at.astimezone(UTC).isoformat(timespec="seconds")
    return f"participant {decision.participant_id}'s {decision.component} decision at {moment}"


class _Walker:
    def __init__(self, key: bytes, allocated_at: Mapping[int, datetime]) -> None:
        self._key = key
        self._allocated_at = allocated_at
        self.problems: list[MicroProblem] = []
        self.head = GENESIS_HASH
        self._highest = 0
        self._previous: str | None = None  # the previous entry, in words
        self.chained = self.legacy = self.erased = 0
        self.erased_people: set[int] = set()

    def report(self, kind: MicroProblemKind, sequence: int | None, message: str) -> None:
        self.problems.append(MicroProblem(kind, sequence, message))

    def unchained(self, decision: LoggedDecision, after_chained: bool) -> None:
        """A decision without a place in the chain: legacy before the chain began, else added."""
        if after_chained:
            self.report(
                MicroProblemKind.ADDED,
                None,
                f"{describe(decision)} has no place in the decision chain although it was "
                "written after chained decisions: it was added after the fact",
            )
        else:
            self.legacy += 1

    def week(self, decision: LoggedDecision) -> None:
        start = self._allocated_at.get(decision.participant_id)
        if start is None:
            return  # verify_participants and the allocation log report a missing allocation
        due = week_of(decision.decision_at, start)
        if decision.week != due:
            self.report(
                MicroProblemKind.WRONG_WEEK,
                decision.sequence,
                f"{describe(decision)} says week {decision.week}, but it falls in week {due} "
                "after the participant's allocation: its week was changed",
            )

    def step(self, entry: LoggedDecision | Tombstone) -> None:
        sequence = _sequence(entry)
        self._check_number(sequence)
        if isinstance(entry, Tombstone):
            self._check_tombstone(entry)
            words, own, prev = f"erased decision #{sequence}", entry.hash, entry.prev_hash
        else:
            own, prev = entry.hash or "", entry.prev_hash or ""
            words = f"decision #{sequence} ({describe(entry)})"
            self._check_hash(entry, sequence, words)
        if prev != self.head:
            after = "the start of the chain" if self._previous is None else self._previous
            self.report(
                MicroProblemKind.BROKEN_LINK,
                sequence,
                f"{words} does not link to {after}: a decision was deleted, added or moved here",
            )
        self.head, self._previous = own, words
        self._highest = max(self._highest, sequence)

    def _check_number(self, sequence: int) -> None:
        expected = self._highest + 1
        if sequence > expected:
            gone = (
                f"decision #{expected} is"
                if sequence == expected + 1
                else f"decisions #{expected}–#{sequence - 1} are"
            )
            self.report(
                MicroProblemKind.DELETED,
                expected,
                f"{gone} missing from the chain without an erasure tombstone: deleted",
            )
        elif sequence < expected:
            self.report(
                MicroProblemKind.ADDED,
                sequence,
                f"decision #{sequence} appears twice or out of order: one of them was added",
            )

    def _check_hash(self, decision: LoggedDecision, sequence: int, words: str) -> None:
        self.chained += 1
        try:
            due = decision_hash(self._key, decision, sequence, decision.prev_hash or "")
        except ValueError:
            due = ""
        if decision.hash != due:
            self.report(
                MicroProblemKind.EDITED,
                sequence,
                f"{words} does not match its hash: it was changed or added after the fact",
            )

    def _check_tombstone(self, entry: Tombstone) -> None:
        self.erased += 1
        self.erased_people.add(entry.participant_id)
        try:
            due = tombstone_mac(
                self._key,
                entry.sequence,
                entry.participant_id,
                (entry.prev_hash, entry.hash),
                entry.erased_at,
            )
        except ValueError:
            due = ""
        if entry.mac != due:
            self.report(
                MicroProblemKind.FORGED_TOMBSTONE,
                entry.sequence,
                f"the erasure tombstone of decision #{entry.sequence} is not keyed: it was "
                "written by someone without the allocation seed, not by a lawful erasure",
            )


def erased_summary(check: ChainCheck) -> str:
    """'3 erased lawfully (1 participant)', or '' when none were."""
    if not check.erased:
        return ""
    people = "participant" if check.erased_people == 1 else "participants"
    return f"{check.erased} erased lawfully ({check.erased_people} {people})"
