"""The research adapter: reads non-identifying rows in one snapshot; export and report from them.

Only this module turns database rows into the plain DataFrames `experiments` works on.
"""

from __future__ import annotations

import asyncio
import io
import json
import secrets
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
import pyarrow as pa
from pyarrow import compute, csv
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    MetaData,
    Numeric,
    Select,
    String,
    Table,
    Text,
    bindparam,
    cast,
    func,
    inspect,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Session

from bot.db.delivery import OutboxMessage
from bot.db.engine import Database
from bot.db.micro import MicroDecision
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
from experiments.allocation import Pseudonymizer
from experiments.outputs import (
    RAW_COLUMNS,
    ExportFormat,
    RawTrial,
    build_codebook,
    build_tables,
    cut_at,
    safe_columns,
    write_export,
)
from experiments.protocol import Protocol

if TYPE_CHECKING:
    from experiments.analysis import Estimate

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
PLACEMENT_TABLES = ("pool_entries",)
_SLICE = 50_000  # rows per page: bigger texts grow glibc's heap in pieces it cannot give back
_SIMPLE_TYPES = (Integer, Boolean, DateTime, Date, Float, Numeric, String)
pc: Any = compute  # its kernels are generated at import time, unseen by mypy
pa_csv: Any = csv


_MODELS: dict[str, Any] = {
    "sites": Site,
    "consent_refusals": ConsentRefusals,
    "reenrollment_refusals": ReenrollmentRefusals,
    "participants": Participant,
    "allocations": Allocation,
    "events": Event,
    "survey_answers": SurveyAnswer,
    "messages": OutboxMessage,
    "micro_decisions": MicroDecision,
}


def _query(table: str, dialect: str) -> Select[Any]:
    """The table's RAW_COLUMNS (never telegram_user_id, chat_id or payload) in key order, each
    row as one line of CSV made by the database: texts in single quotes (doubled inside), NULL
    as nothing or an unquoted NULL, times as UTC text.

    One string per row rather than a tuple of values: the driver makes a million Python objects
    instead of nine million, and Arrow parses the lines in one go.
    """
    query = _filtered(select(type_coerce(_line(table, dialect), Text)), table)
    key = _key(table)
    return query if key is None else query.order_by(key)


def _line(table: str, dialect: str, *first: Any) -> Any:
    model = _MODELS[table]
    cells = [*first, *(_cell(getattr(model, name), dialect) for name in RAW_COLUMNS[table])]
    pattern = ",".join("%s" for _ in cells)  # %s renders NULL as nothing, in both databases
    return (func.format if dialect == "postgresql" else func.printf)(pattern, *cells)


def _filtered(query: Select[Any], table: str) -> Select[Any]:
    if table == "messages":
        return query.where(OutboxMessage.participant_id.is_not(None))
    return query


def _key(table: str) -> Any:
    """The table's ordering key (its integer primary key), or None."""
    return getattr(_MODELS[table], "sequence" if table == "allocations" else "id", None)


def _pages_query(table: str) -> Select[Any]:
    """SQLite: the next page of lines (after the key `after`) as one text, with its row count
    and last key. Each line starts with its key, so that the page's order can be checked."""
    key = _key(table)
    line = type_coerce(_line(table, "sqlite", key), Text)
    inner = _filtered(select(key.label("k"), line.label("line")), table)
    page = inner.where(key > bindparam("after")).order_by(key).limit(_SLICE).subquery()
    return select(func.count(), func.max(page.c.k), func.group_concat(page.c.line, "\n"))


def _cell(column: Any, dialect: str) -> Any:
    """The column as a CSV cell: texts quoted, times as `YYYY-MM-DD HH:MM:SS.ffffff` UTC."""
    kind = column.type
    postgresql = dialect == "postgresql"
    if isinstance(kind, UTCDateTime):
        if postgresql:
            return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24:MI:SS.US")
        return column  # SQLite stores naive UTC in that form
    if isinstance(kind, JSON | String):  # Enum is a String
        if postgresql:
            quote = literal("'", Text)
            return quote + func.replace(cast(column, Text), "'", "''") + quote
        return func.quote(column)  # 'text' with quotes doubled; NULL as NULL
    if isinstance(kind, Integer | Boolean):
        return cast(column, Text) if postgresql else column
    if isinstance(kind, Float):  # a probability: shortest round-trip text in both databases
        return cast(column, Text) if postgresql else func.printf("%!.17g", column)
    raise TypeError(f"{column.key}: no export reading for {kind!r}")


