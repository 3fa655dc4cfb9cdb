"""Each research table's rows as lines of CSV, made by the database itself.

Only the RAW_COLUMNS of each table are read (never telegram_user_id, chat_id or payload).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    Integer,
    Select,
    String,
    Text,
    case,
    cast,
    func,
    literal,
    select,
    type_coerce,
)

from bot.db.calls import CallTask
from bot.db.delivery import OutboxMessage
from bot.db.linkage import LinkageImport
from bot.db.micro import MicroDecision
from bot.db.study import (
    Allocation,
    ConsentRefusals,
    Event,
    Participant,
    ReachRecord,
    ReenrollmentRefusals,
    Site,
    SurveyAnswer,
)
from bot.db.together import GroupEvent
from bot.db.types import UTCDateTime
from experiments.outputs import RAW_COLUMNS

MODELS: dict[str, Any] = {
    "sites": Site,
    "consent_refusals": ConsentRefusals,
    "reenrollment_refusals": ReenrollmentRefusals,
    "reach_steps": ReachRecord,
    "participants": Participant,
    "allocations": Allocation,
    "events": Event,
    "survey_answers": SurveyAnswer,
    "follow_up_calls": CallTask,
    "messages": OutboxMessage,
    "micro_decisions": MicroDecision,
    "group_events": GroupEvent,
    "linkage_imports": LinkageImport,
}


def lines_query(table: str, dialect: str) -> Select[Any]:
    """The table's RAW_COLUMNS (never telegram_user_id, chat_id or payload) in key order, each
    row as one line of CSV made by the database: texts in single quotes (doubled inside), NULL
    as nothing or an unquoted NULL, times as UTC text.

    One string per row rather than a tuple of values: the driver makes a million Python objects
    instead of nine million, and Arrow parses the lines in one go.
    """
    query = filtered(select(type_coerce(csv_line(table, dialect), Text)), table)
    key = table_key(table)
    return query if key is None else query.order_by(key)


def csv_line(table: str, dialect: str, *first: Any) -> Any:
    """One row as a line of CSV, made by the database; `first` cells go before the columns."""
    model = MODELS[table]
    cells = [*first, *(_cell(getattr(model, name), dialect) for name in RAW_COLUMNS[table])]
    pattern = ",".join("%s" for _ in cells)  # %s renders NULL as nothing, in both databases
    return (func.format if dialect == "postgresql" else func.printf)(pattern, *cells)


def filtered(query: Select[Any], table: str) -> Select[Any]:
    """Only the table's research rows: of messages, those to a participant."""
    if table == "messages":
        return query.where(OutboxMessage.participant_id.is_not(None))
    return query


def table_key(table: str) -> Any:
    """The table's ordering key (its integer primary key), or None."""
    return getattr(MODELS[table], "sequence" if table == "allocations" else "id", None)


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
        if postgresql:
            return cast(column, Text)
        # printf makes 0.0 of NULL: a missing value (a draw not made) stays missing
        return case((column.is_(None), None), else_=func.printf("%!.17g", column))
    raise TypeError(f"{column.key}: no export reading for {kind!r}")
