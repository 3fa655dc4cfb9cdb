"""Peer groups, memberships and the groups' check-in weeks, reflected rather than imported, so
the export works on any schema revision that has them."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd  # type: ignore[import-untyped]
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    inspect,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from experiments.outputs import safe_columns

GROUP_TABLES = ("peer_groups",)
MEMBERSHIP_TABLES = ("group_members",)
PLACEMENT_TABLES = ("pool_entries",)
GROUP_WEEK_TABLE = "group_weeks"
_SIMPLE_TYPES = (Integer, Boolean, DateTime, Date, Float, Numeric, String)


def group_frames(session: Session) -> dict[str, pd.DataFrame]:
    """Peer groups, memberships and check-in weeks when those tables exist (reflected)."""
    connection = session.connection()
    present = set(inspect(connection).get_table_names())
    frames = {}
    groups = next((name for name in GROUP_TABLES if name in present), None)
    members = next((name for name in MEMBERSHIP_TABLES if name in present), None)
    if groups is not None:
        frames["groups"] = _with_ingredients(
            connection, _reflected(connection, groups, required=("id",)), present
        )
    if members is not None:
        frames["memberships"] = _placed(
            connection,
            _reflected(connection, members, required=("group_id", "participant_id")),
            PLACEMENT_TABLES if PLACEMENT_TABLES[0] in present else (),
        )
    if GROUP_WEEK_TABLE in present:
        frames["group_weeks"] = _reflected(
            connection, GROUP_WEEK_TABLE, required=("group_id", "week_start")
        )
    return {name: frame for name, frame in frames.items() if frame is not None}


def _with_ingredients(
    connection: Connection, groups: pd.DataFrame | None, present: set[str]
) -> pd.DataFrame | None:
    """Groups with their group-factorial draw (`ingredients`: the cell, e.g. "buddy" or
    "none"), when the study draws ingredients by group, for the group-level analysis."""
    if groups is None or "group_ingredients" not in present:
        return groups
    table = Table("group_ingredients", MetaData(), autoload_with=connection)
    rows = connection.execute(select(table.c.group_id, table.c.cell)).all()
    if not rows:
        return groups
    drawn = pd.DataFrame.from_records(rows, columns=["id", "ingredients"])
    return groups.merge(drawn, on="id", how="left")


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