async def read_trial(database: Database, as_of: datetime) -> RawTrial:
    """Every research table in one transaction, so the tables agree with each other, as they
    stood at `as_of` (the data date: later rows left out, later changes undone)."""
    frames: dict[str, pd.DataFrame] = {}
    async with database.snapshot() as session:
        connection = await session.connection()
        await connection.execute(select(literal(1)))  # opens the snapshot's transaction
        for table in _MODELS:
            # In slices of lines, parsed by Arrow: never a million rows of Python values at once.
            paged = database.dialect == "sqlite" and _key(table) is not None
            pages = (_pages if paged else _lines)(connection, table)
            frames[table] = _frame(
                [_parsed(page, table, keyed=paged) async for page in pages], table
            )
            # Arrow's allocator keeps what the parsing freed for later; hand it back, or the
            # next table's parsing adds to it (a million events: 40 MB less at the peak)
            pa.default_memory_pool().release_unused()
        frames.update(await session.run_sync(_group_frames))
    return cut_at(RawTrial(as_of=as_of, frames=frames))


async def _driver(connection: AsyncConnection) -> Any:
    """The DB-API driver's own connection (aiosqlite's or asyncpg's), inside the transaction:
    SQLAlchemy's per-row result handling cost as much as SQLite's own work."""
    return (await connection.get_raw_connection()).driver_connection


async def _pages(connection: AsyncConnection, table: str) -> AsyncIterator[str]:
    """SQLite: the table's lines, a page of them joined into one text by SQLite itself (keyset
    pagination on the integer key), so not even a Python string per row is made."""
    compiled = _pages_query(table).compile(dialect=connection.dialect)
    driver = await _driver(connection)
    after = -(2**63)
    while True:
        values = compiled.construct_params({"after": after})
        parameters = [values[name] for name in compiled.positiontup or ()]
        cursor = await driver.execute(str(compiled), parameters)
        try:
            count, last, text = await cursor.fetchone()
        finally:
            await cursor.close()
        if not count:
            return
        yield text
        if count < _SLICE:
            return
        after = last


async def _lines(connection: AsyncConnection, table: str) -> AsyncIterator[str]:
    """The table's lines in slices, from a server-side cursor (asyncpg) or aiosqlite's."""
    query = _query(table, connection.dialect.name)
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    driver = await _driver(connection)
    if connection.dialect.name == "postgresql":
        cursor = await driver.cursor(sql)
        while batch := await cursor.fetch(_SLICE):
            yield "\n".join([record[0] for record in batch])
        return
    cursor = await driver.execute(sql)  # aiosqlite: SQLite runs in its worker thread
    try:
        while batch := await cursor.fetchmany(_SLICE):
            yield "\n".join([row[0] for row in batch])
    finally:
        await cursor.close()


