"""The research adapter: reads non-identifying rows in one snapshot; export and report from them.

Only this module turns database rows into the plain DataFrames `experiments` works on.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    Integer,
    MetaData,
    Numeric,
    Select,
    String,
    Table,
    Text,
    inspect,
    select,
    type_coerce,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot.db.engine import Database
from bot.db.models import OutboxMessage
from bot.db.study import (
    Allocation,
    ConsentRefusals,
    Event,
    Participant,
    ReenrollmentRefusals,
    Site,
    SurveyAnswer,
)
from bot.db.types import UTCDateTime
from bot.registrations import latest_registration
from experiments.analysis import Design, Estimate, itt_estimates, per_participant
from experiments.codebook import build_codebook
from experiments.export import (
    RAW_COLUMNS,
    ExportFormat,
    RawTrial,
    build_tables,
    safe_columns,
    write_export,
)
from experiments.protocol import Protocol
from experiments.pseudonyms import Pseudonymizer
from experiments.report import write_report

__all__ = [
    "GROUP_TABLES",
    "MEMBERSHIP_TABLES",
    "ExportResult",
    "export_trial",
    "read_trial",
    "report_trial",
]

# Reflected rather than imported, so the export works on any schema revision that has them.
GROUP_TABLES = ("peer_groups",)
MEMBERSHIP_TABLES = ("group_members",)
_SLICE = 100_000
_SIMPLE_TYPES = (Integer, Boolean, DateTime, Date, Float, Numeric, String)


_MODELS: dict[str, Any] = {
    "sites": Site,
    "consent_refusals": ConsentRefusals,
    "reenrollment_refusals": ReenrollmentRefusals,
    "participants": Participant,
    "allocations": Allocation,
    "events": Event,
    "survey_answers": SurveyAnswer,
    "messages": OutboxMessage,
}


def _query(table: str) -> Select[Any]:
    """The table's RAW_COLUMNS (never telegram_user_id, chat_id or payload), in id order.

    Times, JSON and enums come back as the driver gives them: pandas parses a million values
    at once far faster than SQLAlchemy's per-row result processing.
    """
    model = _MODELS[table]
    columns = [getattr(model, name) for name in RAW_COLUMNS[table]]
    query = select(
        *(
            type_coerce(column, String).label(column.key) if _parsed(column.type) else column
            for column in columns
        )
    )
    if table == "messages":
        query = query.where(OutboxMessage.participant_id.is_not(None))
    order = "sequence" if table == "allocations" else "id"
    return query.order_by(getattr(model, order)) if hasattr(model, order) else query


def _parsed(kind: Any) -> bool:
    return isinstance(kind, UTCDateTime | JSON | Enum)


async def read_trial(database: Database, as_of: datetime) -> RawTrial:
    """Every research table in one transaction, so the tables agree with each other."""
    frames: dict[str, pd.DataFrame] = {}
    async with database.snapshot() as session:
        connection = await session.connection()
        for table in _MODELS:
            # In slices, so a million events never sit in memory as SQLAlchemy rows at once.
            result = await connection.stream(_query(table))
            parts = [_frame(rows, table) async for rows in result.partitions(_SLICE)]
            frames[table] = pd.concat(parts, ignore_index=True) if parts else _frame([], table)
        frames.update(await session.run_sync(_group_frames))
    return RawTrial(as_of=as_of, frames=frames)


def _frame(rows: Sequence[Any], table: str) -> pd.DataFrame:
    names = RAW_COLUMNS[table]
    values = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    frame = pd.DataFrame(
        {name: pd.Series(list(v), dtype=object) for name, v in zip(names, values, strict=True)}
    )
    for name in names:
        kind = getattr(_MODELS[table], name).type
        if isinstance(kind, UTCDateTime):
            frame[name] = pd.to_datetime(frame[name], utc=True, format="ISO8601")
        elif isinstance(kind, JSON):
            frame[name] = [_json(value) for value in frame[name]]
        elif isinstance(kind, String):
            frame[name] = frame[name].astype("str")  # Arrow-backed: one buffer, not 1M objects
        else:
            frame[name] = frame[name].infer_objects()
    return frame


def _json(value: object) -> object:
    if isinstance(value, str):
        return None if value == "{}" else json.loads(value)  # None: nothing to flatten
    return value


def _group_frames(session: Session) -> dict[str, pd.DataFrame]:
    """Peer groups and memberships when those tables exist (reflected), else nothing."""
    connection = session.connection()
    present = set(inspect(connection).get_table_names())
    frames = {}
    groups = next((name for name in GROUP_TABLES if name in present), None)
    members = next((name for name in MEMBERSHIP_TABLES if name in present), None)
    if groups is not None:
        frames["groups"] = _reflected(connection, groups, required=("id",))
    if members is not None:
        frames["memberships"] = _reflected(
            connection, members, required=("group_id", "participant_id")
        )
    return {name: frame for name, frame in frames.items() if frame is not None}


def _reflected(connection: Connection, name: str, required: Sequence[str]) -> pd.DataFrame | None:
    """The table's plainly typed, non-identifying columns; None if a required one is missing."""
    table = Table(name, MetaData(), autoload_with=connection)
    simple = [
        column.name
        for column in table.columns
        if isinstance(column.type, _SIMPLE_TYPES) and not isinstance(column.type, Text | JSON)
    ]
    # A time says when, not who (and --shift-dates moves it); other columns are judged by name.
    times = {c for c in simple if isinstance(table.c[c].type, DateTime | Date)}
    safe = set(safe_columns(simple, keep=required))
    kept = [column for column in simple if column in times or column in safe]
    if any(column not in kept for column in required):
        return None
    rows = connection.execute(select(*(table.c[column] for column in kept))).all()
    frame = pd.DataFrame.from_records(rows, columns=kept)
    for column in kept:
        if isinstance(table.c[column].type, DateTime | Date):
            frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote."""

    paths: list[Path]
    participants: int
    events: int


async def export_trial(
    database: Database,
    out: Path,
    *,
    key: str,
    protocol: Protocol,
    file_format: ExportFormat = "csv",
    shift_dates: bool = False,
    as_of: datetime,
) -> ExportResult:
    """Read the database and write the pseudonymized tables and codebook into `out`."""
    raw = await read_trial(database, as_of)

    def _write() -> ExportResult:
        tables = build_tables(raw, Pseudonymizer(key), shift_dates=shift_dates, protocol=protocol)
        paths = write_export(tables, build_codebook(tables, protocol), out, file_format)
        return ExportResult(paths, len(tables["participants"]), len(tables["events"]))

    # Tidying and writing take seconds on a big trial: off the event loop (the demo runs a bot).
    return await asyncio.to_thread(_write)


async def report_trial(
    database: Database, out: Path, *, protocol: Protocol, as_of: datetime
) -> Path:
    """Read the database and write report.html with its figures into `out`; its path."""
    raw = await read_trial(database, as_of)
    registration = await latest_registration(database)

    def _write() -> Path:
        # The report shows no pseudonyms, so it needs no key: a throwaway one will do.
        tables = build_tables(raw, Pseudonymizer(secrets.token_hex(32)), protocol=protocol)
        return write_report(tables, protocol, out, raw.as_of, registration=registration)

    return await asyncio.to_thread(_write)


async def estimate_trial(
    database: Database, *, protocol: Protocol, as_of: datetime
) -> list[Estimate]:
    """The intention-to-treat estimates the report shows, for a headline on the console."""
    raw = await read_trial(database, as_of)

    def _estimate() -> list[Estimate]:
        tables = build_tables(raw, Pseudonymizer(secrets.token_hex(32)), protocol=protocol)
        design = Design.from_protocol(protocol)
        return itt_estimates(per_participant(tables, design, raw.as_of), design)

    return await asyncio.to_thread(_estimate)
