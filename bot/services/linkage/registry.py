"""The database side of linkage: the code hash kept at enrollment, the people a trusted third
party can link, and registry outcomes stored as events with their source.

The hash is a plain HMAC-SHA256 of the code under LOTGENOOT_LINKAGE_KEY (hex), so the trusted
third party can compute it for the codes a municipality handed out with any tool
(`printf %s CODE | openssl dgst -sha256 -hmac KEY`). The municipality's data team never holds
the key, so the export file tells them nothing; the researchers never see a code.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.linkage import LinkageImport
from bot.db.study import EnrollmentCode, Event, Participant, ParticipantStatus
from bot.services.linkage.files import OutcomeFile
from experiments.allocation import Pseudonymizer
from experiments.protocol import ADMINISTRATIVE, Linkage, LinkedValue
from experiments.records import EventKind

__all__ = [
    "ImportReport",
    "code_hash",
    "enrollment_code_hash",
    "forget",
    "import_outcomes",
    "linkable_people",
]


def code_hash(linkage_key: str, code: str) -> str:
    """The keyed hash of an enrollment code: hex HMAC-SHA256 of the code under the key."""
    if not linkage_key:
        raise ValueError("the linkage key must not be empty")
    return hmac.new(linkage_key.encode(), code.strip().encode(), hashlib.sha256).hexdigest()


def enrollment_code_hash(linkage_key: str | None, code: EnrollmentCode) -> str | None:
    """What the participant row keeps of their code: its hash when the code was single-use and
    the key is set; None otherwise (a reusable code names no one, so it links nobody)."""
    if linkage_key is None or code.reusable:
        return None
    return code_hash(linkage_key, code.code)


def forget(participant: Participant) -> None:
    """/delete: the hash goes, so nobody can link this person again."""
    participant.code_hash = None


async def linkable_people(session: AsyncSession, pseudonym_key: str) -> list[tuple[str, str]]:
    """(code hash, pseudonym) of everyone who can be linked, in hash order (which says nothing
    of who enrolled when)."""
    rows = await session.execute(
        select(Participant.id, Participant.code_hash)
        .where(Participant.code_hash.is_not(None))
        .where(Participant.status != ParticipantStatus.ERASED)
        .order_by(Participant.code_hash)
    )
    pseudonymizer = Pseudonymizer(pseudonym_key)
    return [(str(hashed), pseudonymizer.pseudonym(pid)) for pid, hashed in rows]


@dataclass
class ImportReport:
    """What an import did, by row number (the header is row 1)."""

    rows: int = 0
    matched: list[int] = field(default_factory=list)
    unmatched: list[int] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)
    stored: int = 0  # values new to the database
    changed: int = 0  # values that differ from the last import (stored as a correction)
    unchanged: int = 0  # values imported before: not stored again


async def import_outcomes(
    session: AsyncSession,
    linkage: Linkage,
    outcomes: OutcomeFile,
    *,
    pseudonym_key: str,
    now: datetime,
    file_sha256: str = "",
) -> ImportReport:
    """Store each matched row's values as `linked_outcome` events (source administrative).
    Idempotent: a value already there is not stored again; a different one corrects it. The
    import itself is a `linkage_imports` row (counts only)."""
    report = ImportReport(
        rows=len(outcomes.rows) + len(outcomes.duplicates), duplicates=list(outcomes.duplicates)
    )
    people = await _people_by_pseudonym(session, pseudonym_key)
    latest = await _latest_values(session)
    for row in outcomes.rows:
        participant_id = people.get(row.pseudonym)
        if participant_id is None:
            report.unmatched.append(row.row)
            continue
        report.matched.append(row.row)
        for name, value in row.values.items():
            before = latest.get((participant_id, name))
            detail = _detail(linkage, name, value)
            if before is not None and _same(before.detail, detail):
                report.unchanged += 1
                continue
            session.add(
                Event(
                    participant_id=participant_id,
                    kind=EventKind.LINKED_OUTCOME,
                    occurred_at=now,
                    source=ADMINISTRATIVE,
                    quantity=int(value) if isinstance(value, bool) else None,
                    detail=detail,
                    # one successor per stored value: two imports at once cannot both add it
                    dedupe_key=f"linked:{participant_id}:{name}:"
                    f"{before.id if before is not None else 0}",
                    corrects_event_id=before.id if before is not None else None,
                )
            )
            if before is None:
                report.stored += 1
            else:
                report.changed += 1
    session.add(_record(report, now, file_sha256))
    await session.flush()
    return report


def _record(report: ImportReport, now: datetime, file_sha256: str) -> LinkageImport:
    return LinkageImport(
        imported_at=now,
        file_sha256=file_sha256,
        rows=report.rows,
        matched=len(report.matched),
        unmatched=len(report.unmatched),
        duplicates=len(report.duplicates),
        stored=report.stored,
        changed=report.changed,
        unchanged=report.unchanged,
    )


async def _people_by_pseudonym(session: AsyncSession, pseudonym_key: str) -> dict[str, int]:
    """Pseudonym -> participant id of everyone still linkable (an erased person is not)."""
    ids = await session.scalars(
        select(Participant.id).where(Participant.status != ParticipantStatus.ERASED)
    )
    pseudonymizer = Pseudonymizer(pseudonym_key)
    return {pseudonymizer.pseudonym(pid): pid for pid in ids}


async def _latest_values(session: AsyncSession) -> dict[tuple[int, str], Event]:
    """The last stored value of each (participant, outcome)."""
    events: Iterable[Event] = await session.scalars(
        select(Event).where(Event.kind == EventKind.LINKED_OUTCOME).order_by(Event.id)
    )
    return {(event.participant_id, str(event.detail.get("outcome"))): event for event in events}


def _detail(linkage: Linkage, name: str, value: LinkedValue) -> dict[str, Any]:
    declared = linkage.outcome(name)
    assert declared is not None  # the file was read against this schema
    detail: dict[str, Any] = {"outcome": name, "origin": declared.source}
    if isinstance(value, bool):
        detail["answer"] = "yes" if value else "no"
    elif isinstance(value, date):
        detail["date"] = value.isoformat()
    else:
        detail["number"] = value
    return detail


def _same(stored: dict[str, Any], detail: dict[str, Any]) -> bool:
    return all(stored.get(key) == value for key, value in detail.items() if key != "origin")