def _parsed(lines: str, table: str, *, keyed: bool = False) -> pa.Table:
    """Lines of CSV as an Arrow table (NULL where a cell is empty or an unquoted NULL): whole
    numbers, UTC times (naive) and booleans as such, the rest as texts. A `keyed` page's lines
    start with their key: put in key order should SQLite have joined them otherwise."""
    model = _MODELS[table]
    names = list(RAW_COLUMNS[table])
    types = {name: _arrow_type(getattr(model, name).type) for name in names}
    if keyed:
        names, types = ["_key", *names], {"_key": pa.int64(), **types}
    # Every line ends in a newline: Arrow reads an empty last cell of an unended last line as
    # quoted (an empty text rather than NULL).
    cells = pa_csv.read_csv(
        io.BytesIO((lines + "\n").encode("utf-8")),
        read_options=pa_csv.ReadOptions(column_names=names, use_threads=False),
        parse_options=pa_csv.ParseOptions(quote_char="'", newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types=types,
            null_values=["", "NULL"],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )
    if not keyed:
        return cells
    keys = cells.column("_key").to_numpy()
    if len(keys) > 1 and not (keys[1:] > keys[:-1]).all():
        cells = cells.take(np.argsort(keys, kind="stable"))
    return cells.drop_columns(["_key"])


def _arrow_type(kind: Any) -> pa.DataType:
    if isinstance(kind, UTCDateTime):
        return pa.timestamp("us")
    if isinstance(kind, Boolean):
        return pa.bool_()
    if isinstance(kind, Float):
        return pa.float64()
    return pa.int64() if isinstance(kind, Integer) else pa.string()


def _frame(parts: list[pa.Table], table: str) -> pd.DataFrame:
    """The raw table with the dtypes the export and report expect (see `_column`); empties
    `parts` as it goes, so that each column's Arrow cells are freed once converted."""
    names, model = RAW_COLUMNS[table], _MODELS[table]
    if not parts:
        kinds = {name: _arrow_type(getattr(model, name).type) for name in names}
        parts.append(pa.table({name: pa.array([], kind) for name, kind in kinds.items()}))
    cells = pa.concat_tables(parts)
    parts.clear()
    columns = {}
    for name in names:
        columns[name] = _column(cells.column(name), getattr(model, name).type)
        cells = cells.drop_columns([name])
    return pd.DataFrame(columns, copy=False)  # no copy into consolidated blocks


def _column(cells: pa.ChunkedArray, kind: Any) -> Any:
    """A column as pandas would have inferred it from the driver's Python values:
    UTC times (microseconds; whole seconds when none is set), JSON objects (None for `{}`),
    strings; whole numbers as int64, as float64 when some are missing, as objects when all are.
    """
    present = len(cells) - cells.null_count
    if isinstance(kind, UTCDateTime):
        unit = "us" if present else "s"
        return pc.cast(cells, pa.timestamp(unit, tz="UTC")).to_pandas()
    if isinstance(kind, JSON):
        values = np.full(len(cells), None, dtype=object)
        if not present:  # and pyarrow 24's indices_nonzero crashes on an empty chunked array
            return values
        given = pc.and_(pc.is_valid(cells), pc.not_equal(cells, "{}"))
        where = pc.indices_nonzero(given).to_numpy()
        # Each distinct text is parsed once; rows with the same text share the (read-only)
        # object: details repeat a lot ({"what": "school"}), and a million dicts weigh.
        texts = pc.dictionary_encode(pc.take(cells, where)).combine_chunks()
        parsed = np.empty(len(texts.dictionary), dtype=object)
        parsed[:] = [json.loads(text) for text in texts.dictionary.to_pylist()]
        values[where] = parsed[texts.indices.to_numpy(zero_copy_only=False)]
        return values
    if isinstance(kind, String):
        return cells.to_pandas()
    if present == len(cells) and present:
        return cells.to_numpy()
    if present == 0 or cells.type == pa.bool_():
        return np.array(cells.to_pylist(), dtype=object)
    return pc.cast(cells, pa.float64()).to_numpy()


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
        frames["memberships"] = _placed(
            connection,
            _reflected(connection, members, required=("group_id", "participant_id")),
            PLACEMENT_TABLES if PLACEMENT_TABLES[0] in present else (),
        )
    return {name: frame for name, frame in frames.items() if frame is not None}


def _placed(
    connection: Connection, members: pd.DataFrame | None, placements: Sequence[str]
) -> pd.DataFrame | None:
    """Memberships with when each member was placed in the group (from the pool), if known:
    the data date leaves out placements made after it."""
    if members is None or not placements:
        return members
    table = Table(placements[0], MetaData(), autoload_with=connection)
    if not {"participant_id", "placed_at"} <= set(table.c.keys()):
        return members
    rows = connection.execute(select(table.c.participant_id, table.c.placed_at)).all()
    placed = pd.DataFrame.from_records(rows, columns=["participant_id", "placed_at"])
    members = members.merge(placed, on="participant_id", how="left")
    members["placed_at"] = pd.to_datetime(members["placed_at"], utc=True)
    return members


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
        raw.frames.clear()  # the raw rows are not needed any more: free them before writing
        paths = write_export(tables, build_codebook(tables, protocol), out, file_format)
        return ExportResult(paths, len(tables["participants"]), len(tables["events"]))

    # Tidying and writing take seconds on a big trial: off the event loop (the demo runs a bot).
    return await asyncio.to_thread(_write)


async def report_trial(
    database: Database,
    out: Path,
    *,
    protocol: Protocol,
    as_of: datetime,
    micro_truth: Mapping[str, float] | None = None,
) -> Path:
    """Read the database and write report.html with its figures into `out`; its path.
    `micro_truth`: a simulation's known excursion effects, shown beside the estimates."""
    from experiments.outputs.report import write_report  # the statistics stack: not for exports

    raw = await read_trial(database, as_of)
    registration = await latest_registration(database)

    def _write() -> Path:
        # The report shows no pseudonyms, so it needs no key: a throwaway one will do.
        tables = build_tables(raw, Pseudonymizer(secrets.token_hex(32)), protocol=protocol)
        return write_report(
            tables, protocol, out, raw.as_of, registration=registration, micro_truth=micro_truth
        )

    return await asyncio.to_thread(_write)


async def estimate_trial(
    database: Database, *, protocol: Protocol, as_of: datetime
) -> list[Estimate]:
    """The intention-to-treat estimates the report shows, for a headline on the console."""
    from experiments.analysis import Design, itt_estimates, per_participant

    raw = await read_trial(database, as_of)

    def _estimate() -> list[Estimate]:
        tables = build_tables(raw, Pseudonymizer(secrets.token_hex(32)), protocol=protocol)
        design = Design.from_protocol(protocol)
        return itt_estimates(per_participant(tables, design, raw.as_of), design)

    return await asyncio.to_thread(_estimate)
